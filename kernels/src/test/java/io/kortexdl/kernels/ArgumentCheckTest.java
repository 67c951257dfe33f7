package io.kortexdl.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad arguments fail at the boundary with a message naming the argument, the value and what was expected; nothing changes. */
class ArgumentCheckTest {
    private final Network net = new Network(3, 4, 2);

    private static void assertMessage(String expected, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertEquals(expected, e.getMessage());
    }

    @Test
    void shapesAndBatchSizes() {
        assertMessage("batchSize: expected >= 1, got 0", () -> net.forward(new float[0], 0));
        assertMessage("inputs: expected length batchSize x 3 = 2 x 3 = 6, got 9 (3 rows)",
                () -> net.forward(new float[9], 2));
        assertMessage("inputs: expected a float[] of 2 x 3, got null", () -> net.forwardBatch(null, 2));
        assertMessage("targets: expected length batchSize x 2 = 2 x 2 = 4, got 3",
                () -> net.trainBatch(new float[6], new float[3], LossType.MSE, 0.1f, 2));
        assertMessage("out: expected length batchSize x 2 = 1 x 2 = 2, got 5",
                () -> net.forward(new float[3], 1, new float[5]));
        assertMessage("loss: expected a value, got null", () -> net.evaluate(new float[3], new float[2], null, 1));
    }

    @Test
    void learningRates() {
        float[] before = net.getParameters();
        for (float bad : new float[] {0f, -1f, Float.NaN, Float.POSITIVE_INFINITY}) {
            assertMessage("learningRate: expected a finite value > 0, got " + bad,
                    () -> net.trainBatchThreadSafe(new float[3], new float[2], LossType.MSE, bad, 1));
        }
        assertArrayEquals(before, net.getParameters(), "a refused call changes nothing");
    }

    @Test
    void architectureAndParameters() {
        assertMessage("layerSizes: expected at least 2 sizes (input and output), got 1", () -> new Network(5));
        assertMessage("layerSizes[1]: expected >= 1, got 0", () -> new Network(5, 0, 2));
        assertMessage("parameters: expected length 26 for layers [3, 4, 2], got 5", () -> net.setParameters(new float[5]));
        float[] withNaN = new float[26];
        withNaN[7] = Float.NaN;
        assertMessage("parameters[7]: expected a finite value, got NaN", () -> net.setParameters(withNaN));
        assertMessage("l2: expected a finite value >= 0, got -0.5", () -> Network.builder().l2(-0.5f));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Network.builder().build());
        assertEquals("layers: not set; call layers(int...) first", e.getMessage());
    }

    @Test
    void aDivergingStepIsRefusedAndLeavesTheParameters() {
        Network small = Network.builder().layers(1, 1).parameters(new float[] {1f, 0f}).build();
        float[] before = small.getParameters();
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class,
                () -> small.trainBatch(new float[] {Float.MAX_VALUE}, new float[] {0f}, LossType.MSE, 0.1f, 1));
        assertEquals(Float.POSITIVE_INFINITY, e.loss());
        assertArrayEquals(before, small.getParameters());
    }
}
