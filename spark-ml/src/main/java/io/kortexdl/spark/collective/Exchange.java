package io.kortexdl.spark.collective;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The non-blocking connections of one participant to its peers, and one step of message
 * exchange over them: send one frame to each of some peers while receiving one frame from each
 * of some peers, all at once on the calling thread (no thread hand-offs, no copies through
 * temporary buffers: frames go between direct buffers and the kernel).
 *
 * <p>A frame is {@code [int sequence][int length][length bytes]}. A receiver checks both against
 * what it expects, so participants that disagree on the operation fail instead of mixing data.
 * On an encrypted connection a frame travels sealed ({@link Sealer}: the same bytes encrypted,
 * plus a 16-byte tag every 64 KiB), so an altered, replayed or reordered frame fails its peer's
 * check.
 */
final class Exchange implements AutoCloseable {
    /** How often a waiting participant checks whether its task was cancelled. */
    private static final long POLL_MS = 200;
    static final int HEADER = 8;
    /** Sealed frames authenticate no clear-text header: their sizes are agreed, not sent. */
    private static final byte[] NO_HEADER = new byte[0];

    private final List<Peer> peers;
    private final int rank;
    private final SocketChannel[] channels;
    private final Sealer[] sending;
    private final Sealer[] receiving;
    /** Per peer on an encrypted connection: the sealed frame being sent, and the one being received. */
    private final ByteBuffer[] sealedOut;
    private final ByteBuffer[] sealedIn;
    private final SelectionKey[] keys;
    private final Selector selector;
    private final ByteBuffer[] inbound;
    private final ByteBuffer[] outbound;
    /** Per peer: whether a frame from it is still awaited in the current exchange. */
    private final boolean[] awaiting;
    private final long timeoutMs;
    private final BooleanSupplier cancelled;

    /**
     * Takes over {@code links} (null at this participant's own rank), which must be connections
     * of socket channels, and turns them non-blocking.
     */
    Exchange(List<Peer> peers, int rank, Link[] links, long timeoutMs, BooleanSupplier cancelled)
            throws IOException {
        this.peers = peers;
        this.rank = rank;
        this.channels = new SocketChannel[links.length];
        this.sending = new Sealer[links.length];
        this.receiving = new Sealer[links.length];
        this.sealedOut = new ByteBuffer[links.length];
        this.sealedIn = new ByteBuffer[links.length];
        for (int p = 0; p < links.length; p++) {
            if (links[p] != null) {
                channels[p] = links[p].socket().getChannel();
                sending[p] = links[p].sending();
                receiving[p] = links[p].receiving();
            }
        }
        this.timeoutMs = timeoutMs;
        this.cancelled = cancelled;
        this.selector = Selector.open();
        this.keys = new SelectionKey[channels.length];
        this.inbound = new ByteBuffer[channels.length];
        this.outbound = new ByteBuffer[channels.length];
        this.awaiting = new boolean[channels.length];
        for (int p = 0; p < channels.length; p++) {
            if (channels[p] != null) {
                channels[p].configureBlocking(false);
                channels[p].socket().setTcpNoDelay(true);
                keys[p] = channels[p].register(selector, 0, p);
            }
        }
    }

    /** A direct, little-endian buffer for the payload of a frame of up to {@code floats} floats, header included. */
    static ByteBuffer frameBuffer(int floats) {
        return ByteBuffer.allocateDirect(HEADER + 4 * floats).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The receive buffer of peer {@code p}, grown to hold a frame of {@code floats} floats. */
    ByteBuffer inbound(int p, int floats) {
        if (inbound[p] == null || inbound[p].capacity() < HEADER + 4 * floats) {
            inbound[p] = frameBuffer(floats);
        }
        return inbound[p];
    }

    /**
     * Sends {@code frames[p]} (positioned at 0, limited to its end; null for none) to each peer
     * {@code p} and receives into {@code inbound(p, expected[p])} one frame of
     * {@code expected[p]} floats from each peer whose {@code expected[p] >= 0}, checking its
     * sequence number. On return each received payload starts at position {@value #HEADER}.
     *
     * @throws CollectiveException naming the peer that closed, stayed silent, was cancelled or
     *     sent something else
     */
    void exchange(ByteBuffer[] frames, int[] expected, int sequence, String what) {
        int pending = 0;
        for (int p = 0; p < channels.length; p++) {
            outbound[p] = frames[p] == null || sending[p] == null ? frames[p] : seal(p, frames[p]);
            awaiting[p] = expected[p] >= 0;
            if (awaiting[p]) {
                ByteBuffer in = inbound(p, expected[p]);
                in.clear().limit(HEADER + 4 * expected[p]);
                if (receiving[p] != null) {
                    int sealed = (int) Sealer.sealedLength(in.limit());
                    sealedIn[p] = capacity(sealedIn[p], sealed);
                    sealedIn[p].clear().limit(sealed);
                }
                pending++;
            }
            if (outbound[p] != null) {
                pending++;
            }
            if (channels[p] != null) {
                keys[p].interestOps((awaiting[p] ? SelectionKey.OP_READ : 0)
                        | (outbound[p] != null ? SelectionKey.OP_WRITE : 0));
            }
        }
        long lastProgress = System.nanoTime();
        try {
            while (pending > 0) {
                boolean progress = false;
                for (int p = 0; p < channels.length; p++) {
                    if (outbound[p] != null) {
                        if (channels[p].write(outbound[p]) > 0) {
                            progress = true;
                        }
                        if (!outbound[p].hasRemaining()) {
                            outbound[p] = null;
                            pending--;
                            keys[p].interestOps(keys[p].interestOps() & ~SelectionKey.OP_WRITE);
                        }
                    }
                    if (awaiting[p]) {
                        ByteBuffer target = receiving[p] == null ? inbound[p] : sealedIn[p];
                        int read = channels[p].read(target);
                        if (read < 0) {
                            throw new CollectiveException("KortexDL collective: " + peers.get(p).describe()
                                    + " closed its connection while " + describe(what) + "; that executor was"
                                    + " probably lost", null);
                        }
                        if (read > 0) {
                            progress = true;
                        }
                        if (!target.hasRemaining()) {
                            if (receiving[p] != null) {
                                open(p);
                            }
                            check(p, sequence, expected[p]);
                            awaiting[p] = false;
                            pending--;
                            keys[p].interestOps(keys[p].interestOps() & ~SelectionKey.OP_READ);
                        }
                    }
                }
                if (pending == 0) {
                    break;
                }
                if (progress) {
                    lastProgress = System.nanoTime();
                    continue;
                }
                selector.select(POLL_MS);
                selector.selectedKeys().clear();
                if (cancelled.getAsBoolean()) {
                    throw new CollectiveException("KortexDL collective: the task was cancelled while " + describe(what)
                            + " (waiting for " + waitingFor() + ")", null);
                }
                if (System.nanoTime() - lastProgress > TimeUnit.MILLISECONDS.toNanos(timeoutMs)) {
                    throw new CollectiveException("KortexDL collective: " + waitingFor() + " sent nothing for "
                            + timeoutMs + " ms while " + describe(what) + "; raise " + CollectiveSettings.TIMEOUT
                            + " if its steps between syncs take that long", null);
                }
            }
        } catch (IOException e) {
            throw new CollectiveException("KortexDL collective: the connection to " + waitingFor() + " failed while "
                    + describe(what) + " (" + e.getMessage() + "); that executor was probably lost", e);
        }
    }

    /** Seals {@code frame} for peer {@code p}; returns the sealed bytes, ready to write. */
    private ByteBuffer seal(int p, ByteBuffer frame) {
        sealedOut[p] = capacity(sealedOut[p], (int) Sealer.sealedLength(frame.remaining()));
        ByteBuffer out = sealedOut[p];
        out.clear();
        sending[p].seal(frame.duplicate(), out, NO_HEADER);
        return out.flip();
    }

    /** Opens the sealed frame received from peer {@code p} into its inbound buffer, whose limit is the frame's end. */
    private void open(int p) {
        ByteBuffer in = inbound[p];
        in.position(0);
        try {
            receiving[p].open(sealedIn[p].flip(), in, NO_HEADER);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new CollectiveException("KortexDL collective: a frame from " + peers.get(p).describe() + " failed"
                    + " its integrity check: it was altered on the way", e);
        }
    }

    /** {@code buffer}, or a larger direct one when it holds fewer than {@code bytes}. */
    private static ByteBuffer capacity(ByteBuffer buffer, int bytes) {
        return buffer != null && buffer.capacity() >= bytes ? buffer : ByteBuffer.allocateDirect(bytes);
    }

    private String describe(String what) {
        return peers.get(rank).describe() + " was exchanging " + what;
    }

    /** The peers this participant still waits on, for messages. */
    private String waitingFor() {
        StringBuilder out = new StringBuilder();
        for (int p = 0; p < channels.length; p++) {
            if (awaiting[p] || outbound[p] != null) {
                out.append(out.length() == 0 ? "" : ", ").append(peers.get(p).describe());
            }
        }
        return out.toString();
    }

    private void check(int p, int sequence, int floats) {
        ByteBuffer in = inbound[p];
        int gotSequence = in.getInt(0);
        int gotLength = in.getInt(4);
        if (gotSequence != sequence || gotLength != 4 * floats) {
            throw new CollectiveException("KortexDL collective: " + peers.get(p).describe() + " sent message "
                    + gotSequence + " of " + gotLength + " bytes where " + peers.get(rank).describe() + " expected"
                    + " message " + sequence + " of " + 4 * floats + " bytes: the participants disagree on the"
                    + " operation", null);
        }
        in.position(HEADER);
    }

    @Override
    public void close() {
        for (SocketChannel channel : channels) {
            TcpCollective.closeQuietly(channel);
        }
        TcpCollective.closeQuietly(selector);
    }
}
