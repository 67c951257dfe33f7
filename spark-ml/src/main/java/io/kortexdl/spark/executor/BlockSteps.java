package io.kortexdl.spark;

import io.kortexdl.kernels.Network;
import io.kortexdl.kernels.TrainingProgress;

/**
 * The training steps of one packed block on its executor, over the block's own rows in a given
 * order: {@link DenseBlockSteps} runs dense rows through the multithreaded GEMM trainer,
 * {@link SparseBlockSteps} runs compressed sparse rows through the sparse first layer with lazy
 * updates. {@link ExecutorTrainer} syncs either kind through {@link SyncRanges}.
 */
interface BlockSteps extends AutoCloseable {

    /** The network being trained. */
    Network network();

    /**
     * Runs {@code steps} local steps of {@code batchSize} rows over {@code order[from ..]}.
     *
     * @throws io.kortexdl.kernels.NonFiniteLossException naming the 1-based step that diverged
     */
    TrainingProgress trainSteps(int[] order, int from, int steps, int batchSize, float learningRate);

    /**
     * The gradient of the summed loss of rows {@code order[from .. from + count)} into
     * {@code gradient}, nothing updated: every parameter of {@link #changedRanges()} (the rest of
     * {@code gradient} is left as it was). Returns the summed loss.
     */
    double gradientSum(int[] order, int from, int count, float[] gradient);

    /** One optimizer step over {@code ranges} from a gradient summed over {@code rows} rows. */
    void applyGradientSum(float[] gradient, SyncRanges ranges, long rows, float learningRate);

    /**
     * The first-layer rows changed (trained or given a gradient) since {@link #clearChanged()},
     * increasing, or null when any parameter may have changed (dense rows).
     */
    int[] changedRows();

    /** Forgets the changed rows, after a sync made them equal on every block. */
    void clearChanged();

    /** The parameters {@link #gradientSum} wrote: the changed rows and the later layers, or everything. */
    default SyncRanges changedRanges() {
        int[] rows = changedRows();
        return rows == null ? SyncRanges.all(network().parameterCount()) : SyncRanges.rows(network().layout(), rows);
    }

    /** Stops the trainer's threads. */
    @Override
    void close();
}
