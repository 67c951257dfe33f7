package io.kortexdl.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kortexdl.kernels.blas.Blas;
import io.kortexdl.kernels.blas.BlasThreads;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Synchronous data-parallel training against serial training on the same batches. */
class ParallelTrainerTest {
    private static final int[] LAYERS = {12, 16, 8, 3};
    private static final int ROWS = 103;
    private static final int BATCH = 10;
    private static final long SEED = 17;
    private static final float[] X = TestData.uniform(ROWS * LAYERS[0], 1, 1f);
    private static final float[] T = TestData.targets(LossType.CROSS_ENTROPY, ROWS, 3, 2);

    private static Network network() {
        return Network.builder().layers(LAYERS).optimizer(OptimizerKind.ADAM).l2(1e-3f).seed(5).build();
    }

    /** Serial reference: the same shuffles and batches through {@link Network#trainBatch}. */
    private static float serialEpochs(Network net, int epochs) {
        int in = LAYERS[0];
        int out = LAYERS[3];
        int[] order = new int[ROWS];
        double lastSum = 0;
        for (int epoch = 0; epoch < epochs; epoch++) {
            ParallelTrainer.shuffle(order, SEED, epoch);
            lastSum = 0;
            for (int start = 0; start < ROWS; start += BATCH) {
                int rows = Math.min(BATCH, ROWS - start);
                float[] x = new float[rows * in];
                float[] t = new float[rows * out];
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(X, order[start + r] * in, x, r * in, in);
                    System.arraycopy(T, order[start + r] * out, t, r * out, out);
                }
                lastSum += (double) net.trainBatch(x, t, LossType.CROSS_ENTROPY, 0.01f, rows) * rows;
            }
        }
        return (float) (lastSum / ROWS);
    }

    private static void assertClose(float[] expected, float[] actual, float tolerance) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tolerance * (1 + Math.abs(expected[i])), "parameter " + i);
        }
    }

    @ParameterizedTest(name = "W={0}")
    @ValueSource(ints = {1, 2, 3})
    void equalsSerialTrainingOnTheSameBatches(int workers) {
        Network serial = network();
        float serialLoss = serialEpochs(serial, 3);
        Network parallel = network();
        float parallelLoss;
        try (ParallelTrainer trainer = new ParallelTrainer(parallel, workers, NumaTopology.singleNode(2))) {
            parallelLoss = trainer.trainEpochs(X, T, LossType.CROSS_ENTROPY, 0.01f, BATCH, 3, SEED);
            assertEquals(3, trainer.epochsCompleted());
        }
        assertEquals(serialLoss, parallelLoss, 1e-5f);
        assertClose(serial.getParameters(), parallel.getParameters(), 2e-5f);
        assertEquals(3 * 11, ((AdamOptimizer) parallel.optimizer()).steps(), "one optimizer step per batch");
    }

    @Test
    void multiNodeReductionEqualsSerialToo() {
        Network serial = network();
        serialEpochs(serial, 2);
        Network parallel = network();
        NumaTopology fourNodes = NumaTopology.of(new int[] {0}, new int[] {1}, new int[] {2, 3}, new int[] {4});
        try (ParallelTrainer trainer = new ParallelTrainer(parallel, 5, fourNodes)) {
            assertEquals(2, trainer.placement().workersOn(2).length);
            trainer.trainEpochs(X, T, LossType.CROSS_ENTROPY, 0.01f, BATCH, 2, SEED);
        }
        assertClose(serial.getParameters(), parallel.getParameters(), 2e-5f);
    }

    @Test
    void moreWorkersThanRowsInABatch() {
        Network serial = network();
        Network parallel = network();
        int[] order = new int[ROWS];
        ParallelTrainer.shuffle(order, SEED, 0);
        float[] x = new float[2 * LAYERS[0]];
        float[] t = new float[2 * 3];
        for (int r = 0; r < 2; r++) {
            System.arraycopy(X, order[r] * LAYERS[0], x, r * LAYERS[0], LAYERS[0]);
            System.arraycopy(T, order[r] * 3, t, r * 3, 3);
        }
        serial.trainBatch(x, t, LossType.CROSS_ENTROPY, 0.01f, 2);
        try (ParallelTrainer trainer = new ParallelTrainer(parallel, 3, NumaTopology.of(new int[] {0}, new int[] {1, 2}))) {
            TrainingProgress progress = trainer.trainSteps(X, T, order, 0, 1, 2, LossType.CROSS_ENTROPY, 0.01f);
            assertEquals(1, progress.steps());
            assertEquals(2, progress.rows());
        }
        assertClose(serial.getParameters(), parallel.getParameters(), 1e-6f);
    }

    @Test
    void bitwiseReproducibleForAFixedSeedAndWorkerCount() {
        float[][] results = new float[2][];
        for (int run = 0; run < 2; run++) {
            Network net = network();
            try (ParallelTrainer trainer = new ParallelTrainer(net, 3, NumaTopology.of(new int[] {0, 1}, new int[] {2}))) {
                trainer.trainEpochs(X, T, LossType.CROSS_ENTROPY, 0.01f, BATCH, 2, SEED);
            }
            results[run] = net.getParameters();
        }
        assertArrayEquals(results[0], results[1]);
    }

    /**
     * At Fashion-MNIST sizes a native BLAS picks its kernels by the shape and, for Intel MKL
     * without its reproducibility mode, by the alignment of the arrays: runs whose arrays land
     * at other addresses must still give the same bits.
     */
    @Test
    void bitwiseReproducibleAtRealisticSizesWhereverTheArraysLand() {
        int rows = 3000;
        float[] x = TestData.uniform(rows * 784, 21, 1f);
        float[] t = TestData.targets(LossType.CROSS_ENTROPY, rows, 10, 22);
        float[][] results = new float[3][];
        java.util.List<byte[]> shifts = new java.util.ArrayList<>();
        for (int run = 0; run < results.length; run++) {
            shifts.add(new byte[8 + 24 * run]);
            float[] inputs = x.clone();
            Network net = Network.builder().layers(784, 256, 128, 10).optimizer(OptimizerKind.ADAM).seed(7).build();
            try (ParallelTrainer trainer = new ParallelTrainer(net, 2, NumaTopology.singleNode(2), false)) {
                trainer.trainEpochs(inputs, t, LossType.CROSS_ENTROPY, 1e-3f, 128, 1, SEED);
            }
            results[run] = net.getParameters();
        }
        assertArrayEquals(results[0], results[1], "run 2 differs from run 1 on " + Rounding.kernel());
        assertArrayEquals(results[0], results[2], "run 3 differs from run 1 on " + Rounding.kernel());
        assertEquals(3, shifts.size());
    }

    /**
     * The workers evaluate the serial chunks on one BLAS thread each: the same bits as a serial
     * evaluate on one BLAS thread, and within rounding of one on the library's thread count, at a
     * size where a native BLAS splits the GEMMs over its threads.
     */
    @Test
    void evaluateEqualsSerialEvaluateOnTheSameBlasThreads() {
        int rows = 1000;
        int[] layers = {784, 256, 10};
        float[] x = TestData.uniform(rows * layers[0], 3, 1f);
        float[] t = TestData.targets(LossType.MSE, rows, layers[2], 4);
        Network net = Network.builder().layers(layers).seed(5).build();
        float serial;
        try (BlasThreads.Section oneThread = net.blas().threads().singleThreaded()) {
            serial = net.evaluate(x, t, LossType.MSE, rows);
        }
        for (int workers = 1; workers <= 3; workers++) {
            try (ParallelTrainer trainer = new ParallelTrainer(net, workers, NumaTopology.singleNode(2))) {
                assertEquals(serial, trainer.evaluate(x, t, LossType.MSE, rows), 0f,
                        "W=" + workers + " on " + Rounding.kernel());
            }
        }
        float parallel = net.evaluateParallelNuma(x, t, LossType.MSE, rows);
        assertEquals(serial, parallel, 0f, "evaluateParallelNuma on " + Rounding.kernel());
        Rounding.assertWithin(new float[] {net.evaluate(x, t, LossType.MSE, rows)}, new float[] {parallel},
                "evaluate on the library's BLAS threads vs evaluateParallelNuma");
    }

    @Test
    void aNonFiniteLossStopsAtTheStepAndKeepsTheLastGoodParameters() {
        float[] x = X.clone();
        int[] order = new int[ROWS];
        for (int i = 0; i < ROWS; i++) {
            order[i] = i;
        }
        Arrays.fill(x, 25 * LAYERS[0], 26 * LAYERS[0], Float.MAX_VALUE); // row 25: in the third batch
        Network reference = network();
        Network net = network();
        try (ParallelTrainer trainer = new ParallelTrainer(reference, 2, NumaTopology.singleNode(2))) {
            trainer.trainSteps(x, T, order, 0, 2, BATCH, LossType.CROSS_ENTROPY, 0.01f);
        }
        try (ParallelTrainer trainer = new ParallelTrainer(net, 2, NumaTopology.singleNode(2))) {
            NonFiniteLossException e = assertThrows(NonFiniteLossException.class,
                    () -> trainer.trainSteps(x, T, order, 0, 5, BATCH, LossType.CROSS_ENTROPY, 0.01f));
            assertTrue(e.getMessage().contains("step 3 of 5 (order positions 20..29)"), e.getMessage());
            assertEquals(3, e.step());
            // the trainer stays usable after the failure
            trainer.trainSteps(X, T, order, 0, 1, BATCH, LossType.CROSS_ENTROPY, 0.01f);
        }
        Network fresh = network();
        try (ParallelTrainer trainer = new ParallelTrainer(fresh, 2, NumaTopology.singleNode(2))) {
            trainer.trainSteps(x, T, order, 0, 2, BATCH, LossType.CROSS_ENTROPY, 0.01f);
        }
        assertArrayEquals(reference.getParameters(), fresh.getParameters(), "two good steps are reproducible");
        assertEquals(3, ((AdamOptimizer) net.optimizer()).steps(), "2 good steps + 1 after the failure, none for the bad one");
    }

    @Test
    void epochErrorNamesTheEpoch() {
        float[] x = X.clone();
        x[7] = Float.NaN;
        Network net = network();
        float[] before = net.getParameters();
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class,
                () -> net.trainParallelNuma(x, T, LossType.CROSS_ENTROPY, 0.01f, ROWS, 1));
        assertTrue(e.getMessage().contains("epoch 1, step 1 of 1"), e.getMessage());
        assertArrayEquals(before, net.getParameters());
    }

    @Test
    void gradientSumThenApplyEqualsOneTrainingStep() {
        Network stepped = Network.builder().layers(LAYERS).seed(5).build();
        Network applied = Network.builder().layers(LAYERS).seed(5).build();
        int[] order = new int[ROWS];
        ParallelTrainer.shuffle(order, SEED, 0);
        float[] gradient = new float[stepped.parameterCount()];
        try (ParallelTrainer a = new ParallelTrainer(stepped, 2, NumaTopology.singleNode(2));
             ParallelTrainer b = new ParallelTrainer(applied, 3, NumaTopology.singleNode(2))) {
            TrainingProgress p = a.trainSteps(X, T, order, 0, 1, 40, LossType.CROSS_ENTROPY, 0.1f);
            double lossSum = b.gradientSum(X, T, order, 0, 40, LossType.CROSS_ENTROPY, gradient);
            assertEquals(p.lossSum(), lossSum, 1e-4);
            b.applyGradientSum(gradient, 40, 0.1f);
        }
        assertClose(stepped.getParameters(), applied.getParameters(), 1e-6f);
    }

    /**
     * On a native BLAS. The pure-Java GEMM's Vector API code allocates wherever the JIT leaves a
     * lane-wise operation unintrinsified: in the pure-Java execution, after ChunkingTest, the
     * workers allocated 28,657 bytes a step in each of five 5-epoch windows, and JFR placed the
     * allocations in {@code FloatVector.lanewiseTemplate}.
     */
    @Test
    void workersAllocateNothingPerStepOnceWarm() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Blas.system().isNative(),
                "the JIT decides whether the Vector API GEMM allocates; measured on native backends");
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        int rows = 2000;
        float[] x = TestData.uniform(rows * LAYERS[0], 7, 1f);
        float[] t = TestData.targets(LossType.CROSS_ENTROPY, rows, 3, 8);
        java.util.Set<Thread> existing = TrainerThreads.alive();
        try (ParallelTrainer trainer = new ParallelTrainer(network(), 2, NumaTopology.singleNode(2))) {
            trainer.trainEpochs(x, t, LossType.CROSS_ENTROPY, 0.01f, 32, 3, SEED);
            long[] ids = TrainerThreads.newIds(existing, TrainerThreads.alive());
            assertEquals(2, ids.length);
            long[] before = threads.getThreadAllocatedBytes(ids);
            trainer.trainEpochs(x, t, LossType.CROSS_ENTROPY, 0.01f, 32, 5, SEED);
            long[] after = threads.getThreadAllocatedBytes(ids);
            int steps = 5 * ((rows + 31) / 32);
            for (int w = 0; w < ids.length; w++) {
                long perStep = (after[w] - before[w]) / steps;
                assertTrue(perStep < 16, "worker " + w + " allocated " + perStep + " bytes per step");
            }
        }
    }

    @Test
    void closedTrainerRefusesWorkAndStopsItsThreads() throws InterruptedException {
        java.util.Set<Thread> before = TrainerThreads.alive();
        ParallelTrainer trainer = new ParallelTrainer(network(), 2, NumaTopology.singleNode(2));
        long[] ids = TrainerThreads.newIds(before, TrainerThreads.alive());
        assertEquals(2, ids.length);
        trainer.close();
        trainer.close();
        assertThrows(IllegalStateException.class,
                () -> trainer.trainEpochs(X, T, LossType.CROSS_ENTROPY, 0.01f, BATCH, 1, SEED));
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            for (long id : ids) {
                assertFalse(thread.getId() == id && thread.isAlive(), "worker thread still alive");
            }
        }
    }

    @Test
    void argumentsAreChecked() {
        try (ParallelTrainer trainer = new ParallelTrainer(network(), 2, NumaTopology.singleNode(2))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> trainer.trainEpochs(new float[13], T, LossType.MSE, 0.1f, 4, 1, 0));
            assertEquals("inputs: expected a positive multiple of inputSize 12 floats, got 13", e.getMessage());
            int[] order = {0, 1, 500};
            e = assertThrows(IllegalArgumentException.class,
                    () -> trainer.trainSteps(X, T, order, 0, 1, 3, LossType.MSE, 0.1f));
            assertEquals("order[2]: expected a row index 0..102, got 500", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> trainer.trainEpochs(X, T, LossType.MSE, 0.1f, 4, 0, 0));
            assertEquals("epochs: expected >= 1, got 0", e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new ParallelTrainer(network(), 0, NumaTopology.singleNode(1)));
    }

    @Test
    void cosineScheduleValues() {
        LearningRateSchedule cosine = LearningRateSchedule.cosine(0.1f, 4);
        assertEquals(0.1f, cosine.rate(0), 0f);
        assertEquals((float) (0.1 * 0.5 * (1 + Math.cos(Math.PI / 4))), cosine.rate(1), 0f);
        assertEquals(0.05f, cosine.rate(2), 1e-8f);
        assertEquals(cosine.rate(3), cosine.rate(9), 0f, "past the end the last rate holds");
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.cosine(0.1f, 0));
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.constant(-1f));
    }

    @Test
    void scheduleRatesFollowTheRunsEpochCount() {
        Network scheduled = network();
        Network manual = network();
        LearningRateSchedule schedule = epoch -> 0.02f / (epoch + 1);
        try (ParallelTrainer a = new ParallelTrainer(scheduled, 2, NumaTopology.singleNode(2));
             ParallelTrainer b = new ParallelTrainer(manual, 2, NumaTopology.singleNode(2))) {
            a.trainEpochs(X, T, LossType.CROSS_ENTROPY, schedule, BATCH, 1, SEED);
            a.trainEpochs(X, T, LossType.CROSS_ENTROPY, schedule, BATCH, 2, SEED);
            b.trainEpochs(X, T, LossType.CROSS_ENTROPY, 0.02f, BATCH, 1, SEED);
            b.trainEpochs(X, T, LossType.CROSS_ENTROPY, 0.01f, BATCH, 1, SEED);
            b.trainEpochs(X, T, LossType.CROSS_ENTROPY, 0.02f / 3, BATCH, 1, SEED);
        }
        assertArrayEquals(manual.getParameters(), scheduled.getParameters());
        try (ParallelTrainer c = new ParallelTrainer(network(), 1, NumaTopology.singleNode(1))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> c.trainEpochs(X, T, LossType.CROSS_ENTROPY, epoch -> Float.NaN, BATCH, 1, SEED));
            assertEquals("learningRate: expected a finite value > 0, got NaN", e.getMessage());
        }
    }

    @Test
    void networkLevelParallelTrainingLearns() {
        Network net = network();
        float before = net.evaluate(X, T, LossType.CROSS_ENTROPY, ROWS);
        float last = net.trainParallelNuma(X, T, LossType.CROSS_ENTROPY, 0.01f, BATCH, 30);
        float after = net.evaluate(X, T, LossType.CROSS_ENTROPY, ROWS);
        assertTrue(after < before / 2, before + " -> " + after);
        assertTrue(Math.abs(last - after) < 0.2, "last epoch loss " + last + " vs evaluated " + after);
    }
}
