package io.kortexdl.examples.jobs;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Counts of (true label, prediction) pairs of a scored DataFrame, computed by Spark. */
public record ConfusionMatrix(long[][] counts) {

    /**
     * Counts {@code label} against {@code prediction} in {@code scored}.
     *
     * @param classes labels and predictions must lie in {@code [0, classes)}
     * @throws IllegalArgumentException naming the pair when a label or prediction lies outside
     */
    public static ConfusionMatrix of(Dataset<Row> scored, int classes) {
        long[][] counts = new long[classes][classes];
        for (Row row : scored.groupBy("label", "prediction").count().collectAsList()) {
            double label = row.getDouble(0);
            double prediction = row.getDouble(1);
            if (label < 0 || label >= classes || prediction < 0 || prediction >= classes) {
                throw new IllegalArgumentException("label " + label + " / prediction " + prediction
                        + " outside [0, " + classes + ")");
            }
            counts[(int) label][(int) prediction] = row.getLong(2);
        }
        return new ConfusionMatrix(counts);
    }

    /** A text table, one row per true class, labelled with {@code names}. */
    public String format(String[] names) {
        StringBuilder out = new StringBuilder(String.format("%12s", ""));
        for (int j = 0; j < counts.length; j++) {
            out.append(String.format("%6d", j));
        }
        out.append('\n');
        for (int i = 0; i < counts.length; i++) {
            out.append(String.format("%12s", names[i]));
            for (long n : counts[i]) {
                out.append(String.format("%6d", n));
            }
            out.append('\n');
        }
        return out.toString();
    }
}
