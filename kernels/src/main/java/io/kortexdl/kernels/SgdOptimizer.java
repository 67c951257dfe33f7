package io.kortexdl.kernels;

/** Plain SGD: {@code p -= lr * g}. Its only state is the step count. */
public final class SgdOptimizer implements Optimizer {
    private long steps;

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

    @Override
    public void setSteps(long steps) {
        Optimizer.super.setSteps(steps);
        this.steps = steps;
    }

    @Override
    public void endStep() {
        steps++;
    }

    @Override
    public long steps() {
        return steps;
    }

    @Override
    public void importState(float[] state, int offset, long steps) {
        checkState(state, offset, steps);
        this.steps = steps;
    }
}
