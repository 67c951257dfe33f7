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
 * @param firstPort first port of the range, 0 for an ephemeral port
 * @param lastPort last port of the range (inclusive), 0 for an ephemeral port
 * @param connectTimeoutMs limit for setting up the connections of one epoch, in milliseconds
 * @param timeoutMs limit for waiting on one peer's message, in milliseconds
 */
public record CollectiveSettings(int firstPort, int lastPort, long connectTimeoutMs, long timeoutMs)
        implements Serializable {
    /** Spark configuration key of the listening port range. */
    public static final String PORT_RANGE = "spark.kortexdl.collective.portRange";
    /** Spark configuration key of the connection set-up limit, in milliseconds. */
    public static final String CONNECT_TIMEOUT = "spark.kortexdl.collective.connectTimeoutMs";
    /** Spark configuration key of the per-message wait limit, in milliseconds. */
    public static final String TIMEOUT = "spark.kortexdl.collective.timeoutMs";
    /** The defaults: an ephemeral port, one minute to connect, ten minutes per message. */
    public static final CollectiveSettings DEFAULTS = new CollectiveSettings(0, 0, 60_000, 600_000);

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
