package io.kortexdl.spark.executor;

import io.kortexdl.kernels.LossType;
import io.kortexdl.kernels.Network;
import io.kortexdl.kernels.NumaTopology;
import io.kortexdl.kernels.ParallelTrainer;
import io.kortexdl.kernels.TrainingProgress;

/** {@link BlockSteps} over dense rows: a {@link ParallelTrainer} with one worker per executor core. */
final class DenseBlockSteps implements BlockSteps {
    private final ParallelTrainer trainer;
    private final float[] features;
    private final float[] targets;
    private final LossType loss;

    DenseBlockSteps(Network network, int threads, float[] features, float[] targets, LossType loss) {
        this.trainer = new ParallelTrainer(network, threads, NumaTopology.detect());
        this.features = features;
        this.targets = targets;
        this.loss = loss;
    }

    @Override
    public TrainingProgress trainSteps(int[] order, int from, int steps, int batchSize, float learningRate) {
        return trainer.trainSteps(features, targets, order, from, steps, batchSize, loss, learningRate);
    }

    @Override
    public double gradientSum(int[] order, int from, int count, float[] gradient) {
        return trainer.gradientSum(features, targets, order, from, count, loss, gradient);
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
