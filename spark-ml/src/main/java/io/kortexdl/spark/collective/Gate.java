package io.kortexdl.spark.collective;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The accepting side of a listener that strangers can reach: port scanners, health checks,
 * misdirected clients, other attempts.
 *
 * <p>One thread accepts and does nothing else. Each new connection's handshake and first message
 * run on a thread of their own, closed after {@value #HANDSHAKE_MS} ms whatever the peer does, so
 * a silent, slow or garbled client holds up no one: a real participant's handshake waits for no
 * other connection. At most {@value #MAX_PENDING} handshakes are pending at once; a new one beyond
 * that drops the oldest (a real participant finishes its handshake in well under a millisecond on
 * a LAN, so the oldest is a stranger's). Every read has a fixed size or a bound checked before
 * allocation. A refused connection gets nothing, changes nothing, and is logged once per source
 * address per JVM.
 *
 * @param <T> what a participant's first message says
 */
final class Gate<T> implements AutoCloseable {
    /** Milliseconds a new connection has for its handshake and first message. */
    static final int HANDSHAKE_MS = 3_000;
    /** Handshakes pending at once, beyond which the oldest is dropped. */
    static final int MAX_PENDING = 64;
    private static final int MAX_LOGGED_ADDRESSES = 1_024;
    private static final Logger LOG = LoggerFactory.getLogger(Gate.class);
    private static final Set<InetAddress> LOGGED = ConcurrentHashMap.newKeySet();
    private static final ScheduledExecutorService DEADLINES = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "kortexdl-collective-deadlines");
        thread.setDaemon(true);
        return thread;
    });

    /** Reads and checks a participant's first message, under the handshake's deadline. */
    interface Hello<T> {
        /**
         * @throws Guard.Refused when the message shows a stranger (an impossible rank, say)
         */
        T read(Link link) throws IOException;
    }

    /** Takes an admitted participant, after its deadline was lifted. */
    interface Admit<T> {
        void admit(Link link, T hello);
    }

    private final ServerSocketChannel server;
    private final Guard guard;
    private final int magic;
    private final long token;
    private final String what;
    private final Hello<T> hello;
    private final Admit<T> admit;
    private final ArrayDeque<Socket> pending = new ArrayDeque<>();
    private final Thread acceptor;
    private volatile boolean closed;

    /**
     * Starts accepting on {@code server}.
     *
     * @param what the service, for the log ("the collective's rendezvous on port 40100")
     */
    Gate(ServerSocketChannel server, Guard guard, int magic, long token, String what, Hello<T> hello,
         Admit<T> admit) {
        this.server = server;
        this.guard = guard;
        this.magic = magic;
        this.token = token;
        this.what = what;
        this.hello = hello;
        this.admit = admit;
        this.acceptor = new Thread(this::acceptAll, "kortexdl-gate-" + server.socket().getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void acceptAll() {
        while (!closed) {
            Socket socket;
            try {
                socket = server.socket().accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("KortexDL: {} stopped accepting connections: {}", what, e.getMessage());
                }
                return;
            }
            Socket dropped = null;
            synchronized (pending) {
                if (pending.size() >= MAX_PENDING) {
                    dropped = pending.pollFirst();
                }
                pending.addLast(socket);
            }
            TcpCollective.closeQuietly(dropped);
            Thread handshake = new Thread(() -> handshake(socket), "kortexdl-handshake-" + server.socket().getLocalPort());
            handshake.setDaemon(true);
            handshake.start();
        }
    }

    private void handshake(Socket socket) {
        SocketAddress from = socket.getRemoteSocketAddress();
        ScheduledFuture<?> deadline = DEADLINES.schedule(() -> TcpCollective.closeQuietly(socket), HANDSHAKE_MS,
                TimeUnit.MILLISECONDS);
        Link link;
        T first;
        try {
            socket.setTcpNoDelay(true);
            link = guard.accept(socket, magic, token);
            first = hello.read(link);
        } catch (IOException | RuntimeException e) {
            deadline.cancel(false);
            TcpCollective.closeQuietly(socket);
            forget(socket);
            refused(from, e);
            return;
        }
        forget(socket);
        if (!deadline.cancel(false) || closed) {
            TcpCollective.closeQuietly(socket); // the deadline passed just now, or the service closed
            return;
        }
        admit.admit(link, first);
    }

    private void forget(Socket socket) {
        synchronized (pending) {
            pending.remove(socket);
        }
    }

    private void refused(SocketAddress from, Exception why) {
        if (closed || !(from instanceof InetSocketAddress inet)) {
            return;
        }
        InetAddress address = inet.getAddress();
        if (LOGGED.size() < MAX_LOGGED_ADDRESSES && LOGGED.add(address)) {
            String reason = why instanceof Guard.Refused ? why.getMessage()
                    : "it closed, reset or stayed silent before its handshake ended (at most " + HANDSHAKE_MS
                    + " ms): " + why;
            LOG.warn("KortexDL: {} refused a connection from {}: {}. Further refusals of connections"
                    + " from that address are not logged.", what, address.getHostAddress(), reason);
        }
    }

    /** Stops accepting and drops the pending handshakes; admitted connections stay open. Idempotent. */
    @Override
    public void close() {
        closed = true;
        TcpCollective.closeQuietly(server);
        synchronized (pending) {
            for (Socket socket : pending) {
                TcpCollective.closeQuietly(socket);
            }
            pending.clear();
        }
    }
}
