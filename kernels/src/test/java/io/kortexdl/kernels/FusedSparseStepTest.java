package io.kortexdl.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.kortexdl.kernels.blas.BlasThreads;
import java.util.Arrays;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The trainer's fused sparse step ({@link SortedColumnStep}: gradients summed per row in a small
 * buffer, rows stepped in column order, no parameter-sized gradient) against the unfused step of
 * {@link Network#trainBatch(SparseBatch, float[], LossType, float)}, which writes the gradient
 * array and steps it with {@link Optimizer#stepRows}: the same bits for every optimizer, with and
 * without L2, on one and on several threads, with columns shared by several rows of a batch.
 */
class FusedSparseStepTest {
    private static final int BATCH = 16;

    static java.util.stream.Stream<Arguments> cases() {
        java.util.stream.Stream.Builder<Arguments> all = java.util.stream.Stream.builder();
        for (OptimizerKind kind : OptimizerKind.values()) {
            for (float l2 : new float[] {0f, 1e-2f}) {
                for (int threads : new int[] {1, 2, 3}) {
                    for (int wide : new int[] {60, 5000}) {
                        all.add(Arguments.of(kind, l2, threads, wide));
                    }
                }
            }
        }
        return all.build();
    }

    /**
     * {@code rows} rows of {@code wide} columns, up to 6 non-zeros each, drawn from 40 columns so
     * that batches share columns. At 5,000 columns they are 14 columns and the same 14 plus 2,048
     * and plus 4,096: equal in their low 11 bits, so a thread's range needs two radix passes and
     * a sort that stopped after one would split a column's non-zeros.
     */
    private static float[] sharedColumnRows(int rows, int wide, long seed) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        float[] dense = new float[rows * wide];
        for (int r = 0; r < rows; r++) {
            int n = r % 7 == 3 ? 0 : 1 + random.nextInt(6);
            for (int k = 0; k < n; k++) {
                int pick = random.nextInt(40);
                int column = wide > 4200 ? (pick % 14) * 7 + 2048 * (pick / 14) : (int) ((pick * 997L + 13) % wide);
                dense[r * wide + column] = (float) (random.nextDouble() * 2 - 1);
            }
        }
        return dense;
    }

    @ParameterizedTest(name = "{0}, l2 {1}, {2} threads, {3} columns")
    @MethodSource("cases")
    void fusedStepsEqualUnfusedStepsBitForBit(OptimizerKind kind, float l2, int threads, int wide) {
        int[] sizes = {wide, 7, 5, 3};
        assertTrainerEqualsTrainBatch(() -> Network.builder().layers(sizes).optimizer(kind).l2(l2).seed(3).build(),
                threads, wide);
    }

    /**
     * SGD as an optimizer of the user's own: it delegates to {@link SgdOptimizer} but is not a
     * {@link PackedRowsOptimizer}, so the trainer steps it from the gradient array.
     */
    private static final class OwnSgd implements Optimizer {
        private final SgdOptimizer rule = new SgdOptimizer();

        @Override
        public OptimizerKind kind() {
            return rule.kind();
        }

        @Override
        public float[] hyperParameters() {
            return rule.hyperParameters();
        }

        @Override
        public void stepRange(float[] from, float[] to, float[] gradient, float learningRate, int start, int end) {
            rule.stepRange(from, to, gradient, learningRate, start, end);
        }

        @Override
        public void endStep() {
            rule.endStep();
        }

        @Override
        public long steps() {
            return rule.steps();
        }
    }

    @ParameterizedTest(name = "{0} threads")
    @ValueSource(ints = {1, 2})
    void anOptimizerOfTheUsersOwnTakesTheGradientArrayPathWithTheSameBits(int threads) {
        assertTrainerEqualsTrainBatch(() -> Network.builder().layers(5000, 7, 5, 3).optimizer(new OwnSgd()).l2(1e-2f)
                .seed(4).build(), threads, 5000);
    }

    /** Trains two networks from {@code make}, one by a trainer of {@code threads} and one by {@code trainBatch}, and compares them. */
    private static void assertTrainerEqualsTrainBatch(java.util.function.Supplier<Network> make, int threads,
                                                      int wide) {
        int[] sizes = {wide, 7, 5, 3};
        int rows = 80;
        float[] dense = sharedColumnRows(rows, wide, 31);
        SparseBatch data = SparseBatch.fromDense(dense, rows, wide);
        float[] targets = TestData.targets(LossType.CROSS_ENTROPY, rows, 3, 32);
        int[] order = new int[rows];
        for (int i = 0; i < rows; i++) {
            order[i] = (i * 23) % rows;
        }
        Network fused = make.get();
        Network unfused = make.get();
        int steps = rows / BATCH;
        TreeSet<Integer> columns = new TreeSet<>();
        int collisions = 0;
        try (SparseTrainer trainer = new SparseTrainer(fused, threads);
             BlasThreads.Section oneThread = unfused.blas().threads().singleThreaded()) {
            trainer.trainSteps(data, targets, order, 0, steps, BATCH, LossType.CROSS_ENTROPY, 0.02f);
            for (int start = 0; start < rows; start += BATCH) {
                float[] in = new float[BATCH * wide];
                float[] t = new float[BATCH * 3];
                int[] uses = new int[wide];
                for (int i = 0; i < BATCH; i++) {
                    System.arraycopy(dense, order[start + i] * wide, in, i * wide, wide);
                    System.arraycopy(targets, order[start + i] * 3, t, i * 3, 3);
                    for (int c = 0; c < wide; c++) {
                        if (in[i * wide + c] != 0f) {
                            columns.add(c);
                            if (++uses[c] == 2) {
                                collisions++;
                            }
                        }
                    }
                }
                unfused.trainBatch(SparseBatch.fromDense(in, BATCH, wide), t, LossType.CROSS_ENTROPY, 0.02f);
            }
            assertArrayEquals(columns.stream().mapToInt(Integer::intValue).toArray(), trainer.changedRows());
        }
        assertEquals(steps, fused.optimizer().steps());
        assertNotEquals(0, collisions, "some column must be shared by rows of a batch");
        float[] initial = make.get().getParameters();
        int firstLayer = fused.layout().weightOffset(0) + wide * sizes[1];
        assertFalse(Arrays.equals(initial, 0, firstLayer, fused.getParameters(), 0, firstLayer),
                "the steps must have moved first-layer weights");
        assertArrayEquals(unfused.getParameters(), fused.getParameters(), "parameters, on " + Rounding.kernel());
        float[] fusedState = new float[fused.optimizer().stateSize()];
        float[] unfusedState = new float[unfused.optimizer().stateSize()];
        fused.optimizer().exportState(fusedState, 0);
        unfused.optimizer().exportState(unfusedState, 0);
        assertArrayEquals(unfusedState, fusedState, "optimizer state, on " + Rounding.kernel());
    }
}
