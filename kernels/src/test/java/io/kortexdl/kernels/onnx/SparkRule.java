package io.kortexdl.kernels.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spark's classification rules, computed independently of the export in double precision: the
 * softmax, and the predicted class (the largest probability, or with thresholds the largest
 * {@code p / t}, a zero threshold winning, the first class on ties).
 */
public final class SparkRule {
    private SparkRule() {
    }

    /** Spark's softmax, in double precision, of each {@code width}-wide row of logits. */
    public static float[] softmaxRows(float[] logits, int width) {
        float[] p = new float[logits.length];
        for (int r = 0; r < logits.length / width; r++) {
            double[] row = sparkProbability(logits, r * width, width);
            for (int j = 0; j < width; j++) {
                p[r * width + j] = (float) row[j];
            }
        }
        return p;
    }

    private static double[] sparkProbability(float[] logits, int offset, int width) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < width; j++) {
            max = Math.max(max, logits[offset + j]);
        }
        double sum = 0;
        double[] p = new double[width];
        for (int j = 0; j < width; j++) {
            p[j] = Math.exp(logits[offset + j] - max);
            sum += p[j];
        }
        for (int j = 0; j < width; j++) {
            p[j] /= sum;
        }
        return p;
    }

    /**
     * Asserts the runtime's predictions are Spark's rule applied to our logits (the largest
     * probability, or the largest {@code p / t}, first on ties; a zero threshold wins), for every
     * row whose two best scores are further apart than the rounding of two float32 forward passes.
     *
     * @return how many rows were near ties, and not checked
     */
    public static int assertPredictions(float[] logits, int width, double[] thresholds, long[] predicted, String what) {
        int rows = logits.length / width;
        assertEquals(rows, predicted.length, what + ": one prediction per row");
        int close = 0;
        for (int r = 0; r < rows; r++) {
            double[] p = sparkProbability(logits, r * width, width);
            int best = 0;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < width; j++) {
                double score = thresholds == null ? p[j]
                        : thresholds[j] == 0 ? Double.POSITIVE_INFINITY : p[j] / thresholds[j];
                if (score > bestScore) {
                    bestScore = score;
                    best = j;
                }
            }
            boolean tooClose = Double.isFinite(bestScore) && nearTie(logits, r * width, width, thresholds, best);
            if (tooClose) {
                close++;
            } else {
                assertEquals(best, predicted[r], what + ": row " + r);
            }
        }
        assertTrue(close <= 1 + rows / 100,
                what + ": " + close + " rows are near ties, too many for the check to mean much");
        return close;
    }

    /**
     * Whether another class's log-score {@code z_j - ln t_j} comes within twice the bound's rounding
     * of the best class's: each logit may be off by {@code RELATIVE x max(1, |z|)}.
     */
    private static boolean nearTie(float[] logits, int offset, int width, double[] thresholds, int best) {
        double bestLog = logits[offset + best] - (thresholds == null ? 0 : Math.log(thresholds[best]));
        for (int j = 0; j < width; j++) {
            if (j == best) {
                continue;
            }
            double log = logits[offset + j] - (thresholds == null ? 0 : Math.log(thresholds[j]));
            double rounding = OnnxBound.RELATIVE * (Math.max(1, Math.abs(logits[offset + best]))
                    + Math.max(1, Math.abs(logits[offset + j])));
            if (bestLog - log <= rounding) {
                return true;
            }
        }
        return false;
    }
}
