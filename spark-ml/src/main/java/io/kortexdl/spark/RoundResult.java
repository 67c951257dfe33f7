package io.kortexdl.spark;

import java.io.Serializable;

/**
 * What one block returns from a round: new parameters and optimizer state (local steps) or a
 * gradient sum (exact mode), the summed loss and the rows it covered. A block with no rows left
 * in the round returns {@code rows == 0} and no arrays.
 *
 * @param failure a training failure on the executor (a diverged loss), reported on the driver
 */
record RoundResult(int block, long rows, double lossSum, int steps, float[] values, float[] optimizerState,
                   String failure) implements Serializable {
}
