package io.kortexdl.spark.collective;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A {@link Collective} over TCP, one connection between every two participants.
 *
 * <p>{@link #allreduceSum} is a direct reduce-scatter followed by an all-gather: participant
 * {@code r} owns the {@code r}-th of {@code n} equal slices of the array; everyone sends each
 * owner its slice, the owner adds the {@code n} contributions in rank order, and sends the sum
 * back to everyone. Each participant sends and receives {@code 2 (n-1)/n} of the array in
 * {@code 2 (n-1)} messages, the same bytes as a ring, with two message latencies instead of
 * {@code 2 (n-1)}, and each slice is reduced by one participant in a fixed order.
 *
 * <p>Set-up: every participant binds a listener on its executor's own address before it
 * publishes that address (so a peer never finds nothing listening), then connects to every
 * lower rank and accepts every higher one. Every connection passes the {@link Guard}'s handshake,
 * bound to the token of the epoch attempt, so a connection left over from an earlier attempt, or
 * (when the collective is protected) without the application's secret, is refused; encrypted,
 * every frame travels sealed.
 */
public final class TcpCollective implements Collective {
    static final int MAGIC = 0x4B584443; // "KXDC"
    private static final long ACCEPT_SLICE_MS = 200;

    private final int rank;
    private final List<Peer> peers;
    private final Exchange exchange;
    private final ByteBuffer[] frames;
    private final int[] expected;
    private ByteBuffer sendFrame = ByteBuffer.allocateDirect(0);
    private float[] sum = new float[0];
    private float[] scratch = new float[0];
    private int operations;
    private long bytesSent;

    private TcpCollective(int rank, List<Peer> peers, Exchange exchange) {
        this.rank = rank;
        this.peers = peers;
        this.exchange = exchange;
        this.frames = new ByteBuffer[peers.size()];
        this.expected = new int[peers.size()];
    }

    /**
     * Participant {@code rank}'s listener on {@code host}, on a port of the settings' range or an
     * ephemeral one, accepting from the moment it is bound: a stranger that arrives before the
     * participants meet cannot fill its backlog. Only higher ranks of this attempt that pass
     * {@code guard}'s handshake are kept.
     *
     * @param size the number of participants
     * @param token identifies this epoch attempt; every participant passes the same value
     * @param guard the handshake every connection passes; the same on every participant
     * @throws CollectiveException naming the address and range when no port is free
     */
    public static Listener listen(String host, CollectiveSettings settings, int rank, int size, long token,
                                  Guard guard) {
        return new Listener(bind(host, settings), rank, size, token, guard);
    }

    /**
     * A participant's listener: its port, to publish, and the higher ranks that connected to it,
     * waiting for {@link #connect}.
     */
    public static final class Listener implements AutoCloseable {
        private final int port;
        private final int rank;
        private final int size;
        private final long token;
        private final Guard guard;
        private final Gate<Integer> gate;
        private final BlockingQueue<Arrival> arrivals = new LinkedBlockingQueue<>();

        private Listener(ServerSocketChannel server, int rank, int size, long token, Guard guard) {
            this.port = server.socket().getLocalPort();
            this.rank = rank;
            this.size = size;
            this.token = token;
            this.guard = guard;
            this.gate = new Gate<>(server, guard, MAGIC, token, "the collective's listener of rank " + rank
                    + " on port " + port, link -> readRank(link, rank, size),
                    (link, from) -> arrivals.add(new Arrival(link, from)));
        }

        /** The port it listens on. */
        public int port() {
            return port;
        }

        /** Stops accepting and closes the connections not taken. Idempotent. */
        @Override
        public void close() {
            gate.close();
            for (Arrival extra; (extra = arrivals.poll()) != null; ) {
                extra.link().close();
            }
        }
    }

    /**
     * A listener on {@code host}, on a port of the settings' range or an ephemeral one.
     *
     * @throws CollectiveException naming the address and range when no port is free
     */
    static ServerSocketChannel bind(String host, CollectiveSettings settings) {
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (IOException e) {
            throw new CollectiveException("KortexDL collective: cannot resolve this executor's address " + host, e);
        }
        int first = settings.ranged() ? settings.firstPort() : 0;
        int last = settings.ranged() ? settings.lastPort() : 0;
        IOException lastFailure = null;
        for (int port = first; port <= last; port++) {
            ServerSocketChannel server = null;
            try {
                server = ServerSocketChannel.open();
                server.bind(new InetSocketAddress(address, port), 64);
                return server;
            } catch (IOException e) {
                lastFailure = e;
                closeQuietly(server);
            }
        }
        throw new CollectiveException("KortexDL collective: cannot listen on " + host + (settings.ranged()
                ? " at any port of " + CollectiveSettings.PORT_RANGE + " " + first + "-" + last : "")
                + " (" + (lastFailure == null ? "no port" : lastFailure.getMessage()) + ")", lastFailure);
    }

    /**
     * Connects the participant of {@code listener} to every other one of {@code peers} (listed in
     * rank order, this one included) and returns the collective; closes {@code listener} either way.
     *
     * @param cancelled polled while waiting; when true the set-up fails
     * @throws CollectiveException naming the peers that could not be reached in time, or that
     *     failed the handshake
     */
    public static TcpCollective connect(Listener listener, List<Peer> peers, CollectiveSettings settings,
                                        BooleanSupplier cancelled) {
        int rank = listener.rank;
        if (peers.size() != listener.size) {
            listener.close();
            throw new IllegalArgumentException(peers.size() + " peers for a listener of " + listener.size);
        }
        Link[] links = new Link[peers.size()];
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.connectTimeoutMs());
        try (listener) {
            for (int lower = 0; lower < rank; lower++) {
                links[lower] = dial(peers.get(lower), deadline, listener.guard, listener.token, cancelled);
                links[lower].send(ByteBuffer.allocate(4).putInt(rank).array());
            }
            int missing = peers.size() - 1 - rank;
            while (missing > 0) {
                if (cancelled.getAsBoolean() || System.nanoTime() - deadline > 0) {
                    List<String> absent = new ArrayList<>();
                    for (int higher = rank + 1; higher < peers.size(); higher++) {
                        if (links[higher] == null) {
                            absent.add(peers.get(higher).describe());
                        }
                    }
                    throw new CollectiveException("KortexDL collective: " + String.join(", ", absent) + " did not"
                            + " connect to " + peers.get(rank).describe() + (cancelled.getAsBoolean()
                            ? " before the task was cancelled" : " within " + CollectiveSettings.CONNECT_TIMEOUT + " = "
                            + settings.connectTimeoutMs() + " ms") + "; check that executors can reach each other"
                            + " on " + CollectiveSettings.PORT_RANGE, null);
                }
                Arrival arrival = listener.arrivals.poll(ACCEPT_SLICE_MS, TimeUnit.MILLISECONDS);
                if (arrival == null) {
                    continue;
                }
                if (links[arrival.from()] != null) {
                    arrival.link().close(); // a second connection claiming a rank already here
                    continue;
                }
                links[arrival.from()] = arrival.link();
                missing--;
            }
            return new TcpCollective(rank, peers, new Exchange(peers, rank, links, settings.timeoutMs(), cancelled));
        } catch (IOException | InterruptedException | RuntimeException e) {
            for (Link link : links) {
                closeQuietly(link);
            }
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            if (e instanceof CollectiveException c) {
                throw c;
            }
            throw new CollectiveException("KortexDL collective: setting up " + peers.get(rank).describe() + " failed: "
                    + e.getMessage(), e);
        }
    }

    /** A higher rank that passed the handshake. */
    private record Arrival(Link link, int from) {
    }

    /** The rank in a new connection's first message, refused unless it is a higher rank of this collective. */
    private static int readRank(Link link, int rank, int size) throws IOException {
        byte[] hello = link.receive(4);
        int from = hello.length == 4 ? ByteBuffer.wrap(hello).getInt() : -1;
        if (from <= rank || from >= size) {
            throw new Guard.Refused("it claims rank " + from + ", not a higher rank of " + size);
        }
        return from;
    }

    /** Connects to {@code peer}, retrying refused attempts until the deadline, and runs the handshake. */
    private static Link dial(Peer peer, long deadline, Guard guard, long token, BooleanSupplier cancelled)
            throws IOException {
        IOException last = null;
        while (!cancelled.getAsBoolean()) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                break;
            }
            SocketChannel channel = SocketChannel.open();
            try {
                channel.socket().connect(new InetSocketAddress(peer.host(), peer.port()), (int) Math.min(left, 10_000));
            } catch (IOException e) {
                last = e;
                closeQuietly(channel);
                try {
                    Thread.sleep(Math.min(100, Math.max(1, left)));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    break;
                }
                continue;
            }
            try {
                channel.socket().setTcpNoDelay(true);
                channel.socket().setSoTimeout(Gate.HANDSHAKE_MS);
                return guard.dial(channel.socket(), MAGIC, token);
            } catch (IOException e) {
                closeQuietly(channel);
                throw new CollectiveException("KortexDL collective: the handshake with " + peer.describe() + " failed: "
                        + e.getMessage() + (e instanceof Guard.Refused ? "" : "; check that executors can reach each"
                        + " other on " + CollectiveSettings.PORT_RANGE), e);
            }
        }
        throw new CollectiveException("KortexDL collective: cannot connect to " + peer.describe() + ": "
                + (last == null ? "cancelled" : last.getMessage()) + "; check that executors can reach each other on "
                + CollectiveSettings.PORT_RANGE, last);
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return peers.size();
    }

    @Override
    public long bytesSent() {
        return bytesSent;
    }


    @Override
    public void allreduceSum(float[] data, int length) {
        if (length < 0 || length > data.length) {
            throw new IllegalArgumentException("length: expected 0.." + data.length + ", got " + length);
        }
        int n = peers.size();
        int operation = operations++;
        int ownFrom = sliceStart(length, rank, n);
        int ownLength = sliceStart(length, rank + 1, n) - ownFrom;
        int largest = (length + n - 1) / n;
        int capacity = (n - 1) * (Exchange.HEADER + 4 * largest);
        if (sendFrame.capacity() < capacity) {
            sendFrame = ByteBuffer.allocateDirect(capacity);
        }
        // Reduce-scatter: every peer's slice goes to its owner; this participant's comes from everyone.
        int at = 0;
        for (int p = 0; p < n; p++) {
            if (p == rank) {
                frames[p] = null;
                expected[p] = -1;
                continue;
            }
            int from = sliceStart(length, p, n);
            int count = sliceStart(length, p + 1, n) - from;
            frames[p] = frame(at, 2 * operation, data, from, count);
            at += frames[p].remaining();
            bytesSent += frames[p].remaining();
            expected[p] = ownLength;
        }
        exchange.exchange(frames, expected, 2 * operation, "slices of operation " + operation);
        if (sum.length < ownLength) {
            sum = new float[ownLength];
            scratch = new float[ownLength];
        }
        Arrays.fill(sum, 0, ownLength, 0f);
        for (int p = 0; p < n; p++) {
            float[] part;
            int offset;
            if (p == rank) {
                part = data;
                offset = ownFrom;
            } else {
                exchange.inbound(p, ownLength).asFloatBuffer().get(scratch, 0, ownLength);
                part = scratch;
                offset = 0;
            }
            for (int i = 0; i < ownLength; i++) {
                sum[i] += part[offset + i];
            }
        }
        System.arraycopy(sum, 0, data, ownFrom, ownLength);
        // All-gather: this participant's sum goes to everyone; every other slice comes from its owner.
        ByteBuffer own = frame(0, 2 * operation + 1, data, ownFrom, ownLength);
        for (int p = 0; p < n; p++) {
            if (p == rank) {
                continue;
            }
            frames[p] = own.duplicate();
            expected[p] = sliceStart(length, p + 1, n) - sliceStart(length, p, n);
            bytesSent += own.remaining();
        }
        exchange.exchange(frames, expected, 2 * operation + 1, "sums of operation " + operation);
        for (int p = 0; p < n; p++) {
            if (p != rank) {
                int from = sliceStart(length, p, n);
                FloatBuffer slice = exchange.inbound(p, expected[p]).asFloatBuffer();
                slice.get(data, from, expected[p]);
            }
        }
    }

    /** Writes a frame of {@code data[from, from + count)} at {@code at} of the send buffer; returns a view of it. */
    private ByteBuffer frame(int at, int sequence, float[] data, int from, int count) {
        ByteBuffer frame = sendFrame.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        frame.clear().position(at);
        frame.putInt(sequence).putInt(4 * count);
        frame.asFloatBuffer().put(data, from, count);
        frame.limit(at + Exchange.HEADER + 4 * count).position(at);
        return frame.slice();
    }

    private static int sliceStart(int length, int slice, int slices) {
        return (int) ((long) length * slice / slices);
    }

    @Override
    public void close() {
        exchange.close();
    }

    /** Closes {@code c} (null allowed), ignoring a failure: for clean-up on paths that already fail or end. */
    static void closeQuietly(java.io.Closeable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException e) {
            // nothing to do
        }
    }
}
