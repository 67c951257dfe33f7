package io.kortexdl.spark.collective;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A man in the middle of the test's own: accepts connections on an ephemeral loopback port,
 * forwards each to a target, and records every byte that passes, both ways.
 */
final class RecordingRelay implements AutoCloseable {
    private final ServerSocket server;
    private final ByteArrayOutputStream toTarget = new ByteArrayOutputStream();
    private final ByteArrayOutputStream fromTarget = new ByteArrayOutputStream();

    RecordingRelay(String host, int port) throws IOException {
        server = new ServerSocket(0, 16, java.net.InetAddress.getByName("127.0.0.1"));
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    Socket target = new Socket();
                    target.connect(new InetSocketAddress(host, port), 5_000);
                    pump(client.getInputStream(), target.getOutputStream(), toTarget, target);
                    pump(target.getInputStream(), client.getOutputStream(), fromTarget, client);
                } catch (IOException e) {
                    return;
                }
            }
        }, "recording-relay");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** The bytes sent towards the target so far. */
    byte[] sentToTarget() {
        synchronized (toTarget) {
            return toTarget.toByteArray();
        }
    }

    /** The bytes the target sent back so far. */
    byte[] sentByTarget() {
        synchronized (fromTarget) {
            return fromTarget.toByteArray();
        }
    }

    private static void pump(InputStream in, OutputStream out, ByteArrayOutputStream record, Socket downstream) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[1 << 16];
            try {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    synchronized (record) {
                        record.write(buffer, 0, n);
                    }
                    out.write(buffer, 0, n);
                }
            } catch (IOException e) {
                // one side closed
            } finally {
                try {
                    downstream.shutdownOutput();
                } catch (IOException e) {
                    // already closed
                }
            }
        }, "recording-relay-pump");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * How many of {@code values}' consecutive pairs appear in {@code bytes} as little- or
     * big-endian float32 (8 bytes: a chance match in random bytes is about 2^-64 per position).
     */
    static int pairsFound(byte[] bytes, float[] values) {
        java.util.Set<Long> pairs = new java.util.HashSet<>();
        for (int i = 0; i + 1 < values.length; i += 2) {
            for (java.nio.ByteOrder order : new java.nio.ByteOrder[] {java.nio.ByteOrder.LITTLE_ENDIAN,
                    java.nio.ByteOrder.BIG_ENDIAN}) {
                pairs.add(java.nio.ByteBuffer.allocate(8).order(order).putFloat(values[i]).putFloat(values[i + 1])
                        .order(java.nio.ByteOrder.BIG_ENDIAN).getLong(0));
            }
        }
        java.util.Set<Long> found = new java.util.HashSet<>();
        java.nio.ByteBuffer view = java.nio.ByteBuffer.wrap(bytes);
        for (int at = 0; at + 8 <= bytes.length; at++) {
            long window = view.getLong(at);
            if (pairs.contains(window)) {
                found.add(window);
            }
        }
        return found.size();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
