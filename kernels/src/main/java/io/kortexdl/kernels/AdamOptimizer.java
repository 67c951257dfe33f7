package io.kortexdl.kernels;

/**
 * Adam (Kingma and Ba) with bias correction, computed as PyTorch does:
 * {@code m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 * p -= (lr / (1-b1^t)) * m / (sqrt(v / (1-b2^t)) + eps)}.
 */
public final class AdamOptimizer implements Optimizer {
    private final float beta1;
    private final float beta2;
    private final float epsilon;
    private final float[] firstMoment;
    private final float[] secondMoment;
    private long steps;

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
    public void stepRange(float[] from, float[] to, float[] gradient, float learningRate, int start, int end) {
        long t = steps + 1;
        float stepSize = (float) (learningRate / (1.0 - Math.pow(beta1, t)));
        float invSqrtCorrection2 = (float) (1.0 / Math.sqrt(1.0 - Math.pow(beta2, t)));
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
