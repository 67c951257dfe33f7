package io.kortexdl.spark;

import io.kortexdl.kernels.Network;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Scores the rows of one partition in blocks of {@link MetricSums#CHUNK_ROWS}: one forward pass
 * (a GEMM per layer) per block instead of one per row, appending the output columns to each
 * input row.
 */
final class BatchScorer implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Which outputs to append, in Spark's order: rawPrediction, probability, prediction. */
    record Outputs(boolean raw, boolean probability, boolean prediction, boolean classification,
                   double[] thresholds) implements Serializable {
    }

    private final NetworkWeights weights;
    private final FeatureColumn features;
    private final int featuresIndex;
    private final Outputs outputs;

    BatchScorer(NetworkWeights weights, FeatureColumn features, int featuresIndex, Outputs outputs) {
        this.weights = weights;
        this.features = features;
        this.featuresIndex = featuresIndex;
        this.outputs = outputs;
    }

    /** The scored rows of one partition, produced lazily block by block. */
    Iterator<Row> score(Iterator<Row> rows, int partition) {
        Network network = weights.toNetwork();
        int inputs = weights.inputSize();
        int width = weights.outputSize();
        return new Iterator<>() {
            private final List<Row> pending = new ArrayList<>();
            private final float[] in = new float[MetricSums.CHUNK_ROWS * inputs];
            private Iterator<Row> ready = java.util.Collections.emptyIterator();
            private long rowNumber;

            @Override
            public boolean hasNext() {
                if (ready.hasNext()) {
                    return true;
                }
                if (!rows.hasNext()) {
                    return false;
                }
                pending.clear();
                while (rows.hasNext() && pending.size() < MetricSums.CHUNK_ROWS) {
                    Row row = rows.next();
                    features.read(row, featuresIndex, inputs, in, pending.size() * inputs,
                            "row " + rowNumber++ + " of partition " + partition);
                    pending.add(row);
                }
                int n = pending.size();
                float[] batchIn = n == MetricSums.CHUNK_ROWS ? in : java.util.Arrays.copyOf(in, n * inputs);
                float[] out = network.forwardBatch(batchIn, n);
                List<Row> scored = new ArrayList<>(n);
                for (int r = 0; r < n; r++) {
                    scored.add(append(pending.get(r), out, r * width, width));
                }
                ready = scored.iterator();
                return true;
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return ready.next();
            }
        };
    }

    private Row append(Row row, float[] out, int offset, int width) {
        int extra = (outputs.raw() ? 1 : 0) + (outputs.probability() ? 1 : 0) + (outputs.prediction() ? 1 : 0);
        Object[] values = new Object[row.length() + extra];
        for (int i = 0; i < row.length(); i++) {
            values[i] = row.get(i);
        }
        int at = row.length();
        if (!outputs.classification()) {
            if (outputs.prediction()) {
                values[at] = (double) out[offset];
            }
            return RowFactory.create(values);
        }
        double[] raw = new double[width];
        for (int j = 0; j < width; j++) {
            raw[j] = out[offset + j];
        }
        double[] probability = softmax(raw);
        if (outputs.raw()) {
            values[at++] = new DenseVector(raw);
        }
        if (outputs.probability()) {
            values[at++] = new DenseVector(probability);
        }
        if (outputs.prediction()) {
            values[at] = predict(probability, outputs.thresholds());
        }
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
