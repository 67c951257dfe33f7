package io.kortexdl.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;

/**
 * Sixteen threads on one network for a bounded time, each picking its next call at random:
 * first training, scoring and evaluating at once (every output finite, no update lost), then,
 * with the network frozen, scoring and evaluating at once (every result bitwise equal to the
 * same call made alone beforehand).
 */
class StressTest {
    private static final int THREADS = 16;
    private static final long PHASE_MILLIS = 2500;
    private static final int[] BATCHES = {1, 16, 128, 300};
    private static final int IN = 64;
    private static final int OUT = 10;

    private final float[][] inputs = new float[BATCHES.length][];
    private final float[][] targets = new float[BATCHES.length][];

    StressTest() {
        for (int i = 0; i < BATCHES.length; i++) {
            inputs[i] = TestData.uniform(BATCHES[i] * IN, 30 + i, 1f);
            targets[i] = TestData.targets(LossType.CROSS_ENTROPY, BATCHES[i], OUT, 40 + i);
        }
    }

    /** Runs {@code body(threadIndex, random)} on 16 threads started together until the time is up. */
    private static void hammer(ThreadBody body) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        CyclicBarrier start = new CyclicBarrier(THREADS);
        try {
            List<Future<Void>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    SplittableRandom random = new SplittableRandom(100 + thread);
                    start.await();
                    long deadline = System.currentTimeMillis() + PHASE_MILLIS;
                    while (System.currentTimeMillis() < deadline) {
                        body.call(random);
                    }
                    return null;
                }));
            }
            for (Future<Void> f : futures) {
                f.get(PHASE_MILLIS + 120_000, TimeUnit.MILLISECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @FunctionalInterface
    private interface ThreadBody {
        void call(SplittableRandom random) throws Exception;
    }

    private static void assertFinite(float[] values, String what) {
        for (float v : values) {
            assertTrue(Float.isFinite(v), what + " gave " + v);
        }
    }

    @Test
    void sixteenThreadsMixingEveryCallStayFiniteThenMatchSequentialCallsBitwise() throws Exception {
        Network net = Network.builder().layers(IN, 128, 64, OUT).optimizer(OptimizerKind.ADAM).seed(9).build();
        net.enableThreadSafety(true);
        AtomicLongArray calls = new AtomicLongArray(4); // forward, forwardBatch, train, evaluate
        hammer(random -> {
            int i = random.nextInt(BATCHES.length);
            int op = random.nextInt(4);
            switch (op) {
                case 0 -> assertFinite(net.forward(inputs[i], BATCHES[i]), "forward");
                case 1 -> assertFinite(net.forwardBatch(inputs[i], BATCHES[i]), "forwardBatch");
                case 2 -> assertTrue(Float.isFinite(net.trainBatchThreadSafe(inputs[i], targets[i],
                        LossType.CROSS_ENTROPY, 1e-3f, BATCHES[i])), "training loss");
                default -> assertTrue(Float.isFinite(net.evaluate(inputs[i], targets[i], LossType.CROSS_ENTROPY,
                        BATCHES[i])), "evaluation loss");
            }
            calls.incrementAndGet(op);
        });
        for (int op = 0; op < 4; op++) {
            assertTrue(calls.get(op) > 0, "call kind " + op + " never ran: " + calls);
        }
        assertEquals(calls.get(2), net.optimizer().steps(), "every training call applied exactly one update");
        assertFinite(net.getParameters(), "parameters after the mixed phase");

        net.enableThreadSafety(false);
        float[][] forward = new float[BATCHES.length][];
        float[][] chunked = new float[BATCHES.length][];
        float[] loss = new float[BATCHES.length];
        for (int i = 0; i < BATCHES.length; i++) {
            forward[i] = net.forward(inputs[i], BATCHES[i]);
            chunked[i] = net.forwardBatch(inputs[i], BATCHES[i]);
            loss[i] = net.evaluate(inputs[i], targets[i], LossType.CROSS_ENTROPY, BATCHES[i]);
        }
        hammer(random -> {
            int i = random.nextInt(BATCHES.length);
            switch (random.nextInt(4)) {
                case 0 -> assertArrayEquals(forward[i], net.forward(inputs[i], BATCHES[i]), Rounding.kernel());
                case 1 -> assertArrayEquals(chunked[i], net.forwardBatch(inputs[i], BATCHES[i]), Rounding.kernel());
                case 2 -> assertArrayEquals(forward[i], net.forwardThreadSafe(inputs[i], BATCHES[i]), Rounding.kernel());
                default -> assertEquals(loss[i], net.evaluate(inputs[i], targets[i], LossType.CROSS_ENTROPY,
                        BATCHES[i]), Rounding.kernel());
            }
        });
    }
}
