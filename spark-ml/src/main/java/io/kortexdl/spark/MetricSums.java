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
     * {@link LossType#CROSS_ENTROPY}, squared error otherwise; each row counts with its weight. The
     * rows run through the network {@link ChunkForward#ROWS} at a time in row order, across the
     * part's chunks, so the figures do not depend on how the part is chunked or where it is stored.
     *
     * @param block the part's block, for messages
     * @throws io.kortexdl.spark.executor.ChunkUnavailableException when a chunk on disk is lost or corrupt
     */
    void addPart(Network network, PackedBlock.Part part, int block, LossType loss) {
        int inputs = network.inputSize();
        int group = ChunkForward.ROWS;
        float[] dense = part.sparse ? null : new float[group * inputs];
        CsrRows sparse = part.sparse ? new CsrRows(group * 16) : null;
        float[] labels = new float[group];
        float[] weights = null;
        java.nio.ByteBuffer buffer = part.onDisk() ? java.nio.ByteBuffer.allocateDirect(part.largestChunkBytes()) : null;
        float[] decoded = null;
        int n = 0;
        for (int c = 0; c < part.chunkCount(); c++) {
            RowChunk chunk = part.chunk(c, block, buffer, decoded);
            if (part.onDisk() && !part.sparse) {
                decoded = chunk.features();
            }
            if (chunk.weights() != null && weights == null) {
                weights = new float[group];
            }
            for (int r = 0; r < chunk.rows(); r++) {
                if (part.sparse) {
                    for (int k = chunk.rowStarts()[r]; k < chunk.rowStarts()[r + 1]; k++) {
                        sparse.add(chunk.indices()[k], chunk.features()[k]);
                    }
                    sparse.endRow();
                } else {
                    System.arraycopy(chunk.features(), r * inputs, dense, n * inputs, inputs);
                }
                labels[n] = chunk.labels()[r];
                if (weights != null) {
                    weights[n] = chunk.weights()[r];
                }
                if (++n == group) {
                    addGroup(network, dense, sparse, n, labels, weights, loss);
                    n = 0;
                }
            }
        }
        if (n > 0) {
            addGroup(network, dense, sparse, n, labels, weights, loss);
        }
    }

    private void addGroup(Network network, float[] dense, CsrRows sparse, int n, float[] labels, float[] weights,
                          LossType loss) {
        float[] out = sparse != null ? ChunkForward.sparse(network, sparse.batch(network.inputSize()))
                : ChunkForward.dense(network, dense, 0, n);
        addOutputs(out, network.outputSize(), labels, weights, 0, n, loss);
        if (sparse != null) {
            sparse.clear();
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
