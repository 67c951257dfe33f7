package io.kortexdl.spark.collective;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
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
 * lower rank and accepts every higher one. Connections carry a handshake with the token of the
 * epoch attempt, so a connection left over from an earlier attempt is refused.
 */
public final class TcpCollective implements Collective {
    private static final int MAGIC = 0x4B584443; // "KXDC"
    private static final long ACCEPT_SLICE_MS = 200;

    private final int rank;
    private final List<Peer> peers;
    private final PeerLink[] links;
    private final CollectiveSettings settings;
    private final BooleanSupplier cancelled;
    private byte[] sendFrame = new byte[0];
    private float[] sum = new float[0];
    private int operations;
    private long bytesSent;
    private long messagesSent;

    private TcpCollective(int rank, List<Peer> peers, PeerLink[] links, CollectiveSettings settings,
                          BooleanSupplier cancelled) {
        this.rank = rank;
        this.peers = peers;
        this.links = links;
        this.settings = settings;
        this.cancelled = cancelled;
    }

    /**
     * A listener on {@code host}, on a port of the settings' range or an ephemeral one.
     *
     * @throws CollectiveException naming the address and range when no port is free
     */
    public static ServerSocket listen(String host, CollectiveSettings settings) {
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
            ServerSocket server = null;
            try {
                server = new ServerSocket();
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
     * Connects participant {@code rank} to every other one of {@code peers} (listed in rank order,
     * this one included) and returns the collective; closes {@code listener} either way.
     *
     * @param token identifies this epoch attempt; every participant passes the same value
     * @param cancelled polled while waiting; when true the set-up fails
     * @throws CollectiveException naming the peers that could not be reached in time
     */
    public static TcpCollective connect(ServerSocket listener, List<Peer> peers, int rank, long token,
                                        CollectiveSettings settings, BooleanSupplier cancelled) {
        PeerLink[] links = new PeerLink[peers.size()];
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.connectTimeoutMs());
        String owner = "rank" + rank;
        try (listener) {
            for (int lower = 0; lower < rank; lower++) {
                Peer peer = peers.get(lower);
                Socket socket = dial(peer, deadline, cancelled);
                DataOutputStream hello = new DataOutputStream(socket.getOutputStream());
                hello.writeInt(MAGIC);
                hello.writeLong(token);
                hello.writeInt(rank);
                hello.flush();
                links[lower] = new PeerLink(peer, socket, owner);
            }
            int expected = peers.size() - 1 - rank;
            listener.setSoTimeout((int) ACCEPT_SLICE_MS);
            while (expected > 0) {
                if (cancelled.getAsBoolean() || System.nanoTime() - deadline > 0) {
                    List<String> missing = new ArrayList<>();
                    for (int higher = rank + 1; higher < peers.size(); higher++) {
                        if (links[higher] == null) {
                            missing.add(peers.get(higher).describe());
                        }
                    }
                    throw new CollectiveException("KortexDL collective: " + String.join(", ", missing) + " did not"
                            + " connect to " + peers.get(rank).describe() + (cancelled.getAsBoolean()
                            ? " before the task was cancelled" : " within " + CollectiveSettings.CONNECT_TIMEOUT + " = "
                            + settings.connectTimeoutMs() + " ms") + "; check that executors can reach each other"
                            + " on " + CollectiveSettings.PORT_RANGE, null);
                }
                Socket socket;
                try {
                    socket = listener.accept();
                } catch (SocketTimeoutException e) {
                    continue;
                }
                int from = handshake(socket, token, rank, peers.size());
                if (from < 0 || links[from] != null) {
                    closeQuietly(socket);
                    continue;
                }
                links[from] = new PeerLink(peers.get(from), socket, owner);
                expected--;
            }
            return new TcpCollective(rank, peers, links, settings, cancelled);
        } catch (IOException | RuntimeException e) {
            for (PeerLink link : links) {
                if (link != null) {
                    link.close();
                }
            }
            if (e instanceof CollectiveException c) {
                throw c;
            }
            throw new CollectiveException("KortexDL collective: setting up " + peers.get(rank).describe() + " failed: "
                    + e.getMessage(), e);
        }
    }

    /** Connects to {@code peer}, retrying refused attempts until the deadline. */
    private static Socket dial(Peer peer, long deadline, BooleanSupplier cancelled) throws IOException {
        IOException last = null;
        while (!cancelled.getAsBoolean()) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                break;
            }
            Socket socket = new Socket();
            try {
                socket.connect(new InetSocketAddress(peer.host(), peer.port()), (int) Math.min(left, 10_000));
                return socket;
            } catch (IOException e) {
                last = e;
                closeQuietly(socket);
                try {
                    Thread.sleep(Math.min(100, Math.max(1, left)));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        throw new CollectiveException("KortexDL collective: cannot connect to " + peer.describe() + ": "
                + (last == null ? "cancelled" : last.getMessage()) + "; check that executors can reach each other on "
                + CollectiveSettings.PORT_RANGE, last);
    }

    /** The rank a new connection announces, or -1 when it is not a peer of this attempt. */
    private static int handshake(Socket socket, long token, int rank, int size) {
        try {
            socket.setSoTimeout(5_000);
            DataInputStream in = new DataInputStream(socket.getInputStream());
            if (in.readInt() != MAGIC || in.readLong() != token) {
                return -1;
            }
            int from = in.readInt();
            socket.setSoTimeout(0);
            return from > rank && from < size ? from : -1;
        } catch (IOException e) {
            return -1;
        }
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
    public long messagesSent() {
        return messagesSent;
    }

    @Override
    public void allreduceSum(float[] data, int length) {
        if (length < 0 || length > data.length) {
            throw new IllegalArgumentException("length: expected 0.." + data.length + ", got " + length);
        }
        int n = peers.size();
        int operation = operations++;
        int ownFrom = sliceStart(length, rank, n);
        int ownTo = sliceStart(length, rank + 1, n);
        int ownLength = ownTo - ownFrom;
        for (int k = 1; k < n; k++) {
            int to = (rank + k) % n;
            send(to, 2 * operation, data, sliceStart(length, to, n), sliceStart(length, to + 1, n), "its slice");
        }
        if (sum.length < ownLength) {
            sum = new float[ownLength];
        }
        java.util.Arrays.fill(sum, 0, ownLength, 0f);
        for (int from = 0; from < n; from++) {
            if (from == rank) {
                for (int i = 0; i < ownLength; i++) {
                    sum[i] += data[ownFrom + i];
                }
            } else {
                FloatBuffer part = receive(from, 2 * operation, ownLength, "its part of slice " + rank);
                for (int i = 0; i < ownLength; i++) {
                    sum[i] += part.get(i);
                }
            }
        }
        System.arraycopy(sum, 0, data, ownFrom, ownLength);
        for (int k = 1; k < n; k++) {
            send((rank + k) % n, 2 * operation + 1, data, ownFrom, ownTo, "the sum of slice " + rank);
        }
        for (int from = 0; from < n; from++) {
            if (from != rank) {
                int start = sliceStart(length, from, n);
                int count = sliceStart(length, from + 1, n) - start;
                receive(from, 2 * operation + 1, count, "the sum of slice " + from).get(data, start, count);
            }
        }
    }

    private static int sliceStart(int length, int slice, int slices) {
        return (int) ((long) length * slice / slices);
    }

    private void send(int to, int sequence, float[] data, int from, int until, String what) {
        int bytes = 8 + 4 * (until - from);
        if (sendFrame.length < bytes) {
            sendFrame = new byte[bytes];
        }
        ByteBuffer frame = ByteBuffer.wrap(sendFrame);
        frame.putInt(sequence).putInt(bytes - 8);
        frame.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(data, from, until - from);
        links[to].send(sendFrame, bytes, what);
        bytesSent += bytes;
        messagesSent++;
    }

    private FloatBuffer receive(int from, int sequence, int floats, String what) {
        PeerLink.Frame frame = links[from].receive(settings.timeoutMs(), cancelled, what);
        if (frame.sequence() != sequence || frame.payload().length != 4 * floats) {
            throw new CollectiveException("KortexDL collective: " + peers.get(from).describe() + " sent message "
                    + frame.sequence() + " of " + frame.payload().length + " bytes where " + peers.get(rank).describe()
                    + " expected message " + sequence + " of " + 4 * floats + " bytes: the participants disagree on"
                    + " the operation", null);
        }
        return ByteBuffer.wrap(frame.payload()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    }

    @Override
    public void close() {
        for (PeerLink link : links) {
            if (link != null) {
                link.close();
            }
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
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
