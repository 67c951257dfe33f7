package io.kortexdl.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kortexdl.kernels.blas.Blas;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The engine learns problems a linear model cannot: XOR and two interleaved spirals. */
class LearningTest {

    static Blas[] backends() {
        return TestData.backends();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void learnsXorWithBinaryCrossEntropy(Blas blas) {
        float[] x = {0, 0, 0, 1, 1, 0, 1, 1};
        float[] t = {0, 1, 1, 0};
        Network net = Network.builder().layers(2, 8, 1).hiddenActivation(Activation.TANH)
                .optimizer(OptimizerKind.ADAM).seed(1).blas(blas).build();
        float first = net.evaluate(x, t, LossType.BINARY_CROSS_ENTROPY, 4);
        for (int i = 0; i < 2000; i++) {
            net.trainBatch(x, t, LossType.BINARY_CROSS_ENTROPY, 0.02f, 4);
        }
        float last = net.evaluate(x, t, LossType.BINARY_CROSS_ENTROPY, 4);
        assertTrue(last < 0.05f && last < first / 10, "loss " + first + " -> " + last);
        float[] logits = net.forward(x, 4);
        for (int i = 0; i < 4; i++) {
            assertEquals(t[i] == 1f, logits[i] > 0, "row " + i + " logit " + logits[i]);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void separatesTwoSpiralsWithCrossEntropy(Blas blas) {
        int perClass = 200;
        int rows = 2 * perClass;
        float[] x = new float[rows * 2];
        float[] t = new float[rows * 2];
        int[] labels = new int[rows];
        SplittableRandom random = new SplittableRandom(2);
        for (int c = 0; c < 2; c++) {
            for (int i = 0; i < perClass; i++) {
                int r = c * perClass + i;
                double radius = 0.1 + 0.9 * i / perClass;
                double angle = 3 * Math.PI * i / perClass + c * Math.PI + random.nextGaussian() * 0.05;
                x[2 * r] = (float) (radius * Math.cos(angle));
                x[2 * r + 1] = (float) (radius * Math.sin(angle));
                t[2 * r + c] = 1f;
                labels[r] = c;
            }
        }
        Network net = Network.builder().layers(2, 64, 64, 2).optimizer(OptimizerKind.ADAM).seed(3).blas(blas).build();
        for (int epoch = 0; epoch < 1500; epoch++) {
            net.trainBatch(x, t, LossType.CROSS_ENTROPY, 0.01f, rows);
        }
        float[] out = net.forward(x, rows);
        int correct = 0;
        for (int r = 0; r < rows; r++) {
            int predicted = out[2 * r + 1] > out[2 * r] ? 1 : 0;
            if (predicted == labels[r]) {
                correct++;
            }
        }
        assertTrue(correct >= 0.97 * rows, "spiral accuracy " + correct + "/" + rows);
    }
}
