package io.kortexdl.kernels;

import java.util.SplittableRandom;

/** How a network's weights are drawn at construction; biases always start at zero. */
public enum WeightInit {
    /** He (Kaiming) normal: {@code N(0, 2 / fanIn)}; the default for ReLU networks. */
    HE,
    /** Glorot (Xavier) normal: {@code N(0, 2 / (fanIn + fanOut))}; the default for tanh and sigmoid. */
    XAVIER;

    /**
     * Fills a parameter vector laid out as {@code layout} describes, deterministically from
     * {@code seed} (the same seed gives the same bits on every JVM).
     *
     * @return a new array of {@code layout.parameterCount()} values
     */
    public float[] initialize(ParameterLayout layout, long seed) {
        float[] params = new float[layout.parameterCount()];
        SplittableRandom random = new SplittableRandom(seed);
        for (int l = 0; l < layout.layerCount(); l++) {
            int fanIn = layout.fanIn(l);
            int fanOut = layout.fanOut(l);
            double std = this == HE ? Math.sqrt(2.0 / fanIn) : Math.sqrt(2.0 / (fanIn + fanOut));
            int offset = layout.weightOffset(l);
            for (int i = 0; i < fanIn * fanOut; i++) {
                params[offset + i] = (float) (random.nextGaussian() * std);
            }
        }
        return params;
    }
}
