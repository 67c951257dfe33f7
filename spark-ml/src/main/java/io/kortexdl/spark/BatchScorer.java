package io.kortexdl.spark;

import java.io.Serializable;
import java.util.Iterator;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Scores the rows of one partition in blocks of {@link ChunkForward#ROWS}: one forward pass
 * (a GEMM per layer) per block instead of one per row, appending the output columns to each
 * input row.
 */
final class BatchScorer implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Which outputs to append, in Spark's order: rawPrediction, probability, prediction. */
    record Outputs(boolean raw, boolean probability, boolean prediction, boolean classification,
                   double[] thresholds) implements Serializable {

        /**
         * The appended values of one row whose network outputs are {@code out[offset .. offset + width)}:
         * vectors made by {@code vector} (external or internal form) and the prediction as a double.
         */
        Object[] values(float[] out, int offset, int width, java.util.function.Function<double[], Object> vector) {
            Object[] values = new Object[(raw ? 1 : 0) + (probability ? 1 : 0) + (prediction ? 1 : 0)];
            if (!classification) {
                if (prediction) {
                    values[0] = (double) out[offset];
                }
                return values;
            }
            double[] logits = new double[width];
            for (int j = 0; j < width; j++) {
                logits[j] = out[offset + j];
            }
            double[] p = softmax(logits);
            int at = 0;
            if (raw) {
                values[at++] = vector.apply(logits);
            }
            if (probability) {
                values[at++] = vector.apply(p);
            }
            if (prediction) {
                values[at] = predict(p, thresholds);
            }
            return values;
        }
    }

    private final Broadcast<NetworkWeights> weights;
    private final FeatureColumn features;
    private final int featuresIndex;
    private final Outputs outputs;

    BatchScorer(Broadcast<NetworkWeights> weights, FeatureColumn features, int featuresIndex, Outputs outputs) {
        this.weights = weights;
        this.features = features;
        this.featuresIndex = featuresIndex;
        this.outputs = outputs;
    }

    /** The scored rows of one partition, produced lazily block by block. */
    Iterator<Row> score(Iterator<Row> rows, int partition) {
        int inputs = weights.value().inputSize();
        return new BlockScoringIterator<>(rows, weights.value(), new BlockScoringIterator.RowKind<Row>() {
            @Override
            public void readFeatures(Row row, long number, CsrRows sink) {
                features.readSparse(row, featuresIndex, inputs, sink, "row " + number + " of partition " + partition);
            }

            @Override
            public Row keep(Row row) {
                return row;
            }

            @Override
            public Row emit(Row row, float[] out, int offset, int width) {
                return append(row, out, offset, width);
            }
        });
    }

    private Row append(Row row, float[] out, int offset, int width) {
        Object[] extra = outputs.values(out, offset, width, DenseVector::new);
        Object[] values = new Object[row.length() + extra.length];
        for (int i = 0; i < row.length(); i++) {
            values[i] = row.get(i);
        }
        System.arraycopy(extra, 0, values, row.length(), extra.length);
        return RowFactory.create(values);
    }

    /** Softmax of logits, computed stably in double precision. */
    static double[] softmax(double[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] p = new double[logits.length];
        for (int j = 0; j < logits.length; j++) {
            p[j] = Math.exp(logits[j] - max);
            sum += p[j];
        }
        for (int j = 0; j < p.length; j++) {
            p[j] /= sum;
        }
        return p;
    }

    /**
     * The predicted class: the most probable one or, with thresholds, the largest
     * {@code p / threshold} as Spark's classifiers do (a zero threshold wins outright).
     */
    static double predict(double[] probability, double[] thresholds) {
        int best = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < probability.length; j++) {
            double score = thresholds == null ? probability[j]
                    : thresholds[j] == 0 ? Double.POSITIVE_INFINITY : probability[j] / thresholds[j];
            if (score > bestScore) {
                bestScore = score;
                best = j;
            }
        }
        return best;
    }
}
