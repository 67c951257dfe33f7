package io.kortexdl.examples.data;

/**
 * A labelled data set in memory: row-major features and integer class labels, with the one-hot
 * targets the kernels train on.
 *
 * @param features {@code rows x featureCount} row-major
 * @param labels one class index per row, {@code 0 <= label < classes}
 */
public record LabeledData(float[] features, int[] labels, int featureCount, int classes) {

    /** Number of rows. */
    public int rows() {
        return labels.length;
    }

    /** One-hot targets, {@code rows x classes} row-major. */
    public float[] oneHot() {
        float[] targets = new float[labels.length * classes];
        for (int r = 0; r < labels.length; r++) {
            targets[r * classes + labels[r]] = 1f;
        }
        return targets;
    }

    /** The first {@code n} rows (all of them if {@code n >= rows()}). */
    public LabeledData head(int n) {
        int rows = Math.min(n, rows());
        return new LabeledData(java.util.Arrays.copyOf(features, rows * featureCount),
                java.util.Arrays.copyOf(labels, rows), featureCount, classes);
    }

    /** Fraction of rows whose largest output is the label; {@code outputs} is {@code rows x classes}. */
    public double accuracy(float[] outputs) {
        int correct = 0;
        for (int r = 0; r < labels.length; r++) {
            int best = 0;
            for (int j = 1; j < classes; j++) {
                if (outputs[r * classes + j] > outputs[r * classes + best]) {
                    best = j;
                }
            }
            if (best == labels[r]) {
                correct++;
            }
        }
        return (double) correct / labels.length;
    }
}
