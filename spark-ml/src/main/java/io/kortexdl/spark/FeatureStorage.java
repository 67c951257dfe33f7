package io.kortexdl.spark;

import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;

/**
 * How the features of a fit are packed, and how a block of rows runs the first layer when
 * scored: as dense float32 rows (GEMMs) or as compressed sparse rows (the sparse first layer,
 * whose cost is non-zeros x width).
 *
 * <p><b>The rule.</b> Sparse when at most {@link #MAX_SPARSE_DENSITY} of the feature values are
 * non-zero, dense otherwise. A fit measures the density on its first {@link #SAMPLE_ROWS} rows
 * before packing (one small Spark job that returns a number per row); scoring measures each
 * block of rows it reads. Below that density the compressed rows are at least 5x smaller than
 * dense ones (8 bytes per non-zero against 4 per value) and the sparse first layer is faster than
 * the GEMM; a {@code HashingTF} column (2^18 wide, tens of non-zeros) is about 0.02 % dense, a
 * one-hot column of {@code k} categories {@code 1/k}, Fashion-MNIST's pixels 50 %.
 */
enum FeatureStorage {
    DENSE, SPARSE;

    /** The largest fraction of non-zero values stored sparse. */
    static final double MAX_SPARSE_DENSITY = 0.1;
    /** Rows a fit reads to measure the density. */
    static final int SAMPLE_ROWS = 1024;

    /** The storage for features of which {@code nonZeros} of {@code values} are not 0. */
    static FeatureStorage forDensity(long nonZeros, long values) {
        return values > 0 && nonZeros <= MAX_SPARSE_DENSITY * values ? SPARSE : DENSE;
    }

    /**
     * What the first rows of a dataset's features look like.
     *
     * @param inputSize features per row of the first readable row, or -1 when none was readable
     * @param rows rows measured
     * @param nonZeros their non-zero values
     */
    record Sample(int inputSize, long rows, long nonZeros) {

        /** The storage the rule chooses for these rows (dense when nothing was readable). */
        FeatureStorage storage() {
            return inputSize < 0 ? DENSE : forDensity(nonZeros, rows * (long) inputSize);
        }

        /**
         * Bytes a packed row of these takes, about: its features (all of them dense, 8 bytes per
         * non-zero sparse), its label and its weight; 4 KiB when nothing was readable.
         */
        long rowBytes() {
            if (inputSize < 0) {
                return 4096;
            }
            long values = storage() == SPARSE ? 8 * Math.max(1, nonZeros / Math.max(1, rows)) : 4L * inputSize;
            return values + 8;
        }

        /** For log lines: "0.02 % of 262144 features non-zero". */
        String describe() {
            return inputSize < 0 ? "no readable row" : String.format(Locale.ROOT, "%.3f %% of %d features non-zero"
                    + " in the first %d rows", 100.0 * nonZeros / Math.max(1, rows * (long) inputSize), inputSize, rows);
        }
    }

    /**
     * Measures the first {@link #SAMPLE_ROWS} rows of {@code column}; rows that cannot be read
     * (null, mistyped) are skipped here and reported by packing, which reads every row. Each row
     * becomes one long before the limit, so Spark reads partitions only until it has the rows and
     * the driver receives 8 bytes a row, however wide the vectors.
     */
    static Sample measure(Dataset<?> dataset, FeatureColumn column) {
        List<Long> shapes = dataset.select(dataset.col(column.name())).map((MapFunction<Row, Long>) row -> {
            long[] shape = column.shape(row, 0);
            return shape == null ? -1L : shape[0] << 32 | shape[1];
        }, Encoders.LONG()).limit(SAMPLE_ROWS).collectAsList();
        int inputSize = -1;
        long rows = 0;
        long nonZeros = 0;
        for (long packed : shapes) {
            int size = (int) (packed >>> 32);
            if (packed < 0 || (inputSize >= 0 && size != inputSize)) {
                continue;
            }
            inputSize = size;
            rows++;
            nonZeros += packed & 0xFFFFFFFFL;
        }
        return new Sample(inputSize, rows, nonZeros);
    }
}
