package io.kortexdl.spark.collective;

import java.io.Serializable;
import java.util.Map;

/**
 * The network settings of the executors' collective, read from the Spark configuration on the
 * driver and shipped with every epoch.
 *
 * <ul>
 *   <li>{@value #PORT_RANGE}: ports each training task may listen on, {@code "first-last"}
 *       (inclusive), for clusters whose firewall opens only some ports between executors; default
 *       {@code 0}, an ephemeral port chosen by the operating system.</li>
 *   <li>{@value #CONNECT_TIMEOUT}: milliseconds to set up the connections of one epoch, all peers
 *       included; default 60000.</li>
 *   <li>{@value #TIMEOUT}: milliseconds a task waits for a peer's part of one sync before it fails
 *       naming that peer; default 600000. It must exceed the compute between two syncs
 *       ({@code syncInterval} steps). A peer whose process dies is noticed at once (its
 *       connection closes), whatever this value.</li>
 * </ul>
 *
 * <p>How the collective's connections are protected follows the application's Spark security
 * settings, not a setting of ours; see {@link Protection}.
 *
 * @param firstPort first port of the range, 0 for an ephemeral port
 * @param lastPort last port of the range (inclusive), 0 for an ephemeral port
 * @param connectTimeoutMs limit for setting up the connections of one epoch, in milliseconds
 * @param timeoutMs limit for waiting on one peer's message, in milliseconds
 * @param protection what the collective's connections prove and protect
 * @param keyBits AES key length when encrypted (128, 192 or 256), else 0
 */
public record CollectiveSettings(int firstPort, int lastPort, long connectTimeoutMs, long timeoutMs,
                                 Protection protection, int keyBits) implements Serializable {
    /**
     * What the collective's connections (the rendezvous on the driver, the connections between
     * training tasks) prove and protect; see {@link Guard} for how.
     */
    public enum Protection {
        /** Each connection carries the epoch attempt's random token; nothing is secret or encrypted. */
        NONE,
        /**
         * {@code spark.authenticate}: each connection proves, both ways, that it holds the
         * application's secret; the data travels in the clear.
         */
        AUTHENTICATED,
        /**
         * {@code spark.network.crypto.enabled} or TLS for RPC ({@code spark.ssl.rpc.enabled}), both
         * with {@code spark.authenticate}: authenticated, and every byte after the handshake is
         * encrypted and integrity-protected with AES-GCM.
         */
        ENCRYPTED
    }

    /** Spark configuration key of the listening port range. */
    public static final String PORT_RANGE = "spark.kortexdl.collective.portRange";
    /** Spark configuration key of the connection set-up limit, in milliseconds. */
    public static final String CONNECT_TIMEOUT = "spark.kortexdl.collective.connectTimeoutMs";
    /** Spark configuration key of the per-message wait limit, in milliseconds. */
    public static final String TIMEOUT = "spark.kortexdl.collective.timeoutMs";
    /** The defaults: an ephemeral port, one minute to connect, ten minutes per message. */
    public static final CollectiveSettings DEFAULTS = new CollectiveSettings(0, 0, 60_000, 600_000);

    /** Unprotected settings with these ports and limits. */
    public CollectiveSettings(int firstPort, int lastPort, long connectTimeoutMs, long timeoutMs) {
        this(firstPort, lastPort, connectTimeoutMs, timeoutMs, Protection.NONE, 0);
    }

    /**
     * Validates the protection: a key length of 128, 192 or 256 bits with encryption, 0 without.
     *
     * @throws IllegalArgumentException when they disagree
     */
    public CollectiveSettings {
        if (protection == null || (protection == Protection.ENCRYPTED) != (keyBits != 0)
                || (keyBits != 0 && keyBits != 128 && keyBits != 192 && keyBits != 256)) {
            throw new IllegalArgumentException("protection " + protection + " with a " + keyBits + "-bit key; expected"
                    + " a 128-, 192- or 256-bit key with ENCRYPTED and none otherwise");
        }
    }

    /** These settings with {@code protection} and, when encrypted, {@code keyBits}-bit keys. */
    public CollectiveSettings protectedBy(Protection protection, int keyBits) {
        return new CollectiveSettings(firstPort, lastPort, connectTimeoutMs, timeoutMs, protection,
                protection == Protection.ENCRYPTED ? keyBits : 0);
    }

    /**
     * The settings in {@code conf} (Spark configuration keys to values), defaults where absent.
     *
     * @throws IllegalArgumentException naming the key, its value and what was expected
     */
    public static CollectiveSettings from(Map<String, String> conf) {
        int first = 0;
        int last = 0;
        String range = conf.get(PORT_RANGE);
        if (range != null && !range.trim().equals("0")) {
            String[] ends = range.trim().split("-");
            try {
                first = Integer.parseInt(ends[0].trim());
                last = ends.length == 2 ? Integer.parseInt(ends[1].trim()) : first;
            } catch (NumberFormatException e) {
                first = -1;
            }
            if (ends.length > 2 || first < 1 || last < first || last > 65535) {
                throw new IllegalArgumentException(PORT_RANGE + " is '" + range + "'; expected 0 (an ephemeral"
                        + " port) or first-last with 1 <= first <= last <= 65535, e.g. 40000-40100");
            }
        }
        return new CollectiveSettings(first, last, millis(conf, CONNECT_TIMEOUT, DEFAULTS.connectTimeoutMs),
                millis(conf, TIMEOUT, DEFAULTS.timeoutMs));
    }

    private static long millis(Map<String, String> conf, String key, long fallback) {
        String value = conf.get(key);
        if (value == null) {
            return fallback;
        }
        try {
            long ms = Long.parseLong(value.trim());
            if (ms >= 100) {
                return ms;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(key + " is '" + value + "'; expected a whole number of milliseconds,"
                + " at least 100");
    }

    /** Whether a port range is set (otherwise the system picks an ephemeral port). */
    boolean ranged() {
        return firstPort > 0;
    }
}
