package io.kortexdl.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many executors a fit trains on and how many cores each has, read from the master URL and
 * the configuration: {@code local[N]} is one executor of N cores, {@code local-cluster[E,C,M]}
 * E executors of C cores; on a cluster manager, the registered executors and
 * {@code spark.executor.cores} (or the default parallelism shared among them). Under dynamic
 * allocation, where Spark runs no barrier stage, one executor of {@code spark.executor.cores}
 * (default 1) without waiting: the fit then trains as one block.
 *
 * @param executors training blocks, one per executor
 * @param coresPerExecutor cores of each executor
 * @param local whether the driver is the only executor (local mode)
 */
record ClusterShape(int executors, int coresPerExecutor, boolean local) {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterShape.class);
    /** Spark's switch for dynamic allocation, under which it refuses barrier stages. */
    static final String DYNAMIC_ALLOCATION = "spark.dynamicAllocation.enabled";
    /** How long a fit waits for a cluster's executors to register. */
    static final long REGISTRATION_WAIT_MS = 60_000;

    /** The shape of {@code sc}'s cluster, waiting up to a minute for expected executors to register. */
    static ClusterShape of(SparkContext sc) {
        String master = sc.master();
        if (master.equals("local")) {
            return new ClusterShape(1, 1, true);
        }
        if (master.startsWith("local[")) {
            String inside = master.substring(master.indexOf('[') + 1, master.indexOf(']'));
            String threads = inside.split(",")[0].trim();
            int cores = threads.equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(threads);
            return new ClusterShape(1, Math.max(1, cores), true);
        }
        SparkConf conf = sc.getConf();
        int expected = -1;
        int cores = conf.getInt("spark.executor.cores", -1);
        if (conf.getBoolean(DYNAMIC_ALLOCATION, false)) {
            LOG.warn("KortexDL: {}=true, and Spark runs no barrier stage under dynamic allocation, so this fit trains"
                    + " one block on one executor ({} cores). Set {}=false for the training application to train on"
                    + " every executor together", DYNAMIC_ALLOCATION, Math.max(1, cores), DYNAMIC_ALLOCATION);
            return new ClusterShape(1, Math.max(1, cores), false);
        }
        if (master.startsWith("local-cluster[")) {
            String[] parts = master.substring(master.indexOf('[') + 1, master.indexOf(']')).split(",");
            expected = Integer.parseInt(parts[0].trim());
            cores = Integer.parseInt(parts[1].trim());
        } else if (conf.contains("spark.executor.instances")) {
            expected = conf.getInt("spark.executor.instances", -1);
        } else if (conf.contains("spark.cores.max") && cores > 0) {
            expected = conf.getInt("spark.cores.max", 0) / cores;
        }
        int executors = waitForExecutors(sc, expected);
        if (cores < 1) {
            cores = Math.max(1, sc.defaultParallelism() / executors);
        }
        return new ClusterShape(executors, cores, false);
    }

    private static int waitForExecutors(SparkContext sc, int expected) {
        int registered = awaitRegistered(sc, Math.max(1, expected), REGISTRATION_WAIT_MS);
        if (registered < 1) {
            throw new IllegalStateException("No executor registered within " + REGISTRATION_WAIT_MS / 1000
                    + " s; check that the cluster has free cores and memory for this application");
        }
        if (expected > 0 && registered < expected) {
            LOG.warn("KortexDL: {} of {} expected executors registered; training on {}", registered, expected,
                    registered);
        }
        return registered;
    }

    /**
     * Executors registered once {@code atLeast} are, or after {@code waitMs} milliseconds, checking
     * five times a second; fewer than {@code atLeast} when the wait ran out or was interrupted.
     */
    static int awaitRegistered(SparkContext sc, int atLeast, long waitMs) {
        long deadline = System.currentTimeMillis() + waitMs;
        int registered = registered(sc);
        while (registered < atLeast && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            registered = registered(sc);
        }
        return registered;
    }

    /** Executors registered now, the driver excluded. */
    static int registered(SparkContext sc) {
        return Math.max(0, sc.statusTracker().getExecutorInfos().length - 1);
    }
}
