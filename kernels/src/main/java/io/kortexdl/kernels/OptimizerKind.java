package io.kortexdl.kernels;

import java.util.Arrays;

/** The optimizers the engine ships, with the hyper-parameters each takes and their defaults. */
public enum OptimizerKind {
    /** Plain stochastic gradient descent: {@code p -= lr * g}. No hyper-parameters. */
    SGD(new float[0]),
    /** Heavy-ball momentum as in PyTorch: {@code v = mu v + g; p -= lr v}. Hyper-parameters: {@code mu} (0.9). */
    MOMENTUM(new float[] {0.9f}),
    /** Adam with bias correction, as in PyTorch. Hyper-parameters: {@code beta1} (0.9), {@code beta2} (0.999), {@code epsilon} (1e-8). */
    ADAM(new float[] {0.9f, 0.999f, 1e-8f});

    private final float[] defaults;

    OptimizerKind(float[] defaults) {
        this.defaults = defaults;
    }

    /** A copy of the default hyper-parameters. */
    public float[] defaultHyperParameters() {
        return defaults.clone();
    }

    /**
     * A fresh optimizer of this kind for {@code parameterCount} parameters.
     *
     * @param hyperParameters as many values as {@link #defaultHyperParameters()} has
     * @throws IllegalArgumentException on a wrong count or out-of-range value
     */
    public Optimizer create(float[] hyperParameters, int parameterCount) {
        if (hyperParameters == null || hyperParameters.length != defaults.length) {
            throw new IllegalArgumentException("hyperParameters for " + this + ": expected " + defaults.length
                    + " values, got " + (hyperParameters == null ? "null" : Arrays.toString(hyperParameters)));
        }
        switch (this) {
            case SGD:
                return new SgdOptimizer();
            case MOMENTUM:
                return new MomentumOptimizer(hyperParameters[0], parameterCount);
            case ADAM:
                return new AdamOptimizer(hyperParameters[0], hyperParameters[1], hyperParameters[2], parameterCount);
            default:
                throw new AssertionError(this);
        }
    }

    static void checkUnitInterval(String name, float value) {
        if (!(value >= 0f && value < 1f)) {
            throw new IllegalArgumentException(name + ": expected a value in [0, 1), got " + value);
        }
    }
}
