package io.kortexdl.kernels;

/**
 * SGD with heavy-ball momentum (PyTorch's form): {@code v = mu v + g; p -= lr v}. In a lazy
 * sparse update ({@link #stepRows}) the rows not listed keep their velocity and do not move.
 */
public final class MomentumOptimizer implements PackedRowsOptimizer {
    private final float momentum;
    private final float[] velocity;
    private long steps;

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

    /** Reads the velocity rows (see {@link PackedRowsOptimizer#warmStateRows}). */
    @Override
    public float warmStateRows(int base, int width, int[] rows, int from, int to) {
        return CacheWarm.rows(velocity, base, width, rows, from, to);
    }

    /** {@link #stepRange}'s rule on rows whose gradients are packed (see {@link PackedRowsOptimizer}). */
    @Override
    public void stepPackedRows(float[] params, float[] packed, float learningRate, int base, int width, int[] rows,
                               int first, int last) {
        float[] v = velocity;
        for (int i = first; i < last; i++) {
            int start = base + rows[i] * width;
            int g = (i - first) * width;
            for (int j = 0; j < width; j++) {
                float vi = momentum * v[start + j] + packed[g + j];
                v[start + j] = vi;
                params[start + j] = params[start + j] - learningRate * vi;
            }
        }
    }

    @Override
    public int stateValuesPerParameter() {
        return 1;
    }

    @Override
    public void exportStateRange(int start, int end, float[] out, int at) {
        System.arraycopy(velocity, start, out, at, end - start);
    }

    @Override
    public void importStateRange(float[] in, int at, int start, int end) {
        System.arraycopy(in, at, velocity, start, end - start);
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
    public int stateSize() {
        return velocity.length;
    }

    @Override
    public void exportState(float[] out, int offset) {
        System.arraycopy(velocity, 0, out, offset, velocity.length);
    }

    @Override
    public void importState(float[] state, int offset, long steps) {
        checkState(state, offset, steps);
        System.arraycopy(state, offset, velocity, 0, velocity.length);
        this.steps = steps;
    }
}
