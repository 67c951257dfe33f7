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
    public void stepRange(float[] from, float[] to, float[] gradient, float learningRate, int start, int end) {
        for (int i = start; i < end; i++) {
            to[i] = from[i] - learningRate * gradient[i];
        }
    }
}
