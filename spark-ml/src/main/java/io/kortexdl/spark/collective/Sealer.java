package io.kortexdl.spark.collective;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * One direction of an encrypted connection: AES-GCM from the JDK's provider, under a key of this
 * connection and direction only, with the message counter as nonce. A nonce therefore never
 * repeats under a key, and a message that is altered, dropped, replayed or reordered fails to
 * open.
 *
 * <p>Data is sealed in chunks of at most {@value #CHUNK} bytes, each one GCM message with its own
 * tag, which bounds what GCM buffers while it checks a tag.
 *
 * <p>The JDK runs AES-GCM on AES-NI at about 2 GB/s a core, but only once the JIT has compiled its
 * code paths for messages of this size, which takes about a thousand chunks; until then it runs at
 * 20 MB/s (measured here: the first 704 seals and opens of 64 KiB took 70 ms per 1.4 MB, the
 * next 704 15 ms, then 2.4 ms). A collective in averaging mode seals a few hundred chunks an epoch,
 * so it ran slowly for most of a fit. {@link #warmUp} therefore runs those paths once per JVM, on a
 * background thread, as soon as the JVM joins an encrypted collective.
 */
final class Sealer {
    /** Bytes the 128-bit authentication tag adds to every message. */
    static final int TAG = 16;
    /** Largest plaintext of one GCM message. */
    static final int CHUNK = 64 * 1024;
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";
    /** Seals and opens of a full chunk that compile the JDK's AES-GCM paths (see the class comment). */
    private static final int WARM_UP_CHUNKS = 1_000;
    private static final AtomicBoolean WARMED = new AtomicBoolean();

    private final Cipher cipher;
    private final SecretKeySpec key;
    private final int mode;
    private final byte[] nonce = new byte[12];
    private long counter;

    private Sealer(byte[] key, int mode) {
        this.key = new SecretKeySpec(key, "AES");
        this.mode = mode;
        try {
            this.cipher = Cipher.getInstance(TRANSFORMATION);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM offers no " + TRANSFORMATION, e);
        }
    }

    /** The sending side under {@code key} (16, 24 or 32 bytes). */
    static Sealer sending(byte[] key) {
        return new Sealer(key, Cipher.ENCRYPT_MODE);
    }

    /** The receiving side under {@code key} (16, 24 or 32 bytes). */
    static Sealer receiving(byte[] key) {
        return new Sealer(key, Cipher.DECRYPT_MODE);
    }

    /**
     * Whether this JVM can run AES-GCM with {@code keyBits}-bit keys.
     *
     * @return null when it can, else why not
     */
    static String unsupported(int keyBits) {
        try {
            sending(new byte[keyBits / 8]).seal(ByteBuffer.allocate(1), ByteBuffer.allocate(1 + TAG), new byte[0]);
            return null;
        } catch (RuntimeException e) {
            return e.getMessage();
        }
    }

    /**
     * Starts, once per JVM, a low-priority daemon thread that seals and opens
     * {@value #WARM_UP_CHUNKS} chunks, in direct and heap buffers, so that the JIT compiles the JDK's
     * AES-GCM before the collective's own traffic needs it. About a second of one core.
     */
    static void warmUp() {
        if (!WARMED.compareAndSet(false, true)) {
            return;
        }
        Thread thread = new Thread(() -> {
            byte[] key = new byte[16];
            Sealer sealing = sending(key);
            Sealer opening = receiving(key);
            byte[] none = new byte[0];
            ByteBuffer[][] buffers = {{ByteBuffer.allocateDirect(CHUNK), ByteBuffer.allocateDirect(CHUNK + TAG)},
                {ByteBuffer.allocate(CHUNK), ByteBuffer.allocate(CHUNK + TAG)}};
            for (int i = 0; i < WARM_UP_CHUNKS; i++) {
                ByteBuffer plain = buffers[i % 2][0].clear();
                ByteBuffer sealed = buffers[i % 2][1].clear();
                sealing.seal(plain, sealed, none);
                try {
                    opening.open(sealed.flip(), plain.clear(), none);
                } catch (AEADBadTagException e) {
                    throw new IllegalStateException("AES-GCM did not open what it sealed", e);
                }
            }
        }, "kortexdl-aes-gcm-warm-up");
        thread.setDaemon(true);
        thread.setPriority(Thread.MIN_PRIORITY);
        thread.start();
    }

    /** Bytes that {@code plain} bytes take sealed: each chunk gains a tag (an empty message is one chunk). */
    static long sealedLength(long plain) {
        return plain + TAG * Math.max(1, (plain + CHUNK - 1) / CHUNK);
    }

    /**
     * Encrypts {@code plain} (position to limit) into {@code out} chunk by chunk, authenticating
     * {@code header} (sent in the clear; may be empty) with every chunk. {@code out} gains
     * {@link #sealedLength} bytes.
     */
    void seal(ByteBuffer plain, ByteBuffer out, byte[] header) {
        try {
            do {
                ByteBuffer chunk = plain.slice().limit(Math.min(CHUNK, plain.remaining()));
                plain.position(plain.position() + chunk.remaining());
                next();
                cipher.updateAAD(header);
                cipher.doFinal(chunk, out);
            } while (plain.hasRemaining());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed to seal a message", e);
        }
    }

    /**
     * Decrypts {@code sealed} (position to limit, as {@link #seal} made it with the same
     * {@code header}) into {@code out}.
     *
     * @throws AEADBadTagException when a chunk or the header was not sealed by the other end's next chunks
     */
    void open(ByteBuffer sealed, ByteBuffer out, byte[] header) throws AEADBadTagException {
        try {
            do {
                ByteBuffer chunk = sealed.slice().limit(Math.min(CHUNK + TAG, sealed.remaining()));
                sealed.position(sealed.position() + chunk.remaining());
                next();
                cipher.updateAAD(header);
                cipher.doFinal(chunk, out);
            } while (sealed.hasRemaining());
        } catch (AEADBadTagException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed to open a message", e);
        }
    }

    /** Moves to the next message's nonce: 4 zero bytes, then the big-endian counter. */
    private void next() throws GeneralSecurityException {
        long n = counter++;
        for (int i = 0; i < 8; i++) {
            nonce[11 - i] = (byte) (n >>> (8 * i));
        }
        cipher.init(mode, key, new GCMParameterSpec(8 * TAG, nonce));
    }
}
