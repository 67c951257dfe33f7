package io.kortexdl.kernels;

/** Plain SGD: {@code p -= lr * g}. Its only state is the step count. */
public final class SgdOptimizer implements PackedRowsOptimizer {
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

    /** Plain SGD keeps no per-parameter state: nothing to read. */
    @Override
    public float warmStateRows(int base, int width, int[] rows, int from, int to) {
        return 0f;
    }

    /** {@link #stepRange}'s rule on rows whose gradients are packed (see {@link PackedRowsOptimizer}). */
    @Override
    public void stepPackedRows(float[] params, float[] packed, float learningRate, int base, int width, int[] rows,
                               int first, int last) {
        for (int i = first; i < last; i++) {
            int start = base + rows[i] * width;
            int g = (i - first) * width;
            for (int j = 0; j < width; j++) {
                params[start + j] = params[start + j] - learningRate * packed[g + j];
            }
        }
    }

    @Override
    public void setSteps(long steps) {
        PackedRowsOptimizer.super.setSteps(steps);
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
