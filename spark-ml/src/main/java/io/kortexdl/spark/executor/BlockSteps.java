package io.kortexdl.spark.executor;

import io.kortexdl.kernels.TrainingProgress;

/**
 * The training steps of one block on its executor, over rows an {@link EpochRows} holds:
 * {@link DenseBlockSteps} runs dense rows through the multithreaded GEMM trainer,
 * {@link SparseBlockSteps} runs compressed sparse rows through the sparse first layer with lazy
 * updates. An {@link EpochRun} syncs either kind through {@link SyncRanges}.
 */
interface BlockSteps extends AutoCloseable {

    /**
     * Runs {@code steps} local steps of {@code batchSize} rows over {@code rows.order()[from ..]}.
     *
     * @throws io.kortexdl.kernels.NonFiniteLossException naming the 1-based step that diverged
     */
    TrainingProgress trainSteps(RowView rows, int from, int steps, int batchSize, float learningRate);

    /**
     * The gradient of the summed loss of rows {@code rows.order()[from .. from + count)} into
     * {@code gradient}, nothing updated: the {@link #changedRows()} of the first layer and every
     * later parameter, or everything for dense rows (the rest of {@code gradient} is left as it
     * was). Returns the summed loss.
     */
    double gradientSum(RowView rows, int from, int count, float[] gradient);

    /**
     * One optimizer step from a gradient summed over {@code rows} rows.
     *
     * @param syncedRows the first-layer rows {@code gradient} holds (increasing), with every later
     *     parameter; null when it holds every parameter, as it always does for dense rows
     */
    void applyGradientSum(float[] gradient, int[] syncedRows, long rows, float learningRate);

    /**
     * The first-layer rows changed (trained or given a gradient) since {@link #clearChanged()},
     * increasing, or null when any parameter may have changed (dense rows).
     */
    int[] changedRows();

    /** Forgets the changed rows, after a sync made them equal on every block. */
    void clearChanged();

    /** Stops the trainer's threads. */
    @Override
    void close();
}
