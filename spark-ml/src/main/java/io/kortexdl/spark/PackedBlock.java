package io.kortexdl.spark;

import io.kortexdl.kernels.SparseBatch;
import java.io.Serializable;

/**
 * One executor's share of a training set as contiguous arrays: features as dense row-major
 * float32 rows or as compressed sparse rows, labels (class index or regression target),
 * optional weights, and the same for the rows held out for validation. This is what training caches instead of a DataFrame of Vectors.
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

    /**
     * Rows of one kind (training or validation). Features are dense row-major float32 rows, or,
     * when {@link #rowStarts} is not null, compressed sparse rows: row {@code r}'s non-zeros are
     * {@code features[rowStarts[r] .. rowStarts[r+1])} at columns {@code indices[...]} (the
     * {@link FeatureStorage} a fit chose).
     */
    static final class Part implements Serializable {
        private static final long serialVersionUID = 2L;
        static final Part EMPTY = new Part(0, new float[0], new float[0], null);

        final int rows;
        /** Dense rows, or the non-zero values of sparse ones. */
        final float[] features;
        final float[] labels;
        /** Null when every row weighs 1. */
        final float[] weights;
        /** Sparse rows only: {@code rows + 1} offsets into {@link #features} and {@link #indices}; null when dense. */
        final int[] rowStarts;
        /** Sparse rows only: the column of each value; null when dense. */
        final int[] indices;

        Part(int rows, float[] features, float[] labels, float[] weights) {
            this(rows, features, labels, weights, null, null);
        }

        Part(int rows, float[] features, float[] labels, float[] weights, int[] rowStarts, int[] indices) {
            this.rows = rows;
            this.features = features;
            this.labels = labels;
            this.weights = weights;
            this.rowStarts = rowStarts;
            this.indices = indices;
        }

        boolean sparse() {
            return rowStarts != null;
        }

        /** The sparse rows as one batch of width {@code inputSize} (over these arrays, checked). */
        SparseBatch sparseRows(int inputSize) {
            return new SparseBatch(rows, inputSize, rowStarts, indices, features);
        }

        /**
         * Rows {@code [from, from + count)} of sparse rows as a batch of their own (copies of their
         * non-zeros).
         */
        SparseBatch sparseRows(int inputSize, int from, int count) {
            int first = rowStarts[from];
            int[] starts = new int[count + 1];
            for (int r = 0; r <= count; r++) {
                starts[r] = rowStarts[from + r] - first;
            }
            int end = rowStarts[from + count];
            return new SparseBatch(count, inputSize, starts, java.util.Arrays.copyOfRange(indices, first, end),
                    java.util.Arrays.copyOfRange(features, first, end));
        }

        /** Stored feature values: every value when dense, the non-zeros when sparse. */
        long storedValues() {
            return features.length;
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
                maxLabelWhere, mean, squaredDeviations, train.storedValues() + validation.storedValues());
    }

    /**
     * What the driver learns about a block after packing.
     *
     * @param labelMean mean of the training labels (Welford's update, in row order)
     * @param labelSquaredDeviations sum of the training labels' squared deviations from {@code labelMean}
     * @param storedValues feature values held, training and validation: every value when dense, the non-zeros when sparse
     */
    record Summary(int block, int inputSize, int trainRows, int validationRows, double trainWeight, String error,
                   double maxLabel, String maxLabelWhere, double labelMean, double labelSquaredDeviations,
                   long storedValues)
            implements Serializable {
    }
}
