package io.kortexdl.spark.executor;

import java.io.Serializable;

/**
 * What one block's task returns from an epoch. The state the epoch ends with does not travel
 * here: block 0 gives it to the epoch's state channel.
 *
 * @param block the block index (the task's rank in the collective)
 * @param executor the Spark executor id that ran it ({@code "driver"} in local mode)
 * @param status how the epoch ended for this block
 * @param rows training rows this block covered
 * @param lossSum summed per-row loss of those rows, each measured before its step's update
 * @param divergence where the loss became NaN or infinite, for {@link Status#DIVERGED}; null otherwise
 * @param sync this block's time and traffic in the collective
 */
public record EpochResult(int block, String executor, Status status, long rows, double lossSum,
                          Divergence divergence, SyncStats sync) implements Serializable {

    /** How an epoch ended for one block. */
    public enum Status {
        /** The epoch ran to its end. */
        TRAINED,
        /** This block's batch loss became NaN or infinite; {@link #divergence()} says where. */
        DIVERGED,
        /** Another block diverged; this one stopped at the same sync. */
        STOPPED_BY_PEER,
        /** Some block had no cached copy left (its executor was lost); nothing was trained. */
        BLOCK_MISSING
    }

    /**
     * Where training diverged.
     *
     * @param epoch 1-based epoch
     * @param step 1-based step of the epoch
     * @param loss the non-finite batch loss (NaN when only the summed gradient was non-finite)
     */
    public record Divergence(int epoch, int step, float loss) implements Serializable {
    }

    /**
     * Time and traffic of one block's epoch.
     *
     * @param syncs allreduce operations
     * @param seconds wall-clock seconds inside them, waiting for slower peers included
     * @param bytesSent bytes this block sent, framing included
     * @param trainSeconds wall-clock seconds of the whole epoch in the task, syncs included
     * @param loadWaitSeconds wall-clock seconds the steps waited for rows to load (from local disk,
     *     or the first epoch's hand-over of rows on the heap)
     */
    public record SyncStats(int syncs, double seconds, long bytesSent, double trainSeconds, double loadWaitSeconds)
            implements Serializable {
        /** No sync at all. */
        public static final SyncStats NONE = new SyncStats(0, 0, 0, 0, 0);
    }

    /** The result of a block that found some block missing. */
    public static EpochResult blockMissing(int block, String executor) {
        return new EpochResult(block, executor, Status.BLOCK_MISSING, 0, 0, null, SyncStats.NONE);
    }
}
