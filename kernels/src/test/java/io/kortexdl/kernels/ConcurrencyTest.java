package io.kortexdl.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Many threads on one network, started together by a barrier so the calls really overlap. */
class ConcurrencyTest {
    private static final int THREADS = 16;

    /** Adds 1 to every parameter per step: after n whole, unlost updates every parameter equals n. */
    private static final class CountingOptimizer implements Optimizer {
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
                to[i] = from[i] + 1f;
            }
        }

        @Override
        public void endStep() {
            steps++;
        }
    }

    private static void runAll(int threads, Callable<Void> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Void>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                futures.add(pool.submit(task));
            }
            for (Future<Void> f : futures) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void concurrentForwardAndEvaluateEqualSequentialBitwise() throws Exception {
        Network net = Network.builder().layers(50, 64, 32, 10).seed(5).build();
        int[] batchSizes = {1, 7, 64, 300};
        float[][] inputs = new float[batchSizes.length][];
        float[][] targets = new float[batchSizes.length][];
        float[][] expected = new float[batchSizes.length][];
        float[][] expectedChunked = new float[batchSizes.length][];
        float[] expectedLoss = new float[batchSizes.length];
        for (int i = 0; i < batchSizes.length; i++) {
            inputs[i] = TestData.uniform(batchSizes[i] * 50, 10 + i, 1f);
            targets[i] = TestData.targets(LossType.CROSS_ENTROPY, batchSizes[i], 10, 20 + i);
            expected[i] = net.forward(inputs[i], batchSizes[i]);
            expectedChunked[i] = net.forwardBatch(inputs[i], batchSizes[i]);
            expectedLoss[i] = net.evaluate(inputs[i], targets[i], LossType.CROSS_ENTROPY, batchSizes[i]);
        }
        CyclicBarrier start = new CyclicBarrier(THREADS);
        runAll(THREADS, () -> {
            start.await();
            for (int round = 0; round < 100; round++) {
                for (int i = 0; i < batchSizes.length; i++) {
                    assertArrayEquals(expected[i], net.forward(inputs[i], batchSizes[i]));
                    assertArrayEquals(expectedChunked[i], net.forwardBatch(inputs[i], batchSizes[i]));
                    assertArrayEquals(expected[i], net.forwardThreadSafe(inputs[i], batchSizes[i]));
                    assertEquals(expectedLoss[i], net.evaluate(inputs[i], targets[i], LossType.CROSS_ENTROPY,
                            batchSizes[i]));
                }
            }
            return null;
        });
        for (int i = 0; i < batchSizes.length; i++) {
            assertArrayEquals(expected[i], expectedChunked[i], "forward and forwardBatch run the same chunks, "
                    + batchSizes[i] + " rows on " + Rounding.kernel());
        }
    }

    @Test
    void threadedTrainingLosesNoUpdate() throws Exception {
        CountingOptimizer counting = new CountingOptimizer();
        Network net = Network.builder().layers(8, 300).parameters(new float[8 * 300 + 300]).optimizer(counting).build();
        net.enableThreadSafety(true);
        float[] x = new float[8];
        float[] t = new float[300];
        int perThread = 300;
        CyclicBarrier start = new CyclicBarrier(THREADS);
        runAll(THREADS, () -> {
            start.await();
            for (int i = 0; i < perThread; i++) {
                if (i % 2 == 0) {
                    net.trainBatch(x, t, LossType.MSE, 0.1f, 1);
                } else {
                    net.trainBatchThreadSafe(x, t, LossType.MSE, 0.1f, 1);
                }
            }
            return null;
        });
        assertEquals(THREADS * perThread, counting.steps);
        for (float p : net.getParameters()) {
            assertEquals(THREADS * perThread, p, 0f);
        }
    }

    @Test
    void readersNeverSeeATornUpdate() throws Exception {
        int width = 20000;
        // zero input, identity output: the outputs are the biases, and every step adds 1 to each
        Network net = Network.builder().layers(1, width).parameters(new float[2 * width])
                .optimizer(new CountingOptimizer()).build();
        net.enableThreadSafety(true);
        float[] x = new float[1];
        float[] t = new float[width];
        AtomicBoolean training = new AtomicBoolean(true);
        int trainers = 4;
        CyclicBarrier start = new CyclicBarrier(THREADS);
        long[] observations = new long[1];
        runAll(THREADS, () -> {
            int me = (int) (Thread.currentThread().getId() % THREADS);
            boolean trainer;
            synchronized (observations) {
                trainer = observations[0]++ < trainers;
            }
            start.await();
            if (trainer) {
                for (int i = 0; i < 400; i++) {
                    net.trainBatchThreadSafe(x, t, LossType.MSE, 0.1f, 1);
                }
                training.set(false);
                return null;
            }
            float last = -1;
            while (training.get()) {
                float[] out = (me % 3 == 0) ? net.forwardThreadSafe(x, 1)
                        : (me % 3 == 1) ? net.forward(x, 1) : net.getParameters();
                float first = out[out.length - 1];
                for (int j = 0; j < out.length; j += 97) {
                    assertEquals(first, out[j], 0f, "a reader saw a mix of two updates");
                }
                assertTrue(first >= last, "a reader went back in time: " + last + " -> " + first);
                last = first;
            }
            return null;
        });
        assertEquals(trainers * 400f, net.getParameters()[width], 0f);
    }

    @Test
    void asynchronousAdamTrainingConvergesWithFiniteParameters() throws Exception {
        int rows = 64;
        float[] x = TestData.uniform(rows * 20, 1, 1f);
        float[] t = TestData.targets(LossType.CROSS_ENTROPY, rows, 4, 2);
        Network net = Network.builder().layers(20, 32, 4).optimizer(OptimizerKind.ADAM).build();
        float before = net.evaluate(x, t, LossType.CROSS_ENTROPY, rows);
        CyclicBarrier start = new CyclicBarrier(8);
        runAll(8, () -> {
            start.await();
            for (int i = 0; i < 100; i++) {
                net.trainBatchThreadSafe(x, t, LossType.CROSS_ENTROPY, 0.005f, rows);
            }
            return null;
        });
        assertEquals(800, ((AdamOptimizer) net.optimizer()).steps());
        for (float p : net.getParameters()) {
            assertTrue(Float.isFinite(p));
        }
        float after = net.evaluate(x, t, LossType.CROSS_ENTROPY, rows);
        assertTrue(after < before / 4, "loss " + before + " -> " + after);
    }
}
