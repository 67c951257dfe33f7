package io.kortexdl.spark.executor;

import io.kortexdl.kernels.LossType;
import io.kortexdl.kernels.Network;
import io.kortexdl.kernels.NumaTopology;
import io.kortexdl.kernels.ParallelTrainer;
import io.kortexdl.kernels.TrainingProgress;

/** {@link BlockSteps} over dense rows: a {@link ParallelTrainer} with one worker per executor core. */
final class DenseBlockSteps implements BlockSteps {
    private final ParallelTrainer trainer;
    private final LossType loss;

    DenseBlockSteps(Network network, int threads, LossType loss) {
        this.trainer = new ParallelTrainer(network, threads, NumaTopology.detect());
        this.loss = loss;
    }

    @Override
    public TrainingProgress trainSteps(RowView rows, int from, int steps, int batchSize, float learningRate) {
        return trainer.trainSteps(rows.dense(), rows.targets(), rows.order(), from, steps, batchSize, loss,
                learningRate);
    }

    @Override
    public double gradientSum(RowView rows, int from, int count, float[] gradient) {
        return trainer.gradientSum(rows.dense(), rows.targets(), rows.order(), from, count, loss, gradient);
    }

    @Override
    public void applyGradientSum(float[] gradient, int[] syncedRows, long rows, float learningRate) {
        if (syncedRows != null) {
            throw new IllegalArgumentException("dense rows sync every parameter, not " + syncedRows.length + " rows");
        }
        trainer.applyGradientSum(gradient, rows, learningRate);
    }

    @Override
    public int[] changedRows() {
        return null;
    }

    @Override
    public void clearChanged() {
    }

    @Override
    public void close() {
        trainer.close();
    }
}
