package io.kortexdl.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kortexdl.kernels.blas.Blas;
import io.kortexdl.kernels.blas.BlasThreads;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The sparse first layer against the dense path on the same rows, against finite differences of
 * an independent double-precision network, and the lazy optimizer rules against the dense
 * optimizer where they must agree and against hand-derived values where they must not.
 */
class SparseInputTest {
    private static final int WIDE = 60;
    private static final int[] SIZES = {WIDE, 7, 5, 3};

    /** {@code rows} rows of {@code columns}, each with up to {@code perRow} non-zeros (some rows empty). */
    static float[] sparseRows(int rows, int columns, int perRow, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] dense = new float[rows * columns];
        for (int r = 0; r < rows; r++) {
            int n = r % 5 == 4 ? 0 : 1 + random.nextInt(perRow);
            for (int k = 0; k < n; k++) {
                dense[r * columns + random.nextInt(columns)] = (float) (random.nextDouble() * 2 - 1);
            }
        }
        return dense;
    }

    static Blas[] backends() {
        return TestData.backends();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void forwardAndEvaluateEqualTheDensePath(Blas blas) {
        Network network = Network.builder().layers(SIZES).blas(blas).seed(5).build();
        int rows = 300; // more than one evaluation chunk
        float[] dense = sparseRows(rows, WIDE, 6, 1);
        SparseBatch batch = SparseBatch.fromDense(dense, rows, WIDE);
        float[] expected = network.forward(dense, rows);
        float[] actual = network.forward(batch);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-5f * Math.max(1f, Math.abs(expected[i])), "output " + i);
        }
        float[] targets = TestData.targets(LossType.CROSS_ENTROPY, rows, 3, 2);
        assertEquals(network.evaluate(dense, targets, LossType.CROSS_ENTROPY, rows),
                network.evaluate(batch, targets, LossType.CROSS_ENTROPY), 1e-5f);
        assertArrayEquals(dense, batch.toDense());
    }

    @ParameterizedTest
    @EnumSource(LossType.class)
    void sparseGradientMatchesFiniteDifferencesAndWritesOnlyTouchedRows(LossType loss) {
        ParameterLayout layout = new ParameterLayout(SIZES);
        float[] params = WeightInit.XAVIER.initialize(layout, 3);
        int rows = 8;
        float[] dense = sparseRows(rows, WIDE, 4, 7);
        float[] targets = TestData.targets(loss, rows, SIZES[3], 6);
        SparseBatch batch = SparseBatch.fromDense(dense, rows, WIDE);
        Propagation propagation = new Propagation(layout, Activation.TANH, Activation.IDENTITY, Blas.pureJava());
        Workspace ws = new Workspace(layout, rows);
        float[] gradient = ws.gradient();
        java.util.Arrays.fill(gradient, Float.NaN);
        float value = propagation.lossAndGradient(params, batch, 0, rows, targets, 0, loss, ws);

        double[] p = NaiveMlp.toDouble(params);
        double[] x = NaiveMlp.toDouble(dense);
        double[] t = NaiveMlp.toDouble(targets);
        assertEquals(NaiveMlp.lossOf(SIZES, Activation.TANH, Activation.IDENTITY, loss, p, x, t, rows), value, 1e-5);
        boolean[] used = new boolean[WIDE];
        for (int i = 0; i < dense.length; i++) {
            used[i % WIDE] |= dense[i] != 0f;
        }
        int touched = 0;
        double eps = 1e-6;
        for (int i = 0; i < p.length; i++) {
            double saved = p[i];
            p[i] = saved + eps;
            double up = NaiveMlp.lossOf(SIZES, Activation.TANH, Activation.IDENTITY, loss, p, x, t, rows);
            p[i] = saved - eps;
            double down = NaiveMlp.lossOf(SIZES, Activation.TANH, Activation.IDENTITY, loss, p, x, t, rows);
            p[i] = saved;
            double numeric = (up - down) / (2 * eps);
            boolean firstLayerWeight = i < layout.biasOffset(0);
            if (firstLayerWeight && !used[i / SIZES[1]]) {
                assertTrue(Float.isNaN(gradient[i]), "untouched row " + i / SIZES[1] + " was written");
                assertEquals(0, numeric, 1e-9, "an untouched row's true gradient is 0");
                continue;
            }
            touched += firstLayerWeight ? 1 : 0;
            double error = Math.abs(numeric - gradient[i]) / (1e-3 + Math.abs(numeric));
            assertTrue(error < 2e-3, "parameter " + i + ": analytic " + gradient[i] + " vs numeric " + numeric);
        }
        assertEquals(ws.touched().size() * SIZES[1], touched);
        assertTrue(ws.touched().size() > 5 && ws.touched().size() < WIDE, "the data leaves some rows untouched");
    }

    /** Every column non-zero in every batch: the lazy rules must equal the dense optimizer. */
    @ParameterizedTest
    @EnumSource(OptimizerKind.class)
    void lazyUpdatesEqualDenseOnesWhenEveryRowIsTouched(OptimizerKind kind) {
        Network dense = Network.builder().layers(SIZES).optimizer(kind).l2(1e-3f).seed(9).blas(Blas.pureJava()).build();
        Network sparse = Network.builder().layers(SIZES).optimizer(kind).l2(1e-3f).seed(9).blas(Blas.pureJava()).build();
        int rows = 4;
        for (int step = 0; step < 6; step++) {
            float[] inputs = TestData.uniform(rows * WIDE, 100 + step, 1f);
            for (int i = 0; i < inputs.length; i++) {
                inputs[i] = inputs[i] == 0f ? 0.5f : inputs[i];
            }
            float[] targets = TestData.targets(LossType.CROSS_ENTROPY, rows, 3, 200 + step);
            float a = dense.trainBatch(inputs, targets, LossType.CROSS_ENTROPY, 0.05f, rows);
            float b = sparse.trainBatch(SparseBatch.fromDense(inputs, rows, WIDE), targets, LossType.CROSS_ENTROPY, 0.05f);
            assertEquals(a, b, 1e-5f, "loss at step " + step);
        }
        float[] expected = dense.getParameters();
        float[] actual = sparse.getParameters();
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 2e-5f, "parameter " + i);
        }
        assertEquals(dense.optimizer().steps(), sparse.optimizer().steps());
    }

    /** Adam on a batch that leaves row 0 untouched: the dense rule moves it (its moments decay), the lazy one does not. */
    @Test
    void lazyAdamLeavesUntouchedRowsAndTheirMomentsAlone() {
        Network dense = Network.builder().layers(4, 2, 2).hiddenActivation(Activation.TANH).optimizer(OptimizerKind.ADAM).seed(1).blas(Blas.pureJava()).build();
        Network sparse = Network.builder().layers(4, 2, 2).hiddenActivation(Activation.TANH).optimizer(OptimizerKind.ADAM).seed(1).blas(Blas.pureJava()).build();
        float[] everyColumn = {1, 2, 3, 4};
        float[] target = {1, 0};
        dense.trainBatch(everyColumn, target, LossType.CROSS_ENTROPY, 0.1f, 1);
        sparse.trainBatch(SparseBatch.fromDense(everyColumn, 1, 4), target, LossType.CROSS_ENTROPY, 0.1f);
        float[] before = sparse.getParameters();
        float[] noFirstColumn = {0, 2, 0, 4};
        dense.trainBatch(noFirstColumn, target, LossType.CROSS_ENTROPY, 0.1f, 1);
        sparse.trainBatch(SparseBatch.fromDense(noFirstColumn, 1, 4), target, LossType.CROSS_ENTROPY, 0.1f);
        float[] lazy = sparse.getParameters();
        float[] eager = dense.getParameters();
        float[] state = new float[sparse.optimizer().stateSize()];
        sparse.optimizer().exportState(state, 0);
        for (int j = 0; j < 2; j++) {
            assertEquals(before[j], lazy[j], 0f, "row 0 weight " + j + " stays");
            assertNotEquals(before[j], eager[j], "the dense rule moves row 0 on its decaying moment");
        }
        // Row 0's first moment after step 1 is (1 - beta1) g1; the lazy rule leaves it there.
        float[] afterOne = new float[state.length];
        Network once = Network.builder().layers(4, 2, 2).hiddenActivation(Activation.TANH).optimizer(OptimizerKind.ADAM).seed(1).blas(Blas.pureJava()).build();
        once.trainBatch(everyColumn, target, LossType.CROSS_ENTROPY, 0.1f, 1);
        once.optimizer().exportState(afterOne, 0);
        assertEquals(afterOne[0], state[0], 0f);
        assertEquals(afterOne[1], state[1], 0f);
        assertNotEquals(afterOne[2], state[2], "row 1 was touched again");
        // Row 1, touched in both steps, follows the dense rule.
        assertEquals(eager[2], lazy[2], 1e-6f);
        assertEquals(eager[3], lazy[3], 1e-6f);
        assertEquals(2, sparse.optimizer().steps());
    }

    @Test
    void plainSgdWithoutL2IsTheDenseStepOnAnyBatch() {
        Network dense = Network.builder().layers(SIZES).seed(4).blas(Blas.pureJava()).build();
        Network sparse = Network.builder().layers(SIZES).seed(4).blas(Blas.pureJava()).build();
        int rows = 16;
        for (int step = 0; step < 5; step++) {
            float[] inputs = sparseRows(rows, WIDE, 3, 30 + step);
            float[] targets = TestData.targets(LossType.MSE, rows, 3, 40 + step);
            dense.trainBatch(inputs, targets, LossType.MSE, 0.1f, rows);
            sparse.trainBatch(SparseBatch.fromDense(inputs, rows, WIDE), targets, LossType.MSE, 0.1f);
        }
        float[] expected = dense.getParameters();
        float[] actual = sparse.getParameters();
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-5f, "parameter " + i);
        }
    }

    @Test
    void trainerStepsEqualNetworkStepsAndGradientSumsRebuildTheStep() {
        int rows = 50;
        float[] dense = sparseRows(rows, WIDE, 5, 11);
        SparseBatch data = SparseBatch.fromDense(dense, rows, WIDE);
        float[] targets = TestData.targets(LossType.CROSS_ENTROPY, rows, 3, 12);
        int[] order = new int[rows];
        for (int i = 0; i < rows; i++) {
            order[i] = (i * 17) % rows;
        }
        Network byTrainer = Network.builder().layers(SIZES).optimizer(OptimizerKind.ADAM).seed(2).build();
        Network byCalls = Network.builder().layers(SIZES).optimizer(OptimizerKind.ADAM).seed(2).build();
        SparseTrainer trainer = new SparseTrainer(byTrainer);
        TrainingProgress progress = trainer.trainSteps(data, targets, order, 0, 4, 16, LossType.CROSS_ENTROPY, 0.01f);
        assertEquals(4, progress.steps());
        assertEquals(rows, progress.rows());
        java.util.TreeSet<Integer> columns = new java.util.TreeSet<>();
        // The trainer runs the native BLAS on one thread; so must the reference, whose GEMMs may otherwise split.
        try (BlasThreads.Section oneThread = byCalls.blas().threads().singleThreaded()) {
            for (int start = 0; start < rows; start += 16) {
                int n = Math.min(16, rows - start);
                float[] in = new float[n * WIDE];
                float[] t = new float[n * 3];
                for (int i = 0; i < n; i++) {
                    System.arraycopy(dense, order[start + i] * WIDE, in, i * WIDE, WIDE);
                    System.arraycopy(targets, order[start + i] * 3, t, i * 3, 3);
                    for (int c = 0; c < WIDE; c++) {
                        if (in[i * WIDE + c] != 0f) {
                            columns.add(c);
                        }
                    }
                }
                byCalls.trainBatch(SparseBatch.fromDense(in, n, WIDE), t, LossType.CROSS_ENTROPY, 0.01f);
            }
        }
        assertArrayEquals(byCalls.getParameters(), byTrainer.getParameters(), "the same steps give the same bits, on " + Rounding.kernel());
        assertArrayEquals(columns.stream().mapToInt(Integer::intValue).toArray(), trainer.changedRows());

        // One step rebuilt from two half-batch gradient sums, as executors combine them.
        Network summed = Network.builder().layers(SIZES).optimizer(OptimizerKind.ADAM).seed(2).build();
        Network direct = Network.builder().layers(SIZES).optimizer(OptimizerKind.ADAM).seed(2).build();
        SparseTrainer sums = new SparseTrainer(summed);
        float[] a = new float[summed.parameterCount()];
        float[] b = new float[summed.parameterCount()];
        sums.gradientSum(data, targets, order, 0, 8, LossType.CROSS_ENTROPY, a);
        int[] firstRows = sums.changedRows();
        sums.clearChanged();
        sums.gradientSum(data, targets, order, 8, 8, LossType.CROSS_ENTROPY, b);
        java.util.TreeSet<Integer> union = new java.util.TreeSet<>();
        for (int r : firstRows) {
            union.add(r);
        }
        for (int r : sums.changedRows()) {
            union.add(r);
        }
        float[] total = new float[a.length];
        int width = SIZES[1];
        for (int r : union) {
            for (int j = r * width; j < r * width + width; j++) {
                total[j] = (java.util.Arrays.binarySearch(firstRows, r) >= 0 ? a[j] : 0f)
                        + (java.util.Arrays.binarySearch(sums.changedRows(), r) >= 0 ? b[j] : 0f);
            }
        }
        for (int j = summed.layout().biasOffset(0); j < a.length; j++) {
            total[j] = a[j] + b[j];
        }
        int[] unionRows = union.stream().mapToInt(Integer::intValue).toArray();
        sums.applyGradientSum(total, unionRows, unionRows.length, 16, 0.01f);
        new SparseTrainer(direct).trainSteps(data, targets, order, 0, 1, 16, LossType.CROSS_ENTROPY, 0.01f);
        float[] expected = direct.getParameters();
        float[] actual = summed.getParameters();
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-6f, "parameter " + i);
        }
    }

    /** The threads split the first layer by rows and by columns; every value keeps its one-thread order. */
    @Test
    void anyThreadCountGivesTheSameBits() {
        int rows = 400;
        float[] dense = sparseRows(rows, WIDE, 6, 21);
        SparseBatch data = SparseBatch.fromDense(dense, rows, WIDE);
        float[] targets = TestData.targets(LossType.CROSS_ENTROPY, rows, 3, 22);
        int[] order = new int[rows];
        for (int i = 0; i < rows; i++) {
            order[i] = (i * 37) % rows;
        }
        float[] expected = null;
        float[] expectedGradient = null;
        for (int threads = 1; threads <= 3; threads++) {
            Network network = Network.builder().layers(SIZES).optimizer(OptimizerKind.ADAM).l2(1e-3f).seed(8).build();
            try (SparseTrainer trainer = new SparseTrainer(network, threads)) {
                assertEquals(threads, trainer.threads());
                trainer.trainSteps(data, targets, order, 0, 7, 64, LossType.CROSS_ENTROPY, 0.01f);
                float[] gradient = new float[network.parameterCount()];
                trainer.clearChanged();
                trainer.gradientSum(data, targets, order, 0, 64, LossType.CROSS_ENTROPY, gradient);
                if (expected == null) {
                    expected = network.getParameters();
                    expectedGradient = gradient;
                } else {
                    assertArrayEquals(expected, network.getParameters(), threads + " threads: parameters, on " + Rounding.kernel());
                    assertArrayEquals(expectedGradient, gradient, threads + " threads: gradient sum, on " + Rounding.kernel());
                }
            }
        }
    }

    @Test
    void badBatchesAreRefusedNamingTheArrayAndRow() {
        int[] starts = {0, 2, 3};
        assertMessage("indices[1] (row 0)", () -> new SparseBatch(2, 10, starts, new int[] {4, 4, 1}, new float[3]));
        assertMessage("indices[2] (row 1): expected a column in 0..9",
                () -> new SparseBatch(2, 10, starts, new int[] {1, 4, 10}, new float[3]));
        assertMessage("values[2] (row 1, column 1)",
                () -> new SparseBatch(2, 10, starts, new int[] {1, 4, 1}, new float[] {1, 1, Float.NaN}));
        assertMessage("rowStarts: expected rows + 1 = 3",
                () -> new SparseBatch(2, 10, new int[] {0, 3}, new int[] {1, 2, 3}, new float[3]));
        assertMessage("rowStarts[2]: expected >= rowStarts[1] = 3",
                () -> new SparseBatch(2, 10, new int[] {0, 3, 1}, new int[] {1, 2, 3}, new float[3]));
        Network network = new Network(10, 3, 2);
        SparseBatch narrow = SparseBatch.fromDense(new float[] {1, 0, 2}, 1, 3);
        assertMessage("inputs: expected a batch of width inputSize() = 10, got 3 columns",
                () -> network.forward(narrow));
        SparseBatch ok = new SparseBatch(2, 10, starts, new int[] {1, 4, 1}, new float[3]);
        assertMessage("targets: expected length", () -> network.trainBatch(ok, new float[3], LossType.MSE, 0.1f));
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), "message: " + e.getMessage());
    }
}
