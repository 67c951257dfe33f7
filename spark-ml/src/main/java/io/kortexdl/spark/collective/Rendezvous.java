package io.kortexdl.spark.collective;

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
 * Where the participants of one collective find each other: a small TCP service on the driver.
 * Each participant connects, sends its rank and a message (its address), and receives every
 * participant's message in rank order once all have arrived, like Spark's
 * {@code BarrierTaskContext.allGather} but without its one-second polling, which would cost a
 * second per epoch.
 *
 * <p>The service serves one round of {@code participants} messages for one {@link #token()},
 * refuses connections of another token or an impossible rank, and keeps the latest connection of
 * a rank that connects twice.
 */
public final class Rendezvous implements AutoCloseable {
    private static final int MAGIC = 0x4B584452; // "KXDR"
    private static final int POLL_MS = 200;

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
    private final Socket[] joined;
    private final String[] messages;
    private final Thread thread;
    private volatile boolean closed;

    private Rendezvous(ServerSocket server, Address address, int participants) {
        this.server = server;
        this.address = address;
        this.joined = new Socket[participants];
        this.messages = new String[participants];
        this.thread = new Thread(this::serve, "kortexdl-rendezvous-" + server.getLocalPort());
        thread.setDaemon(true);
    }

    /**
     * Opens the service on {@code bindHost} (a port of the settings' range, else ephemeral) for
     * {@code participants} participants, advertised as {@code advertisedHost}.
     *
     * @param token identifies this round; connections carrying another one are refused
     * @throws CollectiveException when no port can be bound
     */
    public static Rendezvous open(String bindHost, String advertisedHost, int participants, long token,
                                  CollectiveSettings settings) {
        ServerSocket server = TcpCollective.listen(bindHost, settings).socket();
        Rendezvous rendezvous = new Rendezvous(server, new Address(advertisedHost, server.getLocalPort(), token),
                participants);
        rendezvous.thread.start();
        return rendezvous;
    }

    /** How participants reach this rendezvous. */
    public Address address() {
        return address;
    }

    /** The round's token. */
    public long token() {
        return address.token();
    }

    private void serve() {
        try {
            server.setSoTimeout(POLL_MS);
            int present = 0;
            while (!closed && present < joined.length) {
                Socket socket;
                try {
                    socket = server.accept();
                } catch (SocketTimeoutException e) {
                    continue;
                }
                try {
                    socket.setSoTimeout(5_000);
                    DataInputStream in = new DataInputStream(socket.getInputStream());
                    if (in.readInt() != MAGIC || in.readLong() != address.token()) {
                        socket.close();
                        continue;
                    }
                    int rank = in.readInt();
                    String message = in.readUTF();
                    if (rank < 0 || rank >= joined.length) {
                        socket.close();
                        continue;
                    }
                    if (joined[rank] == null) {
                        present++;
                    } else {
                        joined[rank].close();
                    }
                    joined[rank] = socket;
                    messages[rank] = message;
                } catch (IOException e) {
                    closeQuietly(socket);
                }
            }
            for (Socket socket : joined) {
                if (socket == null) {
                    continue;
                }
                try {
                    DataOutputStream out = new DataOutputStream(socket.getOutputStream());
                    out.writeInt(messages.length);
                    for (String message : messages) {
                        out.writeUTF(message);
                    }
                    out.flush();
                } catch (IOException e) {
                    // that participant is gone; its task fails on its own and the others fail at connect
                }
            }
        } catch (IOException e) {
            // closed
        } finally {
            close();
            for (Socket socket : joined) {
                closeQuietly(socket);
            }
        }
    }

    /**
     * Joins the round at {@code at} as participant {@code rank} with {@code message}; returns every
     * participant's message in rank order.
     *
     * @param cancelled polled while waiting for the others; when true the wait fails
     * @throws CollectiveException when the driver cannot be reached within the connect timeout, or the
     *     others do not all arrive within the timeout
     */
    public static String[] join(Address at, int rank, String message, CollectiveSettings settings,
                                BooleanSupplier cancelled) {
        String where = "the KortexDL rendezvous on the driver (" + at.host() + ":" + at.port() + ")";
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(at.host(), at.port()), (int) Math.min(Integer.MAX_VALUE,
                    settings.connectTimeoutMs()));
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(MAGIC);
            out.writeLong(at.token());
            out.writeInt(rank);
            out.writeUTF(message);
            out.flush();
            socket.setSoTimeout(POLL_MS);
            DataInputStream in = new DataInputStream(socket.getInputStream());
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
            return all;
        } catch (IOException e) {
            throw new CollectiveException("KortexDL collective: " + where + " failed: " + e.getMessage() + "; check"
                    + " that executors can reach the driver on " + CollectiveSettings.PORT_RANGE, e);
        }
    }

    private static void closeQuietly(Socket socket) {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    /** Stops the service. Idempotent. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
