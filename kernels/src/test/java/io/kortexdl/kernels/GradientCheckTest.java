package io.kortexdl.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kortexdl.kernels.blas.Blas;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The engine's analytic gradients against central finite differences of an independent
 * double-precision forward pass, for every loss x hidden activation x output activation, on
 * both BLAS backends.
 */
class GradientCheckTest {
    private static final int[] SIZES = {5, 7, 6, 4};
    private static final int ROWS = 9;

    static List<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (Blas blas : TestData.backends()) {
            for (LossType loss : LossType.values()) {
                for (Activation hidden : Activation.values()) {
                    for (Activation output : Activation.values()) {
                        cases.add(Arguments.of(blas, loss, hidden, output));
                    }
                }
            }
        }
        return cases;
    }

    @ParameterizedTest(name = "{0} {1} hidden={2} output={3}")
    @MethodSource("cases")
    void analyticGradientMatchesFiniteDifferences(Blas blas, LossType loss, Activation hidden, Activation output) {
        ParameterLayout layout = new ParameterLayout(SIZES);
        float[] params = WeightInit.XAVIER.initialize(layout, 3);
        float[] biasNoise = TestData.uniform(layout.parameterCount(), 4, 0.2f);
        for (int l = 0; l < layout.layerCount(); l++) {
            for (int j = 0; j < layout.fanOut(l); j++) {
                params[layout.biasOffset(l) + j] = biasNoise[layout.biasOffset(l) + j];
            }
        }
        float[] inputs = TestData.uniform(ROWS * SIZES[0], 5, 1.5f);
        float[] targets = TestData.targets(loss, ROWS, SIZES[3], 6);

        Propagation propagation = new Propagation(layout, hidden, output, blas);
        Workspace ws = new Workspace(layout, ROWS);
        float value = propagation.lossAndGradient(params, inputs, 0, targets, 0, ROWS, loss, ws);
        float[] gradient = ws.gradient();

        double[] p = NaiveMlp.toDouble(params);
        double[] x = NaiveMlp.toDouble(inputs);
        double[] t = NaiveMlp.toDouble(targets);
        double reference = NaiveMlp.lossOf(SIZES, hidden, output, loss, p, x, t, ROWS);
        assertEquals(reference, value, 1e-5 * Math.max(1, Math.abs(reference)), "loss value");

        double eps = 1e-6;
        double worst = 0;
        for (int i = 0; i < p.length; i++) {
            double saved = p[i];
            p[i] = saved + eps;
            double up = NaiveMlp.lossOf(SIZES, hidden, output, loss, p, x, t, ROWS);
            p[i] = saved - eps;
            double down = NaiveMlp.lossOf(SIZES, hidden, output, loss, p, x, t, ROWS);
            p[i] = saved;
            double numeric = (up - down) / (2 * eps);
            double error = Math.abs(numeric - gradient[i]) / (1e-3 + Math.abs(numeric));
            worst = Math.max(worst, error);
            assertTrue(error < 2e-3, "parameter " + i + ": analytic " + gradient[i] + " vs numeric " + numeric);
        }
        assertTrue(worst < 2e-3, "worst relative error " + worst);
    }

    static Blas[] backends() {
        return TestData.backends();
    }
}
