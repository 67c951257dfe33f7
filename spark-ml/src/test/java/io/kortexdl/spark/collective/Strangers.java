package io.kortexdl.spark.collective;

import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayDeque;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What strangers do to a port of the collective, for tests: port scanners, health checks,
 * misdirected clients and someone without the application's secret. Also a scanner that does
 * all of it, about {@code perSecond} connections a second to every listening port of a range.
 */
public final class Strangers implements AutoCloseable {
    /** How long a silent stranger keeps its connection open: longer than any handshake may take. */
    static final long SILENT_MS = 2L * Gate.HANDSHAKE_MS;

    /** One thing a stranger does to a port. */
    public enum Act {
        /** Connects and says nothing. */
        SILENT,
        /** Sends random bytes and closes. */
        RANDOM_BYTES,
        /** Sends each protocol's magic and then the largest lengths an int holds. */
        HUGE_LENGTHS,
        /** Connects and resets the connection at once. */
        RESET,
        /** Runs the protected handshake with another secret. */
        WRONG_SECRET
    }

    /** A silent stranger's connection and when it opened ({@link System#nanoTime()}). */
    private record Silent(Socket socket, long openedAt) {
    }

    private final ArrayDeque<Silent> silent = new ArrayDeque<>();
    private final ExecutorService acts = Executors.newFixedThreadPool(4, task -> {
        Thread thread = new Thread(task, "stranger");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong challenged = new AtomicLong();
    private volatile boolean closed;
    private Thread scanner;

    /**
     * Starts scanning {@code firstPort..lastPort} on {@code host}: every {@code 1000 / perSecond}
     * ms, each listening port gets a connection doing the next of the acts in turn.
     */
    public static Strangers scan(String host, int firstPort, int lastPort, int perSecond) {
        Strangers strangers = new Strangers();
        strangers.scanner = new Thread(() -> {
            SplittableRandom random = new SplittableRandom(7);
            Act[] all = Act.values();
            for (long tick = 0; !strangers.closed; tick++) {
                for (int port = firstPort; port <= lastPort; port++) {
                    Act act = all[(int) ((tick + port) % all.length)];
                    int target = port;
                    long seed = random.nextLong();
                    strangers.acts.execute(() -> strangers.act(act, host, target, new SplittableRandom(seed)));
                }
                strangers.closeSilentOlderThan(System.nanoTime() - SILENT_MS * 1_000_000);
                try {
                    Thread.sleep(1000 / perSecond);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "port-scanner");
        strangers.scanner.setDaemon(true);
        strangers.scanner.start();
        return strangers;
    }

    /** Connections made that reached a listening port. */
    public long connections() {
        return connections.get();
    }

    /**
     * {@link Act#WRONG_SECRET} connections that the port answered with a protected handshake's
     * challenge (and then refused): how a test sees that a cluster's collective runs protected.
     */
    public long challenged() {
        return challenged.get();
    }

    /** Does {@code act} to {@code host:port}; a closed port or a refusal is what strangers expect. */
    void act(Act act, String host, int port, SplittableRandom random) {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(host, port), 1_000);
            connections.incrementAndGet();
            socket.setSoTimeout(1_000);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            switch (act) {
                case SILENT -> {
                    synchronized (silent) {
                        silent.addLast(new Silent(socket, System.nanoTime()));
                    }
                    return;
                }
                case RANDOM_BYTES -> {
                    byte[] bytes = new byte[1 + random.nextInt(300)];
                    random.nextBytes(bytes);
                    out.write(bytes);
                }
                case HUGE_LENGTHS -> {
                    out.writeInt(random.nextBoolean() ? Rendezvous.MAGIC : TcpCollective.MAGIC);
                    for (int i = 0; i < 16; i++) {
                        out.writeInt(Integer.MAX_VALUE);
                    }
                }
                case RESET -> socket.setSoLinger(true, 0);
                case WRONG_SECRET -> {
                    CollectiveSettings wrong = CollectiveSettings.DEFAULTS.protectedBy(
                            CollectiveSettings.Protection.AUTHENTICATED, 0);
                    try {
                        Guard.of(wrong, "not the secret").dial(socket, random.nextBoolean() ? Rendezvous.MAGIC
                                : TcpCollective.MAGIC, random.nextLong());
                    } catch (Guard.Refused e) {
                        challenged.incrementAndGet(); // its proof did not verify: it holds another secret
                    }
                }
            }
            out.flush();
        } catch (IOException | RuntimeException e) {
            // refused, reset or timed out: all a stranger gets
        }
        closeQuietly(socket);
    }

    /** Closes the silent connections opened before {@code nanos} ({@link System#nanoTime()}). */
    void closeSilentOlderThan(long nanos) {
        synchronized (silent) {
            while (!silent.isEmpty() && silent.peekFirst().openedAt() - nanos < 0) {
                closeQuietly(silent.pollFirst().socket());
            }
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // gone already
        }
    }

    /** Stops scanning and closes every connection still open. */
    @Override
    public void close() throws InterruptedException {
        closed = true;
        if (scanner != null) {
            scanner.join(5_000);
        }
        acts.shutdownNow();
        synchronized (silent) {
            silent.forEach(s -> closeQuietly(s.socket()));
            silent.clear();
        }
    }
}
