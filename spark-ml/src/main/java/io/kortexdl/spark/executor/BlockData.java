package io.kortexdl.spark.executor;

import io.kortexdl.kernels.SparseBatch;

/**
 * The training rows of one block as an executor trains them: dense features or compressed sparse
 * rows, and the targets the loss reads.
 *
 * @param block the block's index, which is its rank in every epoch's collective
 * @param rows training rows
 * @param features dense row-major features, {@code rows x inputs}, or null when the rows are sparse
 * @param sparse the rows as a sparse batch, or null when they are dense
 * @param targets per row: the one-hot row scaled by its weight for softmax cross-entropy
 *     ({@code rows x classes}), the standardized label for squared error ({@code rows})
 */
public record BlockData(int block, int rows, float[] features, SparseBatch sparse, float[] targets) {

    /** @throws IllegalArgumentException unless exactly one of {@code features} and {@code sparse} is given */
    public BlockData {
        if ((features == null) == (sparse == null)) {
            throw new IllegalArgumentException("block " + block + ": expected dense features or sparse rows, not "
                    + (features == null ? "neither" : "both"));
        }
        if (sparse != null && sparse.rows() != rows) {
            throw new IllegalArgumentException("block " + block + ": " + rows + " rows, but a sparse batch of "
                    + sparse.rows());
        }
    }
}
