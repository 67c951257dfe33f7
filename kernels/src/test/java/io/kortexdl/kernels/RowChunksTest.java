package io.kortexdl.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Training over rows held in chunks against the same rows in one array: the trainers must see
 * the same rows in the same order, so the results are the same bits, wherever the chunks put the
 * rows (chunks in another order, chunks not filled, empty chunks between them).
 */
class RowChunksTest {
    private static final int[] LAYERS = {12, 16, 3};
    private static final int ROWS = 103;
    private static final int PER_CHUNK = 16;
    private static final float[] X = TestData.uniform(ROWS * LAYERS[0], 1, 1f);
    private static final float[] T = TestData.targets(LossType.CROSS_ENTROPY, ROWS, 3, 2);

    private static Network network() {
        return Network.builder().layers(LAYERS).optimizer(OptimizerKind.ADAM).l2(1e-3f).seed(5).build();
    }

    /**
     * The rows of {@code values} ({@code width} each) scattered over chunks: source chunk {@code k}
     * (rows {@code 16k ..}) goes to slot {@code 2 * (chunks - 1 - k) + 1}, every even slot stays
     * empty, so that no row keeps its number.
     */
    private static RowChunks scattered(float[] values, int width) {
        int chunks = (ROWS + PER_CHUNK - 1) / PER_CHUNK;
        float[][] slots = new float[2 * chunks][];
        int[] counts = new int[2 * chunks];
        for (int k = 0; k < chunks; k++) {
            int rows = Math.min(PER_CHUNK, ROWS - k * PER_CHUNK);
            int slot = slot(k, chunks);
            slots[slot] = new float[PER_CHUNK * width]; // room for a full chunk, as a reused buffer has
            System.arraycopy(values, k * PER_CHUNK * width, slots[slot], 0, rows * width);
            counts[slot] = rows;
        }
        return new RowChunks(width, PER_CHUNK, slots, counts);
    }

    private static int slot(int chunk, int chunks) {
        return 2 * (chunks - 1 - chunk) + 1;
    }

    /** Where row {@code row} of the one array is in {@link #scattered}. */
    private static int scatteredRow(int row) {
        int chunks = (ROWS + PER_CHUNK - 1) / PER_CHUNK;
        return slot(row / PER_CHUNK, chunks) * PER_CHUNK + row % PER_CHUNK;
    }

    private static int[] order(long seed) {
        int[] order = new int[ROWS];
        Permutations.shuffleIdentity(order, seed);
        return order;
    }

    private static int[] mapped(int[] order) {
        int[] out = new int[order.length];
        for (int i = 0; i < order.length; i++) {
            out[i] = scatteredRow(order[i]);
        }
        return out;
    }

    @Test
    void denseChunksTrainAsOneArray() {
        int[] order = order(3);
        Network whole = network();
        Network chunked = network();
        try (ParallelTrainer a = new ParallelTrainer(whole, 2, NumaTopology.singleNode(2));
             ParallelTrainer b = new ParallelTrainer(chunked, 2, NumaTopology.singleNode(2))) {
            TrainingProgress p = a.trainSteps(X, T, order, 5, 10, 10, LossType.CROSS_ENTROPY, 0.01f);
            TrainingProgress q = b.trainSteps(scattered(X, 12), scattered(T, 3), mapped(order), 5, 10, 10,
                    LossType.CROSS_ENTROPY, 0.01f);
            assertEquals(p.lossSum(), q.lossSum());
            assertEquals(98, q.rows(), "10 steps of 10 rows from position 5, the last one of 8");
            float[] g1 = new float[whole.parameterCount()];
            float[] g2 = new float[chunked.parameterCount()];
            assertEquals(a.gradientSum(X, T, order, 20, 30, LossType.CROSS_ENTROPY, g1),
                    b.gradientSum(scattered(X, 12), scattered(T, 3), mapped(order), 20, 30, LossType.CROSS_ENTROPY, g2));
            assertArrayEquals(g1, g2);
        }
        assertArrayEquals(whole.getParameters(), chunked.getParameters());
    }

    @Test
    void sparseChunksTrainAsOneBatch() {
        float[] mostlyZero = TestData.uniform(ROWS * 12, 7, 1f);
        for (int i = 0; i < mostlyZero.length; i++) {
            if (i % 10 > 2) {
                mostlyZero[i] = 0f; // 30 % of the values are non-zero
            }
        }
        SparseBatch all = SparseBatch.fromDense(mostlyZero, ROWS, 12);
        int chunks = (ROWS + PER_CHUNK - 1) / PER_CHUNK;
        SparseBatch[] slots = new SparseBatch[2 * chunks];
        for (int k = 0; k < chunks; k++) {
            int rows = Math.min(PER_CHUNK, ROWS - k * PER_CHUNK);
            float[] dense = java.util.Arrays.copyOfRange(all.toDense(), k * PER_CHUNK * 12, (k * PER_CHUNK + rows) * 12);
            slots[slot(k, chunks)] = SparseBatch.fromDense(dense, rows, 12);
        }
        SparseChunks data = new SparseChunks(12, PER_CHUNK, slots);
        int[] order = order(9);
        Network whole = network();
        Network chunked = network();
        try (SparseTrainer a = new SparseTrainer(whole, 2); SparseTrainer b = new SparseTrainer(chunked, 2)) {
            TrainingProgress p = a.trainSteps(all, T, order, 0, 11, 10, LossType.CROSS_ENTROPY, 0.01f);
            TrainingProgress q = b.trainSteps(data, scattered(T, 3), mapped(order), 0, 11, 10, LossType.CROSS_ENTROPY,
                    0.01f);
            assertEquals(p.lossSum(), q.lossSum());
            assertArrayEquals(a.changedRows(), b.changedRows());
        }
        assertArrayEquals(whole.getParameters(), chunked.getParameters());
    }

    @Test
    void rowsPastAChunksRowsAreNotRows() {
        RowChunks x = scattered(X, 12);
        int lastSlot = slot(ROWS / PER_CHUNK, (ROWS + PER_CHUNK - 1) / PER_CHUNK); // holds the 7 rows 96..102
        assertTrue(x.holds(lastSlot * PER_CHUNK + 6));
        assertFalse(x.holds(lastSlot * PER_CHUNK + 7), "row 7 of a chunk of 7 rows");
        assertFalse(x.holds(0), "an empty slot holds no row");
        assertFalse(x.holds(-1));
        int[] order = mapped(order(3));
        order[40] = lastSlot * PER_CHUNK + 7;
        try (ParallelTrainer trainer = new ParallelTrainer(network(), 1, NumaTopology.singleNode(1))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> trainer.trainSteps(x,
                    scattered(T, 3), order, 0, 5, 10, LossType.CROSS_ENTROPY, 0.01f));
            assertEquals("order[40]: expected a row the chunks hold, got " + order[40], e.getMessage());
            RowChunks fewerTargets = new RowChunks(3, PER_CHUNK, new float[][] {T}, new int[] {PER_CHUNK});
            e = assertThrows(IllegalArgumentException.class, () -> trainer.trainSteps(x, fewerTargets,
                    mapped(order(3)), 0, 5, 10, LossType.CROSS_ENTROPY, 0.01f));
            assertTrue(e.getMessage().startsWith("targets: expected one row for each row of inputs"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RowChunks(12, PER_CHUNK, new float[][] {new float[12 * 3]}, new int[] {4}));
        assertEquals("chunks[0]: expected at least 4 x 12 = 48 values, got 36", e.getMessage());
    }
}
