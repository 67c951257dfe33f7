package io.kortexdl.spark;

import io.kortexdl.kernels.ParameterLayout;
import java.io.Serializable;

/**
 * How {@link KortexRegressor} standardizes its label: the network trains on
 * {@code (label - offset) / scale}, with the mean and the standard deviation of the training
 * labels, so the step size, the initialisation and the loss mean the same whatever the label's
 * units (a price in cents or in millions). The trained network is then turned back to the
 * label's units by folding the scaling into its linear output layer ({@link #toLabelUnits}): the
 * model predicts, saves and loads exactly like any network, and models saved before label
 * scaling existed load unchanged. Classification uses {@link #IDENTITY}.
 *
 * @param offset subtracted from each label (the mean)
 * @param scale the label is divided by it (the standard deviation; 1 when the label is constant)
 */
record LabelScaling(double offset, double scale) implements Serializable {
    /** No scaling: the labels are class indices. */
    static final LabelScaling IDENTITY = new LabelScaling(0, 1);

    /**
     * The scaling of labels whose count, mean and sum of squared deviations from the mean are given.
     */
    static LabelScaling fromMoments(long rows, double mean, double squaredDeviations) {
        if (rows == 0 || !Double.isFinite(mean) || !Double.isFinite(squaredDeviations)) {
            return IDENTITY;
        }
        double deviation = Math.sqrt(squaredDeviations / rows);
        return new LabelScaling(mean, deviation > 0 && Double.isFinite(deviation) ? deviation : 1);
    }

    /** The standardized value of {@code label}. */
    float standardize(float label) {
        return (float) ((label - offset) / scale);
    }

    /** A mean squared error on standardized labels, in the label's squared units. */
    double squaredErrorInLabelUnits(double standardizedSquaredError) {
        return standardizedSquaredError * scale * scale;
    }

    /**
     * Parameters of a single-output network trained on standardized labels, turned into one that
     * predicts the label itself: the output layer's weights times {@code scale}, its bias times
     * {@code scale} plus {@code offset}. Returns a new array (a plain copy for {@link #IDENTITY},
     * whatever the output count).
     */
    float[] toLabelUnits(int[] layerSizes, float[] parameters) {
        return affineOutput(layerSizes, parameters, scale, offset);
    }

    /** The inverse of {@link #toLabelUnits}: a label-unit network (a warm start) as one on standardized labels. */
    float[] toStandardUnits(int[] layerSizes, float[] parameters) {
        return affineOutput(layerSizes, parameters, 1 / scale, -offset / scale);
    }

    private static float[] affineOutput(int[] layerSizes, float[] parameters, double multiply, double add) {
        if (multiply == 1 && add == 0) {
            return parameters.clone();
        }
        if (layerSizes[layerSizes.length - 1] != 1) {
            throw new IllegalStateException("label scaling needs one output, got " + layerSizes[layerSizes.length - 1]);
        }
        ParameterLayout layout = new ParameterLayout(layerSizes);
        int last = layout.layerCount() - 1;
        float[] out = parameters.clone();
        int bias = layout.biasOffset(last);
        for (int i = layout.weightOffset(last); i < bias; i++) {
            out[i] = (float) (out[i] * multiply);
        }
        out[bias] = (float) (out[bias] * multiply + add);
        return out;
    }
}
