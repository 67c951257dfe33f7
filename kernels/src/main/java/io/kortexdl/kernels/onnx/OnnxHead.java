package io.kortexdl.kernels.onnx;

/**
 * What an exported graph puts out after the network's last layer. The classifier and regression
 * heads name their outputs like the columns of KortexDL's Spark models, so serving code reads the
 * same names it saw in a DataFrame; {@code N} is the symbolic batch dimension {@code batch}.
 */
public enum OnnxHead {
    /**
     * The network's outputs after its output activation, as {@code Network.forward} returns them:
     * {@code output}, float {@code [N, outputSize]}.
     */
    OUTPUTS,
    /**
     * A softmax classifier over {@code C >= 2} outputs, which must be logits (identity output
     * activation, as cross-entropy trains them):
     * {@code rawPrediction} float {@code [N, C]} (the logits), {@code probability} float
     * {@code [N, C]} (softmax) and {@code prediction} int64 {@code [N]}: the class of the largest
     * logit, the first on ties, or with thresholds the largest {@code probability / threshold},
     * as Spark's classifiers choose.
     */
    MULTICLASS,
    /**
     * A binary classifier with one output, a logit (identity output activation, as binary
     * cross-entropy trains it), laid out as Spark's binary logistic regression:
     * {@code rawPrediction} float {@code [N, 2]} = {@code (-z, z)}, {@code probability} float
     * {@code [N, 2]} = {@code (1 - sigmoid(z), sigmoid(z))} and {@code prediction} int64 {@code [N]}:
     * 1 where {@code z > 0}, or with thresholds {@code (t0, t1)} where
     * {@code p1 / t1 > p0 / t0}.
     */
    BINARY,
    /** One output, the predicted value: {@code prediction}, float {@code [N]}. */
    REGRESSION
}
