package io.kortexdl.spark.collective;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The connection to one peer. Frames are {@code [int sequence][int length][length bytes]}; a
 * daemon thread reads them into a queue as they arrive, so writes to a peer never wait on what
 * this side reads and two peers sending to each other cannot deadlock.
 */
final class PeerLink implements AutoCloseable {
    /** How often a waiting receiver checks whether its task was cancelled. */
    private static final long POLL_MS = 200;
    private static final Object CLOSED = new Object();

    private final Peer peer;
    private final Socket socket;
    private final OutputStream out;
    private final LinkedBlockingQueue<Object> frames = new LinkedBlockingQueue<>();
    private final Thread reader;
    private volatile boolean closing;

    /** A frame as read: its sequence number and payload. */
    record Frame(int sequence, byte[] payload) {
    }

    PeerLink(Peer peer, Socket socket, String owner) throws IOException {
        this.peer = peer;
        this.socket = socket;
        socket.setTcpNoDelay(true);
        this.out = socket.getOutputStream();
        DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(socket.getInputStream(), 1 << 16));
        this.reader = new Thread(() -> readLoop(in), "kortexdl-collective-" + owner + "-from-" + peer.rank());
        reader.setDaemon(true);
        reader.start();
    }

    Peer peer() {
        return peer;
    }

    /** Sends the first {@code length} bytes of {@code frame}: its 8-byte header, then its payload. */
    void send(byte[] frame, int length, String what) {
        try {
            out.write(frame, 0, length);
            out.flush();
        } catch (IOException e) {
            throw new CollectiveException("KortexDL collective: sending " + what + " to " + peer.describe()
                    + " failed (" + e.getMessage() + "); that executor was probably lost", e);
        }
    }

    /**
     * The next frame from this peer, waiting at most {@code timeoutMs}.
     *
     * @param cancelled checked every {@value #POLL_MS} ms; when true the wait ends with an exception
     * @throws CollectiveException naming the peer when it closed, failed or stayed silent too long
     */
    Frame receive(long timeoutMs, BooleanSupplier cancelled, String what) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true) {
            Object next;
            try {
                next = frames.poll(POLL_MS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CollectiveException("KortexDL collective: interrupted while waiting for " + what + " from "
                        + peer.describe(), e);
            }
            if (next instanceof Frame frame) {
                return frame;
            }
            if (next instanceof Throwable failure) {
                frames.offer(failure);
                throw new CollectiveException("KortexDL collective: " + peer.describe() + " closed its connection"
                        + " while this task waited for " + what + " (" + failure.getMessage() + "); that executor"
                        + " was probably lost", failure);
            }
            if (cancelled.getAsBoolean()) {
                throw new CollectiveException("KortexDL collective: the task was cancelled while waiting for " + what
                        + " from " + peer.describe(), null);
            }
            if (System.nanoTime() - deadline > 0) {
                throw new CollectiveException("KortexDL collective: " + peer.describe() + " sent nothing for "
                        + timeoutMs + " ms while this task waited for " + what + "; raise "
                        + CollectiveSettings.TIMEOUT + " if its steps between syncs take that long", null);
            }
        }
    }

    private void readLoop(DataInputStream in) {
        try {
            while (true) {
                int sequence = in.readInt();
                int length = in.readInt();
                if (length < 0) {
                    throw new IOException("a frame of " + length + " bytes");
                }
                byte[] payload = new byte[length];
                in.readFully(payload);
                frames.put(new Frame(sequence, payload));
            }
        } catch (EOFException e) {
            frames.offer(closing ? CLOSED : new EOFException("end of stream"));
        } catch (IOException e) {
            frames.offer(closing ? CLOSED : e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closing = true;
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
