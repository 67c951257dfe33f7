package io.kortexdl.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Small cases worked out by hand, so the conventions (layout, loss scaling, update rule) are pinned down. */
class HandComputedTest {
    /**
     * 2-2-1, ReLU hidden, identity output. W1 = [[1, -1], [2, 0.5]] (fanIn x fanOut), b1 = [0.5, -1],
     * W2 = [[1], [-2]], b2 = [0.25].
     */
    private static final float[] PARAMS = {1f, -1f, 2f, 0.5f, 0.5f, -1f, 1f, -2f, 0.25f};

    private static Network network() {
        return Network.builder().layers(2, 2, 1).parameters(PARAMS).build();
    }

    @Test
    void forwardFollowsTheDocumentedLayout() {
        // x = [1, 2]: z1 = [1*1 + 2*2 + 0.5, 1*-1 + 2*0.5 - 1] = [5.5, -1] -> relu [5.5, 0]
        // y = 5.5*1 + 0*-2 + 0.25 = 5.75
        // x = [-1, 1]: z1 = [-1 + 2 + 0.5, 1 + 0.5 - 1] = [1.5, 0.5] -> y = 1.5 - 1 + 0.25 = 0.75
        assertArrayEquals(new float[] {5.75f, 0.75f}, network().forward(new float[] {1, 2, -1, 1}, 2));
    }

    @Test
    void mseLossAndOneSgdStep() {
        Network net = network();
        float[] x = {1, 2};
        float[] t = {3.75f};
        // y = 5.75, loss = (5.75 - 3.75)^2 = 4; dL/dy = 2 * 2 = 4
        // dW2 = a1^T * 4 = [22, 0]; db2 = 4; delta1 = 4 * [1, -2] * relu'([5.5, 0]) = [4, 0]
        // dW1 = x^T * delta1 = [[4, 0], [8, 0]]; db1 = [4, 0]
        assertEquals(4f, net.trainBatch(x, t, LossType.MSE, 0.1f, 1), 0f);
        float[] expected = {1f - 0.4f, -1f, 2f - 0.8f, 0.5f, 0.5f - 0.4f, -1f, 1f - 2.2f, -2f, 0.25f - 0.4f};
        assertArrayEquals(expected, net.getParameters(), 1e-6f);
    }

    @Test
    void crossEntropyOfUniformLogitsIsLogOfClassCount() {
        Network net = Network.builder().layers(3, 4).parameters(new float[16]).build();
        float[] x = {1, 2, 3, 4, 5, 6};
        float[] t = {0, 1, 0, 0, 0, 0, 0, 1};
        assertEquals((float) Math.log(4), net.evaluate(x, t, LossType.CROSS_ENTROPY, 2), 1e-6f);
    }

    @Test
    void binaryCrossEntropyUsesTheStableLogitForm() {
        // one output with bias b and zero weights: logit = b for every row
        Network net = Network.builder().layers(1, 1).parameters(new float[] {0f, 200f}).build();
        // t = 1: loss = log(1 + e^-200) ~ 0; t = 0: loss = 200 + log(1 + e^-200) = 200. Mean = 100.
        float loss = net.evaluate(new float[] {0, 0}, new float[] {1, 0}, LossType.BINARY_CROSS_ENTROPY, 2);
        assertEquals(100f, loss, 1e-4f);
    }

    @Test
    void l2DecaysWeightsButNotBiases() {
        Network net = Network.builder().layers(1, 1).parameters(new float[] {2f, 3f}).l2(0.5f).build();
        // y = 0*2 + 3 = 3 with x = 0, t = 3: zero loss gradient; only decay acts: w -= lr * 0.5 * w
        net.trainBatch(new float[] {0}, new float[] {3}, LossType.MSE, 0.1f, 1);
        assertArrayEquals(new float[] {2f - 0.1f * 0.5f * 2f, 3f}, net.getParameters(), 1e-7f);
    }
}
