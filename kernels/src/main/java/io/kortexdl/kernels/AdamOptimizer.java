package io.kortexdl.kernels;

/**
 * Adam (Kingma and Ba) with bias correction, computed as PyTorch does:
 * {@code m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 * p -= (lr / (1-b1^t)) * m / (sqrt(v / (1-b2^t)) + eps)}.
 */
public final class AdamOptimizer implements PackedRowsOptimizer {
    private final float beta1;
    private final float beta2;
    private final float epsilon;
    private final float[] firstMoment;
    private final float[] secondMoment;
    /** Rows whose moments, parameters and gradients are brought into the cache together before they are updated. */
    private static final int WARM_ROWS = 32;
    private long steps;
    /** Where {@link CacheWarm}'s reads end up, so they are not optimised away. */
    private float sink;

    /**
     * @param beta1 first-moment decay, in [0, 1)
     * @param beta2 second-moment decay, in [0, 1)
     * @param epsilon denominator guard, positive
     * @param parameterCount length of the parameter vector
     */
    public AdamOptimizer(float beta1, float beta2, float epsilon, int parameterCount) {
        OptimizerKind.checkUnitInterval("beta1", beta1);
        OptimizerKind.checkUnitInterval("beta2", beta2);
        if (!(epsilon > 0f) || Float.isInfinite(epsilon)) {
            throw new IllegalArgumentException("epsilon: expected a finite value > 0, got " + epsilon);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.firstMoment = new float[parameterCount];
        this.secondMoment = new float[parameterCount];
    }

    @Override
    public OptimizerKind kind() {
        return OptimizerKind.ADAM;
    }

    @Override
    public float[] hyperParameters() {
        return new float[] {beta1, beta2, epsilon};
    }

    @Override
    public long steps() {
        return steps;
    }

    @Override
    public int stateSize() {
        return 2 * firstMoment.length;
    }

    @Override
    public void exportState(float[] out, int offset) {
        System.arraycopy(firstMoment, 0, out, offset, firstMoment.length);
        System.arraycopy(secondMoment, 0, out, offset + firstMoment.length, secondMoment.length);
    }

    @Override
    public void importState(float[] state, int offset, long steps) {
        checkState(state, offset, steps);
        System.arraycopy(state, offset, firstMoment, 0, firstMoment.length);
        System.arraycopy(state, offset + firstMoment.length, secondMoment, 0, secondMoment.length);
        this.steps = steps;
    }

    @Override
    public int stateValuesPerParameter() {
        return 2;
    }

    @Override
    public void exportStateRange(int start, int end, float[] out, int at) {
        int n = end - start;
        System.arraycopy(firstMoment, start, out, at, n);
        System.arraycopy(secondMoment, start, out, at + n, n);
    }

    @Override
    public void importStateRange(float[] in, int at, int start, int end) {
        int n = end - start;
        System.arraycopy(in, at, firstMoment, start, n);
        System.arraycopy(in, at + n, secondMoment, start, n);
    }

    @Override
    public void setSteps(long steps) {
        PackedRowsOptimizer.super.setSteps(steps);
        this.steps = steps;
    }

    @Override
    public void stepRange(float[] from, float[] to, float[] gradient, float learningRate, int start, int end) {
        long t = steps + 1;
        float stepSize = (float) (learningRate / (1.0 - Math.pow(beta1, t)));
        float invSqrtCorrection2 = (float) (1.0 / Math.sqrt(1.0 - Math.pow(beta2, t)));
        update(from, to, gradient, stepSize, invSqrtCorrection2, start, end);
    }

    /**
     * Lazy Adam for the touched rows of a sparse layer: rows not listed keep their moments
     * unchanged (they do not decay), and the bias correction uses the global step count, as
     * TensorFlow's {@code LazyAdam} does. Where every row is listed this equals a dense step.
     */
    @Override
    public void stepRows(float[] from, float[] to, float[] gradient, float learningRate, int base, int width,
                         int[] rows, int firstRow, int lastRow) {
        long t = steps + 1;
        float stepSize = (float) (learningRate / (1.0 - Math.pow(beta1, t)));
        float invSqrtCorrection2 = (float) (1.0 / Math.sqrt(1.0 - Math.pow(beta2, t)));
        float warm = warmRows(from, gradient, base, width, rows, firstRow, Math.min(lastRow, firstRow + WARM_ROWS));
        for (int first = firstRow; first < lastRow; first += WARM_ROWS) {
            int last = Math.min(lastRow, first + WARM_ROWS);
            int next = Math.min(lastRow, last + WARM_ROWS); // fetched while this group is updated
            warm += warmRows(from, gradient, base, width, rows, last, next);
            for (int i = first; i < last; i++) {
                int start = base + rows[i] * width;
                update(from, to, gradient, stepSize, invSqrtCorrection2, start, start + width);
            }
        }
        sink = warm;
    }

    /**
     * Every row the update reads, not only the moments: the parameters and gradient rows were
     * written earlier in the step but on a wide layer their pages are no longer in the TLB, and
     * reading them here lets those misses overlap rather than wait one by one in the update.
     */
    private float warmRows(float[] from, float[] gradient, int base, int width, int[] rows, int first, int last) {
        return warmStateRows(base, width, rows, first, last) + CacheWarm.rows(from, base, width, rows, first, last)
                + CacheWarm.rows(gradient, base, width, rows, first, last);
    }

    /** Reads both moments' rows (see {@link PackedRowsOptimizer#warmStateRows}). */
    @Override
    public float warmStateRows(int base, int width, int[] rows, int from, int to) {
        return CacheWarm.rows(firstMoment, base, width, rows, from, to)
                + CacheWarm.rows(secondMoment, base, width, rows, from, to);
    }

    /**
     * {@link #stepRows}'s lazy rule on rows whose gradients are packed (see
     * {@link PackedRowsOptimizer}): the same bias correction from the global step count.
     */
    @Override
    public void stepPackedRows(float[] params, float[] packed, float learningRate, int base, int width, int[] rows,
                               int first, int last) {
        long t = steps + 1;
        float stepSize = (float) (learningRate / (1.0 - Math.pow(beta1, t)));
        float invSqrtCorrection2 = (float) (1.0 / Math.sqrt(1.0 - Math.pow(beta2, t)));
        float oneMinusBeta1 = 1f - beta1;
        float oneMinusBeta2 = 1f - beta2;
        float[] m = firstMoment;
        float[] v = secondMoment;
        for (int i = first; i < last; i++) {
            int start = base + rows[i] * width;
            int g = (i - first) * width;
            for (int j = 0; j < width; j++) {
                int p = start + j;
                float gj = packed[g + j];
                float mi = beta1 * m[p] + oneMinusBeta1 * gj;
                float vi = beta2 * v[p] + oneMinusBeta2 * gj * gj;
                m[p] = mi;
                v[p] = vi;
                params[p] = params[p] - stepSize * mi / ((float) Math.sqrt(vi) * invSqrtCorrection2 + epsilon);
            }
        }
    }

    private void update(float[] from, float[] to, float[] gradient, float stepSize, float invSqrtCorrection2,
                        int start, int end) {
        float oneMinusBeta1 = 1f - beta1;
        float oneMinusBeta2 = 1f - beta2;
        float[] m = firstMoment;
        float[] v = secondMoment;
        for (int i = start; i < end; i++) {
            float g = gradient[i];
            float mi = beta1 * m[i] + oneMinusBeta1 * g;
            float vi = beta2 * v[i] + oneMinusBeta2 * g * g;
            m[i] = mi;
            v[i] = vi;
            to[i] = from[i] - stepSize * mi / ((float) Math.sqrt(vi) * invSqrtCorrection2 + epsilon);
        }
    }

    @Override
    public void endStep() {
        steps++;
    }
}
