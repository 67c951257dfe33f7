package io.kortexdl.spark.collective;

import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.function.BooleanSupplier;
import javax.crypto.AEADBadTagException;

/**
 * One connection after its handshake ({@link Guard}): whole messages in both directions, sealed
 * with AES-GCM when the collective is encrypted, else in the clear.
 *
 * <p>A message is {@code [int length][length bytes]}; sealed, the bytes travel as
 * {@link Sealer}'s chunks, each authenticating the length with it. Reads take exactly a message's bytes from the
 * socket, so the connection can go on in non-blocking mode ({@link Exchange}) after a message.
 */
final class Link implements Closeable {
    private final Socket socket;
    private final PushbackInputStream raw;
    private final DataInputStream in;
    private final OutputStream out;
    private final Sealer sending;
    private final Sealer receiving;

    Link(Socket socket, Sealer sending, Sealer receiving) throws IOException {
        this.socket = socket;
        this.raw = new PushbackInputStream(socket.getInputStream(), 1);
        this.in = new DataInputStream(raw);
        this.out = socket.getOutputStream();
        this.sending = sending;
        this.receiving = receiving;
    }

    Socket socket() {
        return socket;
    }

    /** The sending side's cipher, or null when the connection is not encrypted. */
    Sealer sending() {
        return sending;
    }

    /** The receiving side's cipher, or null when the connection is not encrypted. */
    Sealer receiving() {
        return receiving;
    }

    /** Sends {@code payload} as one message. */
    void send(byte[] payload) throws IOException {
        byte[] header = header(payload.length);
        out.write(header);
        if (sending == null) {
            out.write(payload);
        } else {
            ByteBuffer sealed = ByteBuffer.allocate((int) Sealer.sealedLength(payload.length));
            sending.seal(ByteBuffer.wrap(payload), sealed, header);
            out.write(sealed.array());
        }
        out.flush();
    }

    /**
     * Receives one message of at most {@code max} bytes; a longer one is refused before anything
     * is allocated for it.
     *
     * @throws Guard.Refused when the length is impossible or a sealed message does not open
     * @throws IOException when the connection fails or times out
     */
    byte[] receive(int max) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > max) {
            throw new Guard.Refused("it announced a message of " + length + " bytes where at most " + max + " fit");
        }
        if (receiving == null) {
            byte[] body = new byte[length];
            in.readFully(body);
            return body;
        }
        // Chunk by chunk, so that a forged length costs at most one chunk's buffer before its tag fails.
        ByteBuffer plain = ByteBuffer.allocate(Math.min(length, Sealer.CHUNK));
        byte[] chunk = new byte[Sealer.CHUNK + Sealer.TAG];
        byte[] header = header(length);
        int done = 0;
        try {
            do {
                int size = Math.min(Sealer.CHUNK, length - done);
                in.readFully(chunk, 0, size + Sealer.TAG);
                if (plain.capacity() < done + size) {
                    plain = ByteBuffer.allocate(length).put(plain.flip());
                }
                receiving.open(ByteBuffer.wrap(chunk, 0, size + Sealer.TAG), plain, header);
                done += size;
            } while (done < length);
        } catch (AEADBadTagException e) {
            throw new Guard.Refused("a message failed its integrity check");
        }
        return plain.array();
    }

    /**
     * Waits until a message starts arriving, checking {@code cancelled} and the deadline every
     * {@code pollMs}; consumes nothing.
     *
     * @return false when {@code cancelled} turned true or the deadline (a {@link System#nanoTime()}) passed
     */
    boolean awaitMessage(int pollMs, long deadline, BooleanSupplier cancelled) throws IOException {
        socket.setSoTimeout(pollMs);
        while (true) {
            try {
                int first = raw.read();
                if (first < 0) {
                    throw new EOFException("the other side closed the connection");
                }
                raw.unread(first);
                return true;
            } catch (SocketTimeoutException e) {
                if (cancelled.getAsBoolean() || System.nanoTime() - deadline > 0) {
                    return false;
                }
            }
        }
    }

    private static byte[] header(int length) {
        return ByteBuffer.allocate(4).putInt(length).array();
    }

    @Override
    public void close() {
        TcpCollective.closeQuietly(socket);
    }
}
