package io.kortexdl.examples;

import io.kortexdl.examples.data.LabeledData;
import io.kortexdl.kernels.LossType;
import io.kortexdl.kernels.Network;
import java.util.SplittableRandom;

/**
 * One-thread epoch loop over a labelled data set with {@link Network#trainBatch}: rows are
 * shuffled each epoch by a seeded permutation, copied into a batch buffer, and trained with
 * softmax cross-entropy; the last partial batch is used.
 */
public final class MiniBatchLoop {
    private final Network network;
    private final LabeledData data;
    private final float[] targets;
    private final int batchSize;
    private final float learningRate;
    private final int[] order;
    private final float[] batchInputs;
    private final float[] batchTargets;
    private final SplittableRandom random;

    /**
     * @param seed seed of the per-epoch shuffles
     */
    public MiniBatchLoop(Network network, LabeledData data, int batchSize, float learningRate, long seed) {
        this.network = network;
        this.data = data;
        this.targets = data.oneHot();
        this.batchSize = batchSize;
        this.learningRate = learningRate;
        this.order = new int[data.rows()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        this.batchInputs = new float[batchSize * data.featureCount()];
        this.batchTargets = new float[batchSize * data.classes()];
        this.random = new SplittableRandom(seed);
    }

    /** Trains one epoch and returns its mean batch loss. */
    public double epoch() {
        shuffle();
        int features = data.featureCount();
        int classes = data.classes();
        double lossSum = 0;
        int batches = 0;
        for (int start = 0; start < order.length; start += batchSize) {
            int rows = Math.min(batchSize, order.length - start);
            for (int r = 0; r < rows; r++) {
                int row = order[start + r];
                System.arraycopy(data.features(), row * features, batchInputs, r * features, features);
                System.arraycopy(targets, row * classes, batchTargets, r * classes, classes);
            }
            float[] in = rows == batchSize ? batchInputs : java.util.Arrays.copyOf(batchInputs, rows * features);
            float[] tg = rows == batchSize ? batchTargets : java.util.Arrays.copyOf(batchTargets, rows * classes);
            lossSum += network.trainBatch(in, tg, LossType.CROSS_ENTROPY, learningRate, rows);
            batches++;
        }
        return lossSum / batches;
    }

    private void shuffle() {
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }
}
