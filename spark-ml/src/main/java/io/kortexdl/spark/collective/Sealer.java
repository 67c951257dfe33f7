package io.kortexdl.spark.collective;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * One direction of an encrypted connection: AES-GCM from the JDK's provider, under a key of this
 * connection and direction only, with the message counter as nonce. A nonce therefore never
 * repeats under a key, and a message that is altered, dropped, replayed or reordered fails to
 * open.
 */
final class Sealer {
    /** Bytes the 128-bit authentication tag adds to every message. */
    static final int TAG = 16;
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";

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
            sending(new byte[keyBits / 8]).seal(new byte[1], new byte[0]);
            return null;
        } catch (RuntimeException e) {
            return e.getMessage();
        }
    }

    /** Encrypts {@code plain} (position to limit) into {@code out}, which gains {@code plain.remaining() + TAG} bytes. */
    void seal(ByteBuffer plain, ByteBuffer out) {
        try {
            next();
            cipher.doFinal(plain, out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed to seal a message", e);
        }
    }

    /** Encrypts {@code plain}, authenticating {@code header} (sent in the clear) with it. */
    byte[] seal(byte[] plain, byte[] header) {
        try {
            next();
            cipher.updateAAD(header);
            return cipher.doFinal(plain);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed to seal a message", e);
        }
    }

    /**
     * Decrypts {@code sealed} (position to limit) into {@code out}.
     *
     * @throws AEADBadTagException when the message was not sealed by the other end's next message
     */
    void open(ByteBuffer sealed, ByteBuffer out) throws AEADBadTagException {
        try {
            next();
            cipher.doFinal(sealed, out);
        } catch (AEADBadTagException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed to open a message", e);
        }
    }

    /**
     * Decrypts {@code sealed}, checking {@code header} with it.
     *
     * @throws AEADBadTagException when the message or its header was not sealed by the other end's next message
     */
    byte[] open(byte[] sealed, byte[] header) throws AEADBadTagException {
        try {
            next();
            cipher.updateAAD(header);
            return cipher.doFinal(sealed);
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
