package io.kortexdl.spark.collective;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Where the participants of one collective meet, on the driver, and how the state they start
 * from and end with travels without Spark's task results and broadcasts (which cost tens of
 * milliseconds an epoch for a few megabytes).
 *
 * <p>Each participant connects, sends its rank, a message (its address) and whether it needs the
 * start payload; once all have arrived, each receives every participant's message in rank order
 * (like Spark's {@code BarrierTaskContext.allGather}, without its one-second polling), followed
 * by the start payload if it asked for it. Rank 0 keeps its connection and, at the end, sends the
 * end payload back ({@link Joined#submitEnd}). The service serves one round for one
 * {@link Address#token()}: connections carrying another token or an impossible rank are refused,
 * and the latest connection of a rank that connects twice wins, before the round has met and
 * after: a participant that joins again once the round has met (Spark runs a failed task again)
 * gets the same messages, its own replaced, and the start payload, and as rank 0 it is the one
 * whose end payload counts.
 */
public final class Rendezvous implements AutoCloseable {
    private static final int MAGIC = 0x4B584452; // "KXDR"
    private static final int POLL_MS = 200;
    /** Largest payload accepted from a participant. */
    private static final int MAX_PAYLOAD = Integer.MAX_VALUE - 64;

    /**
     * How participants reach a rendezvous.
     *
     * @param host the driver's address as executors reach it
     * @param port the service's port
     * @param token identifies the round; participants pass it on
     */
    public record Address(String host, int port, long token) implements Serializable {
    }

    private final ServerSocket server;
    private final Address address;
    private final java.util.function.Supplier<byte[]> start;
    /** The start payload, made on the first request for it (only the service thread touches it). */
    private byte[] startBytes;
    private final Socket[] joined;
    private final String[] messages;
    private final boolean[] wantsStart;
    private final Thread thread;
    /** Guards {@link #end} and {@link #endSocket}, and is notified when the end payload arrives. */
    private final Object endLock = new Object();
    private byte[] end;
    /** Rank 0's latest connection, which the end payload comes through. */
    private Socket endSocket;
    private volatile boolean closed;

    private Rendezvous(ServerSocket server, Address address, int participants,
                       java.util.function.Supplier<byte[]> start) {
        this.server = server;
        this.address = address;
        this.start = start;
        this.joined = new Socket[participants];
        this.messages = new String[participants];
        this.wantsStart = new boolean[participants];
        this.thread = new Thread(this::serve, "kortexdl-rendezvous-" + server.getLocalPort());
        thread.setDaemon(true);
    }

    /**
     * Opens the service on {@code bindHost} (a port of the settings' range, else ephemeral) for
     * {@code participants} participants, advertised as {@code advertisedHost}.
     *
     * @param token identifies this round; connections carrying another one are refused
     * @param start makes the payload sent to participants that ask for it; called at most once, and
     *     not at all when no participant asks
     * @throws CollectiveException when no port can be bound
     */
    public static Rendezvous open(String bindHost, String advertisedHost, int participants, long token,
                                  CollectiveSettings settings, java.util.function.Supplier<byte[]> start) {
        ServerSocket server = TcpCollective.listen(bindHost, settings).socket();
        Rendezvous rendezvous = new Rendezvous(server, new Address(advertisedHost, server.getLocalPort(), token),
                participants, start);
        rendezvous.thread.start();
        return rendezvous;
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

    private void serve() {
        try {
            server.setSoTimeout(POLL_MS);
            boolean[] seen = new boolean[joined.length];
            int present = 0;
            while (!closed) {
                Socket socket;
                try {
                    socket = server.accept();
                } catch (SocketTimeoutException e) {
                    continue;
                }
                boolean met = present == joined.length;
                int rank = readHello(socket);
                if (rank < 0) {
                    continue;
                }
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
        } catch (IOException e) {
            // closed
        } finally {
            for (Socket socket : joined) {
                TcpCollective.closeQuietly(socket);
            }
            TcpCollective.closeQuietly(server);
            synchronized (endLock) {
                TcpCollective.closeQuietly(endSocket);
                endLock.notifyAll();
            }
        }
    }

    /**
     * Reads a participant's hello and records it, replacing an earlier connection of its rank.
     *
     * @return its rank, or -1 when the connection was refused (and closed)
     */
    private int readHello(Socket socket) {
        try {
            socket.setSoTimeout(5_000);
            socket.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(socket.getInputStream());
            if (in.readInt() != MAGIC || in.readLong() != address.token()) {
                TcpCollective.closeQuietly(socket);
                return -1;
            }
            int rank = in.readInt();
            String message = in.readUTF();
            boolean wants = in.readBoolean();
            if (rank < 0 || rank >= joined.length) {
                TcpCollective.closeQuietly(socket);
                return -1;
            }
            TcpCollective.closeQuietly(joined[rank]);
            joined[rank] = socket;
            messages[rank] = message;
            wantsStart[rank] = wants;
            return rank;
        } catch (IOException e) {
            TcpCollective.closeQuietly(socket);
            return -1;
        }
    }

    /**
     * Sends participant {@code rank} every message and, if it asked, the start payload; rank 0's
     * connection then carries the end payload back, the others' close.
     */
    private void answer(int rank) {
        Socket socket = joined[rank];
        try {
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 16));
            out.writeInt(messages.length);
            for (String message : messages) {
                out.writeUTF(message);
            }
            if (wantsStart[rank]) {
                if (startBytes == null) {
                    startBytes = start.get();
                }
                out.writeInt(startBytes.length);
                out.write(startBytes);
            }
            out.flush();
        } catch (IOException e) {
            // that participant is gone; its task fails on its own and the others fail at connect
        }
        if (rank == 0) {
            awaitEnd(socket);
        } else {
            TcpCollective.closeQuietly(socket);
            joined[rank] = null;
        }
    }

    /** Reads rank 0's end payload from {@code socket} on a thread of its own; it counts while the socket is rank 0's latest. */
    private void awaitEnd(Socket socket) {
        synchronized (endLock) {
            endSocket = socket;
        }
        Thread reader = new Thread(() -> {
            try {
                socket.setSoTimeout(0);
                DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
                int length = in.readInt();
                if (length < 0 || length > MAX_PAYLOAD) {
                    return;
                }
                byte[] payload = new byte[length];
                in.readFully(payload);
                synchronized (endLock) {
                    if (endSocket == socket) {
                        end = payload;
                        endLock.notifyAll();
                    }
                }
            } catch (IOException e) {
                // closed, replaced by a later connection of rank 0, or rank 0 failed
            } finally {
                TcpCollective.closeQuietly(socket);
            }
        }, "kortexdl-rendezvous-end-" + server.getLocalPort());
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * A participant's place in the round: every participant's message and, if asked for, the
     * start payload; rank 0 sends the end payload through it.
     */
    public static final class Joined implements AutoCloseable {
        private final Socket socket;
        private final String[] messages;
        private final byte[] start;

        private Joined(Socket socket, String[] messages, byte[] start) {
            this.socket = socket;
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
                DataOutputStream out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 16));
                out.writeInt(payload.length);
                out.write(payload);
                out.flush();
            } catch (IOException e) {
                throw new CollectiveException("KortexDL collective: sending the epoch's end state to the driver failed: "
                        + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            TcpCollective.closeQuietly(socket);
        }
    }

    /**
     * Joins the round at {@code at} as participant {@code rank} with {@code message}.
     *
     * @param wantsStart whether to receive the start payload
     * @param cancelled polled while waiting for the others; when true the wait fails
     * @throws CollectiveException when the driver cannot be reached within the connect timeout, or the
     *     others do not all arrive within the timeout
     */
    public static Joined join(Address at, int rank, String message, boolean wantsStart, CollectiveSettings settings,
                              BooleanSupplier cancelled) {
        String where = "the KortexDL rendezvous on the driver (" + at.host() + ":" + at.port() + ")";
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(at.host(), at.port()), (int) Math.min(Integer.MAX_VALUE,
                    settings.connectTimeoutMs()));
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(MAGIC);
            out.writeLong(at.token());
            out.writeInt(rank);
            out.writeUTF(message);
            out.writeBoolean(wantsStart);
            out.flush();
            socket.setSoTimeout(POLL_MS);
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.timeoutMs());
            int count;
            while (true) {
                try {
                    count = in.readInt();
                    break;
                } catch (SocketTimeoutException e) {
                    if (cancelled.getAsBoolean()) {
                        throw new CollectiveException("KortexDL collective: the task was cancelled while waiting at "
                                + where, null);
                    }
                    if (System.nanoTime() - deadline > 0) {
                        throw new CollectiveException("KortexDL collective: not every training task reached " + where
                                + " within " + CollectiveSettings.TIMEOUT + " = " + settings.timeoutMs() + " ms", null);
                    }
                }
            }
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, settings.timeoutMs()));
            String[] all = new String[count];
            for (int i = 0; i < count; i++) {
                all[i] = in.readUTF();
            }
            byte[] start = null;
            if (wantsStart) {
                int length = in.readInt();
                if (length < 0 || length > MAX_PAYLOAD) {
                    throw new IOException("a start payload of " + length + " bytes");
                }
                start = new byte[length];
                in.readFully(start);
            }
            return new Joined(socket, all, start);
        } catch (IOException e) {
            TcpCollective.closeQuietly(socket);
            throw new CollectiveException("KortexDL collective: " + where + " failed: " + e.getMessage() + "; check"
                    + " that executors can reach the driver on " + CollectiveSettings.PORT_RANGE, e);
        } catch (RuntimeException e) {
            TcpCollective.closeQuietly(socket);
            throw e;
        }
    }

    /** Stops the service; a participant still waiting fails. Idempotent. */
    @Override
    public void close() {
        closed = true;
        TcpCollective.closeQuietly(server);
        synchronized (endLock) {
            TcpCollective.closeQuietly(endSocket);
            endLock.notifyAll();
        }
    }
}
