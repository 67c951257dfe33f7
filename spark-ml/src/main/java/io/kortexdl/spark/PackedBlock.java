package io.kortexdl.spark;

import java.io.Serializable;

/**
 * One executor's share of a training set as contiguous float32 arrays: features row-major,
 * labels (class index or regression target), optional weights, and the same for the rows held
 * out for validation. This is what training caches instead of a DataFrame of Vectors.
 *
 * <p>Packing never throws for bad data: the first problem found is recorded in {@link #error}
 * and packing stops, so the driver can raise one clear {@code IllegalArgumentException}.
 */
final class PackedBlock implements Serializable {
    private static final long serialVersionUID = 1L;

    final int block;
    final int inputSize;
    final Part train;
    final Part validation;
    /** The first problem found in this block, or null. */
    final String error;
    /** Largest label seen, and where, for the class-count check. */
    final double maxLabel;
    final String maxLabelWhere;

    PackedBlock(int block, int inputSize, Part train, Part validation, String error, double maxLabel,
                String maxLabelWhere) {
        this.block = block;
        this.inputSize = inputSize;
        this.train = train;
        this.validation = validation;
        this.error = error;
        this.maxLabel = maxLabel;
        this.maxLabelWhere = maxLabelWhere;
    }

    /** Rows of one kind (training or validation). */
    static final class Part implements Serializable {
        private static final long serialVersionUID = 1L;
        static final Part EMPTY = new Part(0, new float[0], new float[0], null);

        final int rows;
        final float[] features;
        final float[] labels;
        /** Null when every row weighs 1. */
        final float[] weights;

        Part(int rows, float[] features, float[] labels, float[] weights) {
            this.rows = rows;
            this.features = features;
            this.labels = labels;
            this.weights = weights;
        }

        /** Sum of the row weights (the row count when unweighted). */
        double weightSum() {
            if (weights == null) {
                return rows;
            }
            double sum = 0;
            for (float w : weights) {
                sum += w;
            }
            return sum;
        }
    }

    /** The block's counts and problems without its arrays, for the driver. */
    Summary summary() {
        double mean = 0;
        double squaredDeviations = 0;
        for (int r = 0; r < train.rows; r++) {
            double delta = train.labels[r] - mean;
            mean += delta / (r + 1);
            squaredDeviations += delta * (train.labels[r] - mean);
        }
        return new Summary(block, inputSize, train.rows, validation.rows, train.weightSum(), error, maxLabel,
                maxLabelWhere, mean, squaredDeviations);
    }

    /**
     * What the driver learns about a block after packing.
     *
     * @param labelMean mean of the training labels (Welford's update, in row order)
     * @param labelSquaredDeviations sum of the training labels' squared deviations from {@code labelMean}
     */
    record Summary(int block, int inputSize, int trainRows, int validationRows, double trainWeight, String error,
                   double maxLabel, String maxLabelWhere, double labelMean, double labelSquaredDeviations)
            implements Serializable {
    }
}
