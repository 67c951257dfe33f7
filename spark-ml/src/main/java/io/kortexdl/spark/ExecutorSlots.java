package io.kortexdl.spark;

import org.apache.spark.SparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks, before each epoch of a multi-block fit, that the cluster can launch the epoch's barrier
 * stage: one executor per block. Spark itself would wait and retry for many minutes when a barrier
 * stage needs more slots than there are, so after an executor is lost this waits for its
 * replacement for a bounded time and then fails with what to do.
 */
final class ExecutorSlots {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorSlots.class);

    private ExecutorSlots() {
    }

    /**
     * Returns once {@code blocks} executors are registered, waiting up to {@code waitMs}.
     *
     * @param lastCheckpoint the newest checkpoint of the fit, for the message, or null
     * @param waitMs how long to wait for replacements, in milliseconds
     * @throws IllegalStateException naming the executors present, the blocks and the way out
     */
    static void await(SparkContext sc, int blocks, String lastCheckpoint, long waitMs) {
        int registered = ClusterShape.registered(sc);
        if (registered >= blocks) {
            return;
        }
        LOG.warn("KortexDL: {} executors registered for {} training blocks; waiting up to {} s for replacements",
                registered, blocks, waitMs / 1000.0);
        registered = ClusterShape.awaitRegistered(sc, blocks, waitMs);
        if (registered < blocks) {
            throw new IllegalStateException("KortexDL trains its " + blocks + " blocks together, one task per"
                    + " executor in a Spark barrier stage, but only " + registered + " executors are registered after"
                    + " waiting " + waitMs / 1000.0 + " s for lost ones to be replaced. Give"
                    + " the application " + blocks + " executors again"
                    + (lastCheckpoint == null ? "" : " and resume from " + lastCheckpoint + " (setResumeFrom)")
                    + ", or fit again on the executors there are");
        }
    }
}
