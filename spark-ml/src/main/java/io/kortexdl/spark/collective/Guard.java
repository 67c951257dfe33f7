package io.kortexdl.spark.collective;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How the collective's connections prove they belong to the application and protect what they
 * carry, following the application's Spark security settings (see {@link CollectiveSettings.Protection}).
 *
 * <p>Every connection opens with a handshake. Without protection the dialling side sends the
 * epoch attempt's token and the accepting side refuses any other token. With protection, the two
 * sides run a mutual challenge and response over the application's secret with HMAC-SHA256,
 * proving the secret without sending it, as Spark's own RPC authentication does:
 * <ol>
 *   <li>dialler: magic, a fresh 32-byte nonce;</li>
 *   <li>acceptor: its own fresh nonce and the proof {@code HMAC(secret, "server" | transcript)};</li>
 *   <li>dialler: checks that proof, answers {@code HMAC(secret, "client" | transcript)}.</li>
 * </ol>
 * The transcript holds both nonces, the protection, the key length and the token, so the secret
 * never crosses the wire, a recorded handshake fails against the next fresh nonce, and a party of
 * another attempt or with other settings is refused. For encryption both sides then derive one
 * AES key per direction, {@code HMAC(secret, "c2s key" | transcript)} and
 * {@code HMAC(secret, "s2c key" | transcript)} cut to the key length, and every byte that
 * follows travels in AES-GCM messages ({@link Sealer}). Only the JDK's providers do the
 * cryptography.
 *
 * <p>A guard holds the secret and is never serialized: each JVM makes its own from its copy of the
 * secret (Spark's security manager on a cluster).
 */
public final class Guard {
    /** The handshake without protection: the attempt's token only. */
    public static final Guard NONE = new Guard(CollectiveSettings.Protection.NONE, null, 0);
    private static final int NONCE = 32;
    private static final int PROOF = 32;
    private static final SecureRandom NONCES = new SecureRandom();

    private final CollectiveSettings.Protection protection;
    private final byte[] secret;
    private final int keyBits;

    private Guard(CollectiveSettings.Protection protection, byte[] secret, int keyBits) {
        this.protection = protection;
        this.secret = secret;
        this.keyBits = keyBits;
    }

    /**
     * The guard of {@code settings}' protection with the application's {@code secret}.
     *
     * @param secret the application's shared secret; ignored without protection
     * @throws CollectiveException when protection is asked for and the secret is missing or empty
     */
    public static Guard of(CollectiveSettings settings, String secret) {
        if (settings.protection() == CollectiveSettings.Protection.NONE) {
            return NONE;
        }
        if (secret == null || secret.isEmpty()) {
            throw new CollectiveException("KortexDL collective: spark.authenticate is on but this JVM has no"
                    + " application secret to authenticate the collective with", null);
        }
        if (settings.protection() == CollectiveSettings.Protection.ENCRYPTED) {
            Sealer.warmUp();
        }
        return new Guard(settings.protection(), secret.getBytes(StandardCharsets.UTF_8), settings.keyBits());
    }

    /**
     * Whether this JVM can encrypt the collective under {@code keyBits}-bit keys.
     *
     * @return null when it can, else why not
     */
    public static String unsupported(int keyBits) {
        return Sealer.unsupported(keyBits);
    }

    /** The protection this guard applies. */
    public CollectiveSettings.Protection protection() {
        return protection;
    }

    /**
     * Runs the dialling side's handshake on {@code socket} (blocking, with its read timeout).
     *
     * @throws Refused when the other side fails to prove it holds the secret
     */
    Link dial(Socket socket, int magic, long token) throws IOException {
        DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        DataInputStream in = new DataInputStream(socket.getInputStream());
        out.writeInt(magic);
        if (protection == CollectiveSettings.Protection.NONE) {
            out.writeLong(token);
            out.flush();
            return new Link(socket, null, null);
        }
        byte[] mine = nonce();
        out.write(mine);
        out.flush();
        byte[] theirs = new byte[NONCE];
        in.readFully(theirs);
        byte[] proof = new byte[PROOF];
        in.readFully(proof);
        byte[] transcript = transcript(magic, token, mine, theirs);
        if (!MessageDigest.isEqual(proof, mac("server", transcript))) {
            throw new Refused("it did not prove it holds the application's secret");
        }
        out.write(mac("client", transcript));
        out.flush();
        return link(socket, transcript, "c2s key", "s2c key");
    }

    /**
     * Runs the accepting side's handshake on {@code socket}. Reads fixed sizes only, so a stranger
     * cannot make it allocate.
     *
     * @throws Refused naming why the other side is not a participant of this attempt
     */
    Link accept(Socket socket, int magic, long token) throws IOException {
        DataInputStream in = new DataInputStream(socket.getInputStream());
        if (in.readInt() != magic) {
            throw new Refused("it does not speak the collective's protocol");
        }
        if (protection == CollectiveSettings.Protection.NONE) {
            if (in.readLong() != token) {
                throw new Refused("it carries the token of another training attempt");
            }
            return new Link(socket, null, null);
        }
        byte[] theirs = new byte[NONCE];
        in.readFully(theirs);
        byte[] mine = nonce();
        byte[] transcript = transcript(magic, token, theirs, mine);
        DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        out.write(mine);
        out.write(mac("server", transcript));
        out.flush();
        byte[] proof = new byte[PROOF];
        in.readFully(proof);
        if (!MessageDigest.isEqual(proof, mac("client", transcript))) {
            throw new Refused("it did not prove it holds the application's secret (a wrong secret, a replayed"
                    + " handshake or another training attempt)");
        }
        return link(socket, transcript, "s2c key", "c2s key");
    }

    private Link link(Socket socket, byte[] transcript, String sendLabel, String receiveLabel) throws IOException {
        if (protection != CollectiveSettings.Protection.ENCRYPTED) {
            return new Link(socket, null, null);
        }
        return new Link(socket, Sealer.sending(key(sendLabel, transcript)), Sealer.receiving(key(receiveLabel,
                transcript)));
    }

    private byte[] key(String label, byte[] transcript) {
        return Arrays.copyOf(mac(label, transcript), keyBits / 8);
    }

    private byte[] transcript(int magic, long token, byte[] dialler, byte[] acceptor) {
        return ByteBuffer.allocate(4 + 1 + 4 + 8 + 2 * NONCE).putInt(magic).put((byte) protection.ordinal())
                .putInt(keyBits).putLong(token).put(dialler).put(acceptor).array();
    }

    private byte[] mac(String label, byte[] transcript) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(label.getBytes(StandardCharsets.US_ASCII));
            return mac.doFinal(transcript);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM offers no HmacSHA256", e);
        }
    }

    private static byte[] nonce() {
        byte[] nonce = new byte[NONCE];
        NONCES.nextBytes(nonce);
        return nonce;
    }

    /** A handshake or message that shows the other side is not a participant of this attempt. */
    static final class Refused extends IOException {
        Refused(String why) {
            super(why);
        }
    }
}
