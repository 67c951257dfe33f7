package io.kortexdl.spark.executor;

import io.kortexdl.kernels.LossType;
import io.kortexdl.kernels.Network;
import io.kortexdl.kernels.SparseTrainer;
import io.kortexdl.kernels.TrainingProgress;

/**
 * {@link BlockSteps} over compressed sparse rows: a {@link SparseTrainer} on the executor's
 * cores, updating only the first-layer rows each step touches and tracking them for the sync.
 */
final class SparseBlockSteps implements BlockSteps {
    private final SparseTrainer trainer;
    private final LossType loss;

    SparseBlockSteps(Network network, int threads, LossType loss) {
        this.trainer = new SparseTrainer(network, threads);
        this.loss = loss;
    }

    @Override
    public TrainingProgress trainSteps(RowView rows, int from, int steps, int batchSize, float learningRate) {
        return trainer.trainSteps(rows.sparse(), rows.targets(), rows.order(), from, steps, batchSize, loss,
                learningRate);
    }

    @Override
    public double gradientSum(RowView rows, int from, int count, float[] gradient) {
        return trainer.gradientSum(rows.sparse(), rows.targets(), rows.order(), from, count, loss, gradient);
    }

    @Override
    public void applyGradientSum(float[] gradient, int[] syncedRows, long rowCount, float learningRate) {
        trainer.applyGradientSum(gradient, syncedRows, syncedRows.length, rowCount, learningRate);
    }

    @Override
    public int[] changedRows() {
        return trainer.changedRows();
    }

    @Override
    public void clearChanged() {
        trainer.clearChanged();
    }

    @Override
    public void close() {
        trainer.close();
    }
}
