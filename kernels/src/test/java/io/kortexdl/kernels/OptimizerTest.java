package io.kortexdl.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The update rules against their textbook formulas evaluated in double precision. */
class OptimizerTest {
    private static final float[] GRADIENTS_1 = {0.5f, -2f, 0f, 1e-3f};
    private static final float[] GRADIENTS_2 = {-0.25f, 1f, 3f, 1e-3f};
    private static final float[] START = {1f, -1f, 0.5f, 2f};

    @Test
    void momentumAccumulatesVelocity() {
        Optimizer momentum = OptimizerKind.MOMENTUM.create(new float[] {0.9f}, 4);
        float[] p = START.clone();
        momentum.step(p, p, GRADIENTS_1, 0.1f);
        momentum.step(p, p, GRADIENTS_2, 0.1f);
        for (int i = 0; i < 4; i++) {
            double v1 = GRADIENTS_1[i];
            double v2 = 0.9 * v1 + GRADIENTS_2[i];
            double expected = START[i] - 0.1 * v1 - 0.1 * v2;
            assertEquals(expected, p[i], 1e-6, "parameter " + i);
        }
    }

    @Test
    void adamMatchesTheBiasCorrectedFormula() {
        AdamOptimizer adam = (AdamOptimizer) OptimizerKind.ADAM.create(new float[] {0.9f, 0.999f, 1e-8f}, 4);
        float[] from = START.clone();
        float[] to = new float[4];
        adam.step(from, to, GRADIENTS_1, 0.01f);
        adam.step(to, to, GRADIENTS_2, 0.01f);
        assertEquals(2, adam.steps());
        for (int i = 0; i < 4; i++) {
            double m = 0;
            double v = 0;
            double p = START[i];
            float[][] grads = {GRADIENTS_1, GRADIENTS_2};
            for (int t = 1; t <= 2; t++) {
                double g = grads[t - 1][i];
                m = 0.9 * m + 0.1 * g;
                v = 0.999 * v + 0.001 * g * g;
                double mHat = m / (1 - Math.pow(0.9, t));
                double vHat = v / (1 - Math.pow(0.999, t));
                p -= 0.01 * mHat / (Math.sqrt(vHat) + 1e-8);
            }
            assertEquals(p, to[i], 1e-6, "parameter " + i);
        }
        assertArrayEquals(START, from, "the source buffer is not written when the target differs");
    }

    @Test
    void sgdWritesIntoTheTargetBuffer() {
        float[] to = new float[4];
        new SgdOptimizer().step(START, to, GRADIENTS_1, 2f);
        for (int i = 0; i < 4; i++) {
            assertEquals(START[i] - 2f * GRADIENTS_1[i], to[i], 0f);
        }
    }

    @Test
    void hyperParametersAreValidated() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OptimizerKind.ADAM.create(new float[] {0.9f, 1.5f, 1e-8f}, 1));
        assertEquals("beta2: expected a value in [0, 1), got 1.5", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OptimizerKind.MOMENTUM.create(new float[0], 1));
        assertEquals("hyperParameters for MOMENTUM: expected 1 values, got []", e.getMessage());
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(OptimizerKind.class)
    void exportedStateContinuesTheRunBitwise(OptimizerKind kind) {
        Optimizer uninterrupted = kind.create(kind.defaultHyperParameters(), 4);
        float[] expected = START.clone();
        uninterrupted.step(expected, expected, GRADIENTS_1, 0.05f);
        uninterrupted.step(expected, expected, GRADIENTS_2, 0.05f);
        uninterrupted.step(expected, expected, GRADIENTS_1, 0.05f);

        Optimizer first = kind.create(kind.defaultHyperParameters(), 4);
        float[] p = START.clone();
        first.step(p, p, GRADIENTS_1, 0.05f);
        float[] state = new float[first.stateSize() + 3];
        first.exportState(state, 3);
        Optimizer resumed = kind.create(kind.defaultHyperParameters(), 4);
        resumed.importState(state, 3, first.steps());
        resumed.step(p, p, GRADIENTS_2, 0.05f);
        resumed.step(p, p, GRADIENTS_1, 0.05f);

        assertArrayEquals(expected, p, kind + " resumed from exported state");
        assertEquals(3, resumed.steps());
        assertEquals(new int[] {0, 4, 8}[kind.ordinal()], first.stateSize(), "state length of " + kind);
        assertThrows(IllegalArgumentException.class, () -> resumed.importState(new float[resumed.stateSize()], 1, 0));
        assertThrows(IllegalArgumentException.class, () -> resumed.importState(state, 0, -1));
    }
}
