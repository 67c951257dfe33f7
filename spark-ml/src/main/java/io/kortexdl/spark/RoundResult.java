package io.kortexdl.spark;

import java.io.Serializable;

/**
 * What one block returns from a round: new parameters and optimizer state (local steps) or a
 * gradient sum (exact mode), the summed loss and the rows it covered. A block with no rows left
 * in the round returns {@code rows == 0} and no arrays.
 *
 * @param failure a training failure on the executor (a diverged loss), reported on the driver
 * @param divergence set when the failure is a diverged loss
 * @param executor the Spark executor id that ran the round ({@code "driver"} in local mode)
 */
record RoundResult(int block, long rows, double lossSum, int steps, float[] values, float[] optimizerState,
                   String failure, Divergence divergence, String executor) implements Serializable {

    /**
     * Where training diverged.
     *
     * @param step 1-based step of the epoch
     */
    record Divergence(int epoch, int step, float loss) implements Serializable {
    }

    /** A result not yet attributed to an executor. */
    RoundResult(int block, long rows, double lossSum, int steps, float[] values, float[] optimizerState,
                String failure) {
        this(block, rows, lossSum, steps, values, optimizerState, failure, null, null);
    }

    /** A block whose batch loss became NaN or infinite. */
    static RoundResult diverged(int block, Divergence divergence, String message) {
        return new RoundResult(block, 0, 0, 0, null, null, message, divergence, null);
    }

    /** This result, attributed to {@code executorId}. */
    RoundResult ranOn(String executorId) {
        return new RoundResult(block, rows, lossSum, steps, values, optimizerState, failure, divergence, executorId);
    }

    /** The failure of a round whose block has no cached copy left (its executor was lost). */
    static final String BLOCK_LOST = "block lost";

    /** Whether the block must be recomputed before the round can run. */
    boolean blockLost() {
        return BLOCK_LOST.equals(failure);
    }
}
