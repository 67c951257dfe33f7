package io.kortexdl.kernels;

/** Plain SGD: {@code p -= lr * g}. Stateless. */
public final class SgdOptimizer implements Optimizer {

    @Override
    public OptimizerKind kind() {
        return OptimizerKind.SGD;
    }

    @Override
    public float[] hyperParameters() {
        return new float[0];
    }

    @Override
    public void step(float[] from, float[] to, float[] gradient, float learningRate) {
        for (int i = 0; i < from.length; i++) {
            to[i] = from[i] - learningRate * gradient[i];
        }
    }
}
