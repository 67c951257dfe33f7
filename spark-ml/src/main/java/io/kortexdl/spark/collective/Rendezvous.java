package io.kortexdl.spark.collective;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Where the participants of one collective meet, on the driver, and how the state they start
 * from and end with travels without Spark's task results and broadcasts (which cost tens of
 * milliseconds an epoch for a few megabytes).
 *
 * <p>Each participant connects, passes the {@link Guard}'s handshake, and sends its rank, a
 * message (its address) and whether it needs the start payload; once all have arrived, each
 * receives every participant's message in rank order (like Spark's
 * {@code BarrierTaskContext.allGather}, without its one-second polling), followed by the start
 * payload if it asked for it. Rank 0 keeps its connection and, at the end, sends the end payload
 * back ({@link Joined#submitEnd}). The service serves one round for one {@link Address#token()}:
 * connections of another attempt, with an impossible rank or without the application's secret
 * (when the collective is protected) are refused by its {@link Gate}, which no stranger can hold
 * up. The latest connection of a rank that connects twice wins, before the round has met and
 * after: a participant that joins again once the round has met (Spark runs a failed task again)
 * gets the same messages, its own replaced, and the start payload, and as rank 0 it is the one
 * whose end payload counts.
 */
public final class Rendezvous implements AutoCloseable {
    static final int MAGIC = 0x4B584452; // "KXDR"
    private static final int POLL_MS = 200;
    /** Largest first message of a participant: its rank, message and flag. */
    private static final int MAX_HELLO = 70_000;
    /** Largest payload or message list accepted. */
    private static final int MAX_PAYLOAD = Integer.MAX_VALUE - 1_024;

    /**
     * How participants reach a rendezvous.
     *
     * @param host the driver's address as executors reach it
     * @param port the service's port
     * @param token identifies the round; participants pass it on
     */
    public record Address(String host, int port, long token) implements Serializable {
    }

    /** A participant's first message. */
    private record Hello(int rank, String message, boolean wantsStart) {
    }

    private final Address address;
    private final Supplier<byte[]> start;
    private final Gate<Hello> gate;
    /** The start payload, made on the first request for it (under this object's lock). */
    private byte[] startBytes;
    private final Link[] joined;
    /** Every admitted connection still open, for {@link #close()}, which must not wait for the lock. */
    private final java.util.Set<Link> open = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final String[] messages;
    private final boolean[] wantsStart;
    private final boolean[] seen;
    private int present;
    /** Guards {@link #end} and {@link #endLink}, and is notified when the end payload arrives. */
    private final Object endLock = new Object();
    private byte[] end;
    /** Rank 0's latest connection, which the end payload comes through. */
    private Link endLink;
    private volatile boolean closed;

    private Rendezvous(ServerSocketChannel server, Address address, int participants, Guard guard,
                       Supplier<byte[]> start) {
        this.address = address;
        this.start = start;
        this.joined = new Link[participants];
        this.messages = new String[participants];
        this.wantsStart = new boolean[participants];
        this.seen = new boolean[participants];
        this.gate = new Gate<>(server, guard, MAGIC, address.token(), "the collective's rendezvous on port "
                + address.port(), this::readHello, this::admit);
    }

    /**
     * Opens the service on {@code bindHost} (a port of the settings' range, else ephemeral) for
     * {@code participants} participants, advertised as {@code advertisedHost}.
     *
     * @param token identifies this round; connections carrying another one are refused
     * @param guard the handshake every connection must pass
     * @param start makes the payload sent to participants that ask for it; called at most once, and
     *     not at all when no participant asks
     * @throws CollectiveException when no port can be bound
     */
    public static Rendezvous open(String bindHost, String advertisedHost, int participants, long token,
                                  CollectiveSettings settings, Guard guard, Supplier<byte[]> start) {
        ServerSocketChannel server = TcpCollective.bind(bindHost, settings);
        return new Rendezvous(server, new Address(advertisedHost, server.socket().getLocalPort(), token),
                participants, guard, start);
    }

    /** How participants reach this rendezvous. */
    public Address address() {
        return address;
    }

    /**
     * The payload rank 0 submitted at the end, waiting up to {@code timeoutMs} for it to arrive.
     *
     * @return the payload, or null if none arrived in time or the service was closed
     */
    public byte[] end(long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        synchronized (endLock) {
            long left;
            while (end == null && !closed && (left = deadline - System.nanoTime()) > 0) {
                TimeUnit.NANOSECONDS.timedWait(endLock, left);
            }
            return end;
        }
    }

    private Hello readHello(Link link) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(link.receive(MAX_HELLO)));
        int rank = in.readInt();
        String message = in.readUTF();
        boolean wants = in.readBoolean();
        if (rank < 0 || rank >= joined.length) {
            throw new Guard.Refused("it claims rank " + rank + " of " + joined.length);
        }
        return new Hello(rank, message, wants);
    }

    /**
     * Records a participant, replacing an earlier connection of its rank, and answers it (and
     * everyone, when it completes the round).
     */
    private synchronized void admit(Link link, Hello hello) {
        if (closed) {
            link.close();
            return;
        }
        int rank = hello.rank();
        boolean met = present == joined.length;
        if (joined[rank] != null) {
            joined[rank].close();
            open.remove(joined[rank]);
        }
        joined[rank] = link;
        open.add(link);
        messages[rank] = hello.message();
        wantsStart[rank] = hello.wantsStart();
        if (!met && !seen[rank]) {
            seen[rank] = true;
            present++;
        }
        if (met) {
            answer(rank); // joined again after the round met
        } else if (present == joined.length) {
            for (int r = 0; r < joined.length; r++) {
                answer(r);
            }
        }
    }

    /**
     * Sends participant {@code rank} every message and, if it asked, the start payload; rank 0's
     * connection then carries the end payload back, the others' close.
     */
    private void answer(int rank) {
        Link link = joined[rank];
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(messages.length);
            for (String message : messages) {
                out.writeUTF(message);
            }
            link.send(bytes.toByteArray());
            if (wantsStart[rank]) {
                if (startBytes == null) {
                    startBytes = start.get();
                }
                link.send(startBytes);
            }
        } catch (IOException e) {
            // that participant is gone; its task fails on its own and the others fail at connect
        }
        if (rank == 0) {
            awaitEnd(link);
        } else {
            link.close();
            open.remove(link);
            joined[rank] = null;
        }
    }

    /** Reads rank 0's end payload from {@code link} on a thread of its own; it counts while the link is rank 0's latest. */
    private void awaitEnd(Link link) {
        synchronized (endLock) {
            endLink = link;
        }
        Thread reader = new Thread(() -> {
            try {
                link.socket().setSoTimeout(0);
                byte[] payload = link.receive(MAX_PAYLOAD);
                synchronized (endLock) {
                    if (endLink == link) {
                        end = payload;
                        endLock.notifyAll();
                    }
                }
            } catch (IOException e) {
                // closed, replaced by a later connection of rank 0, or rank 0 failed
            } finally {
                link.close();
                open.remove(link);
            }
        }, "kortexdl-rendezvous-end-" + address.port());
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * A participant's place in the round: every participant's message and, if asked for, the
     * start payload; rank 0 sends the end payload through it.
     */
    public static final class Joined implements AutoCloseable {
        private final Link link;
        private final String[] messages;
        private final byte[] start;

        private Joined(Link link, String[] messages, byte[] start) {
            this.link = link;
            this.messages = messages;
            this.start = start;
        }

        /** Every participant's message, in rank order. */
        public String[] messages() {
            return messages.clone();
        }

        /** The start payload, or null when it was not asked for. */
        public byte[] start() {
            return start;
        }

        /**
         * Sends the end payload to the driver (rank 0 only).
         *
         * @throws CollectiveException when the driver cannot be reached
         */
        public void submitEnd(byte[] payload) {
            try {
                link.send(payload);
            } catch (IOException e) {
                throw new CollectiveException("KortexDL collective: sending the epoch's end state to the driver failed: "
                        + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            link.close();
        }
    }

    /**
     * Joins the round at {@code at} as participant {@code rank} with {@code message}.
     *
     * @param wantsStart whether to receive the start payload
     * @param guard the handshake, which must match the service's
     * @param cancelled polled while waiting for the others; when true the wait fails
     * @throws CollectiveException when the driver cannot be reached within the connect timeout, refuses
     *     this participant, or the others do not all arrive within the timeout
     */
    public static Joined join(Address at, int rank, String message, boolean wantsStart, CollectiveSettings settings,
                              Guard guard, BooleanSupplier cancelled) {
        String where = "the KortexDL rendezvous on the driver (" + at.host() + ":" + at.port() + ")";
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(at.host(), at.port()), (int) Math.min(Integer.MAX_VALUE,
                    settings.connectTimeoutMs()));
            socket.setSoTimeout(Gate.HANDSHAKE_MS);
            Link link = guard.dial(socket, MAGIC, at.token());
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream hello = new DataOutputStream(bytes);
            hello.writeInt(rank);
            hello.writeUTF(message);
            hello.writeBoolean(wantsStart);
            link.send(bytes.toByteArray());
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.timeoutMs());
            if (!link.awaitMessage(POLL_MS, deadline, cancelled)) {
                throw new CollectiveException("KortexDL collective: " + (cancelled.getAsBoolean()
                        ? "the task was cancelled while waiting at " + where : "not every training task reached "
                        + where + " within " + CollectiveSettings.TIMEOUT + " = " + settings.timeoutMs() + " ms"), null);
            }
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, settings.timeoutMs()));
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(link.receive(MAX_PAYLOAD)));
            String[] all = new String[in.readInt()];
            for (int i = 0; i < all.length; i++) {
                all[i] = in.readUTF();
            }
            byte[] start = wantsStart ? link.receive(MAX_PAYLOAD) : null;
            return new Joined(link, all, start);
        } catch (IOException e) {
            TcpCollective.closeQuietly(socket);
            throw new CollectiveException("KortexDL collective: " + where + " failed: " + e.getMessage() + "; check"
                    + " that executors can reach the driver on " + CollectiveSettings.PORT_RANGE
                    + (guard.protection() == CollectiveSettings.Protection.NONE ? ""
                    : " and share the application's secret"), e);
        } catch (RuntimeException e) {
            TcpCollective.closeQuietly(socket);
            throw e;
        }
    }

    /** Stops the service; a participant still waiting fails. Idempotent. */
    @Override
    public void close() {
        closed = true;
        gate.close();
        for (Link link : open) {
            link.close();
        }
        synchronized (endLock) {
            if (endLink != null) {
                endLink.close();
            }
            endLock.notifyAll();
        }
    }
}
