package io.kortexdl.kernels.onnx;

import io.kortexdl.kernels.Activation;
import io.kortexdl.kernels.ParameterLayout;
import io.kortexdl.kernels.onnx.OnnxGraph.Dimension;
import io.kortexdl.kernels.onnx.OnnxGraph.ElementType;
import io.kortexdl.kernels.onnx.OnnxGraph.IntAttribute;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Lays a network out as ONNX nodes: each layer a {@code Gemm} (weights {@code [fanIn, fanOut]},
 * as {@link ParameterLayout} stores them, so no transpose) and its activation, or for a sparse
 * input a gather-and-sum of the first layer's weight rows; then the head's outputs.
 */
final class NetworkGraph {
    static final String BATCH = "batch";
    static final String NONZEROS = "nonzeros";

    private final OnnxGraph graph;
    private final float[] parameters;
    private final ParameterLayout layout;
    private final Activation hidden;
    private final Activation output;
    private final Set<String> axisConstants = new HashSet<>();

    private NetworkGraph(OnnxGraph graph, float[] parameters, ParameterLayout layout, Activation hidden,
                         Activation output) {
        this.graph = graph;
        this.parameters = parameters;
        this.layout = layout;
        this.hidden = hidden;
        this.output = output;
    }

    /** The graph of a network whose arguments {@link OnnxExport} has checked against each other. */
    static OnnxGraph build(float[] parameters, ParameterLayout layout, Activation hidden, Activation output,
                           OnnxHead head, OnnxInput input, double[] thresholds, String doc) {
        NetworkGraph g = new NetworkGraph(new OnnxGraph("kortexdl_mlp", doc), parameters, layout, hidden, output);
        g.declareInputs(input);
        String last = g.layers(input, head == OnnxHead.MULTICLASS ? "rawPrediction" : "network_output");
        switch (head) {
            case OUTPUTS -> g.outputs(last);
            case MULTICLASS -> g.multiclass(last, thresholds);
            case BINARY -> g.binary(last, thresholds);
            case REGRESSION -> g.regression(last);
            default -> throw new AssertionError(head);
        }
        return g.graph;
    }

    private void declareInputs(OnnxInput input) {
        Dimension batch = Dimension.named(BATCH);
        if (input == OnnxInput.DENSE) {
            graph.input("features", ElementType.FLOAT, "one row of " + layout.inputSize() + " features per example",
                    batch, Dimension.of(layout.inputSize()));
        } else {
            graph.input("indices", ElementType.INT64, "indices in [0, " + layout.inputSize()
                    + ") of each row's non-zeros, padded with 0", batch, Dimension.named(NONZEROS));
            graph.input("values", ElementType.FLOAT, "the values at indices, padded with 0", batch,
                    Dimension.named(NONZEROS));
        }
    }

    /** Every layer; returns the name of the last one's output, which is {@code lastName}. */
    private String layers(OnnxInput input, String lastName) {
        int count = layout.layerCount();
        String h = "features";
        for (int l = 0; l < count; l++) {
            boolean last = l == count - 1;
            Activation activation = last ? output : hidden;
            String linear = last && activation == Activation.IDENTITY ? lastName : "layer" + l + "_linear";
            h = l == 0 && input == OnnxInput.SPARSE ? sparseFirstLayer(linear)
                    : graph.node("Gemm", List.of(h, weights(l), bias(l)), linear);
            h = activate(h, activation, l, last ? lastName : null);
        }
        return h;
    }

    /**
     * The first layer over the non-zeros: {@code Gather} picks the weight row of each index
     * ({@code [N, K, H]}), {@code Mul} scales it by the value, {@code ReduceSum} adds the rows up,
     * and the bias is added. Padding (index 0, value 0) adds zero.
     */
    private String sparseFirstLayer(String name) {
        String rows = graph.node("Gather", List.of(weights(0), "indices"), "layer0_rows",
                new IntAttribute("axis", 0));
        String column = graph.node("Unsqueeze", List.of("values", axes(2)), "values_column");
        String scaled = graph.node("Mul", List.of(rows, column), "layer0_scaled_rows");
        String summed = graph.node("ReduceSum", List.of(scaled, axes(1)), "layer0_product",
                new IntAttribute("keepdims", 0));
        return graph.node("Add", List.of(summed, bias(0)), name);
    }

    /** The name of a one-element int64 constant holding {@code axis}, declared on first use. */
    private String axes(long axis) {
        String name = "axis_" + axis;
        if (axisConstants.add(name)) {
            graph.int64Constant(name, new long[] {axis}, 1);
        }
        return name;
    }

    private String weights(int l) {
        String name = "layer" + l + "_weights";
        graph.floatConstant(name, parameters, layout.weightOffset(l), layout.fanIn(l), layout.fanOut(l));
        return name;
    }

    private String bias(int l) {
        String name = "layer" + l + "_bias";
        graph.floatConstant(name, parameters, layout.biasOffset(l), layout.fanOut(l));
        return name;
    }

    /** Applies {@code activation} to {@code in}; the result is named {@code name}, or after the layer. */
    private String activate(String in, Activation activation, int layer, String name) {
        String op = switch (activation) {
            case IDENTITY -> null;
            case RELU -> "Relu";
            case TANH -> "Tanh";
            case SIGMOID -> "Sigmoid";
        };
        if (op == null) {
            return in;
        }
        String output = name != null ? name : "layer" + layer + "_" + op.toLowerCase(Locale.ROOT);
        return graph.node(op, List.of(in), output);
    }

    private void outputs(String last) {
        graph.node("Identity", List.of(last), "output");
        graph.output("output", ElementType.FLOAT, "the network's outputs", Dimension.named(BATCH),
                Dimension.of(layout.outputSize()));
    }

    private void multiclass(String logits, double[] thresholds) {
        Dimension batch = Dimension.named(BATCH);
        Dimension classes = Dimension.of(layout.outputSize());
        graph.node("Softmax", List.of(logits), "probability", new IntAttribute("axis", 1));
        predictArgMax(thresholds == null ? logits : thresholdScores(logits, thresholds));
        graph.output("rawPrediction", ElementType.FLOAT, "logits", batch, classes);
        graph.output("probability", ElementType.FLOAT, "softmax of the logits", batch, classes);
        graph.output("prediction", ElementType.INT64, "predicted class index", batch);
    }

    private void binary(String logit, double[] thresholds) {
        Dimension batch = Dimension.named(BATCH);
        Dimension two = Dimension.of(2);
        String negated = graph.node("Neg", List.of(logit), "negated_logit");
        graph.node("Concat", List.of(negated, logit), "rawPrediction", new IntAttribute("axis", 1));
        graph.floatConstant("one", new float[] {1f}, 0, 1);
        String positive = graph.node("Sigmoid", List.of(logit), "positive_probability");
        String negative = graph.node("Sub", List.of("one", positive), "negative_probability");
        graph.node("Concat", List.of(negative, positive), "probability", new IntAttribute("axis", 1));
        // Class 0's log-odds against itself is 0, class 1's is z: argmax of (0, z) is Spark's
        // "z > 0", and thresholds shift both as for several classes.
        graph.int64Constant("pad_before_column", new long[] {0, 1, 0, 0}, 4);
        String scores = graph.node("Pad", List.of(logit, "pad_before_column"), "log_odds");
        predictArgMax(thresholds == null ? scores : thresholdScores(scores, thresholds));
        graph.output("rawPrediction", ElementType.FLOAT, "(-logit, logit)", batch, two);
        graph.output("probability", ElementType.FLOAT, "(1 - sigmoid(logit), sigmoid(logit))", batch, two);
        graph.output("prediction", ElementType.INT64, "predicted class index, 0 or 1", batch);
    }

    /**
     * {@code argmax_j p_j / t_j} as {@code argmax_j (z_j - ln t_j)}: the softmax's common
     * denominator cancels, a zero threshold gives {@code +inf} and wins as in Spark, and the sum
     * runs in float64 so that rounding cannot reorder two classes that float64 division keeps apart.
     */
    private String thresholdScores(String logits, double[] thresholds) {
        double[] shift = new double[thresholds.length];
        for (int j = 0; j < shift.length; j++) {
            shift[j] = -Math.log(thresholds[j]);
        }
        graph.doubleConstant("threshold_shift", shift, shift.length);
        String wide = graph.node("Cast", List.of(logits), "scores_float64",
                new IntAttribute("to", ElementType.DOUBLE.code));
        return graph.node("Add", List.of(wide, "threshold_shift"), "threshold_scores");
    }

    private void predictArgMax(String scores) {
        graph.node("ArgMax", List.of(scores), "prediction", new IntAttribute("axis", 1),
                new IntAttribute("keepdims", 0), new IntAttribute("select_last_index", 0));
    }

    private void regression(String last) {
        graph.node("Squeeze", List.of(last, axes(1)), "prediction");
        graph.output("prediction", ElementType.FLOAT, "predicted value", Dimension.named(BATCH));
    }
}
