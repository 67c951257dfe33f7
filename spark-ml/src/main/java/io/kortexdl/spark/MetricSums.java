package io.kortexdl.spark;

import io.kortexdl.kernels.LossType;
import io.kortexdl.kernels.Network;
import java.io.Serializable;

/**
 * Running sums from which loss, accuracy, RMSE and R2 follow, accumulated over blocks of rows
 * on executors and added in partition order on the driver.
 */
final class MetricSums implements Serializable {
    private static final long serialVersionUID = 1L;
    long rows;
    double weightSum;
    double lossSum;
    double correctWeight;
    double squaredError;
    double labelSum;
    double labelSquaredSum;
    /** The first row that could not be scored (a label outside the classes), or null. */
    String error;

    /**
     * Adds the rows of a packed part: softmax cross-entropy and accuracy for
     * {@link LossType#CROSS_ENTROPY}, squared error otherwise; each row counts with its weight. Dense
     * and sparse rows run {@link ChunkForward#ROWS} at a time.
     */
    void addPart(Network network, PackedBlock.Part part, LossType loss) {
        int outputs = network.outputSize();
        for (int start = 0; start < part.rows; start += ChunkForward.ROWS) {
            int n = Math.min(ChunkForward.ROWS, part.rows - start);
            float[] out = part.sparse() ? ChunkForward.sparse(network, part.sparseRows(network.inputSize(), start, n))
                    : ChunkForward.dense(network, part.features, start, n);
            addOutputs(out, outputs, part.labels, part.weights, start, n, loss);
        }
    }

    /** Adds the rows read into {@code block}, whose labels and weights (or null) start at index 0. */
    void addBlock(Network network, FeatureBlock block, float[] labels, float[] weights, LossType loss) {
        addOutputs(block.forward(network), network.outputSize(), labels, weights, 0, block.rows(), loss);
    }

    private void addOutputs(float[] out, int outputs, float[] labels, float[] weights, int first, int n,
                            LossType loss) {
        for (int r = 0; r < n; r++) {
            int row = first + r;
            addRow(out, r * outputs, outputs, labels[row], weights == null ? 1.0 : weights[row], loss);
        }
    }

    /** Adds one row whose network outputs are {@code out[offset .. offset + width)}. */
    void addRow(float[] out, int offset, int width, double label, double weight, LossType loss) {
        boolean classification = loss == LossType.CROSS_ENTROPY;
        if (classification && (label < 0 || label >= width || label != Math.rint(label))) {
            if (error == null) {
                error = "the label is " + label + "; expected a class index 0.." + (width - 1);
            }
            return;
        }
        rows++;
        weightSum += weight;
        labelSum += weight * label;
        labelSquaredSum += weight * label * label;
        if (classification) {
            int best = 0;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < width; j++) {
                if (out[offset + j] > max) {
                    max = out[offset + j];
                    best = j;
                }
            }
            double expSum = 0;
            for (int j = 0; j < width; j++) {
                expSum += Math.exp(out[offset + j] - max);
            }
            lossSum += weight * (max + Math.log(expSum) - out[offset + (int) label]);
            if (best == (int) label) {
                correctWeight += weight;
            }
        } else {
            double error = out[offset] - label;
            squaredError += weight * error * error;
            lossSum += weight * error * error;
        }
    }

    /** Adds {@code other} into this. */
    MetricSums add(MetricSums other) {
        rows += other.rows;
        weightSum += other.weightSum;
        lossSum += other.lossSum;
        correctWeight += other.correctWeight;
        squaredError += other.squaredError;
        labelSum += other.labelSum;
        labelSquaredSum += other.labelSquaredSum;
        if (error == null) {
            error = other.error;
        }
        return this;
    }

    /** The metrics of the rows added, or all NaN when no weight was added. */
    KortexMetrics toMetrics(LossType type) {
        double w = weightSum;
        double loss = lossSum / w;
        if (type == LossType.CROSS_ENTROPY) {
            return new KortexMetrics(rows, loss, correctWeight / w, Double.NaN, Double.NaN);
        }
        double rmse = Math.sqrt(squaredError / w);
        double mean = labelSum / w;
        double totalVariance = labelSquaredSum - w * mean * mean;
        double r2 = totalVariance > 0 ? 1 - squaredError / totalVariance : Double.NaN;
        return new KortexMetrics(rows, loss, Double.NaN, rmse, r2);
    }
}
