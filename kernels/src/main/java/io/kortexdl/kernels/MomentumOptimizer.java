package io.kortexdl.kernels;

/** SGD with heavy-ball momentum (PyTorch's form): {@code v = mu v + g; p -= lr v}. */
public final class MomentumOptimizer implements Optimizer {
    private final float momentum;
    private final float[] velocity;

    /**
     * @param momentum {@code mu}, in [0, 1)
     * @param parameterCount length of the parameter vector
     */
    public MomentumOptimizer(float momentum, int parameterCount) {
        OptimizerKind.checkUnitInterval("momentum", momentum);
        this.momentum = momentum;
        this.velocity = new float[parameterCount];
    }

    @Override
    public OptimizerKind kind() {
        return OptimizerKind.MOMENTUM;
    }

    @Override
    public float[] hyperParameters() {
        return new float[] {momentum};
    }

    @Override
    public void stepRange(float[] from, float[] to, float[] gradient, float learningRate, int start, int end) {
        float[] v = velocity;
        for (int i = start; i < end; i++) {
            float vi = momentum * v[i] + gradient[i];
            v[i] = vi;
            to[i] = from[i] - learningRate * vi;
        }
    }
}
