package io.kortexdl.spark.executor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kortexdl.kernels.TrainingProgress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The rows an epoch's steps take from {@link EpochRows}, against {@link EpochOrder}'s rule: every
 * step, however the calls cut the epoch and wherever a step crosses from one window into the
 * next, must take exactly the rows the order names, each row once an epoch. Each row's first
 * feature is its row number, so a recording {@link BlockSteps} sees which rows it was given.
 */
class EpochRowsTest {
    private static final long SEED = 23;
    private static final int BLOCK = 1;

    /** Trains nothing; records the row number of every row each step or gradient is given, in order. */
    private static final class Recorder implements BlockSteps {
        final List<Integer> rows = new ArrayList<>();

        private void record(RowView view, int from, int count) {
            float[] row = new float[view.dense().width()];
            for (int i = from; i < from + count; i++) {
                view.dense().copyRow(view.order()[i], row, 0);
                rows.add((int) row[0]);
            }
        }

        @Override
        public TrainingProgress trainSteps(RowView view, int from, int steps, int batchSize, float learningRate) {
            long taken = 0;
            for (int s = 0; s < steps; s++) {
                int start = from + s * batchSize;
                int n = Math.min(batchSize, view.order().length - start);
                record(view, start, n);
                taken += n;
            }
            return new TrainingProgress(0, taken, steps);
        }

        @Override
        public double gradientSum(RowView view, int from, int count, float[] gradient) {
            record(view, from, count);
            return 0;
        }

        @Override
        public void applyGradientSum(float[] gradient, int[] syncedRows, long rows, float learningRate) {
        }

        @Override
        public int[] changedRows() {
            return null;
        }

        @Override
        public void clearChanged() {
        }

        @Override
        public void close() {
        }
    }

    /** {@code rows} rows of 2 features, the first the row's number, and one target each. */
    private static ArrayChunks numbered(int rows, int perChunk, boolean streamed) {
        float[] features = new float[rows * 2];
        for (int r = 0; r < rows; r++) {
            features[2 * r] = r;
            features[2 * r + 1] = -r;
        }
        return ArrayChunks.dense(features, new float[rows], 2, 1, perChunk, streamed);
    }

    private static int[] expected(int rows, int perChunk, int windowChunks, int epoch) {
        int[] order = new int[rows];
        EpochOrder.fillWindowed(SEED, BLOCK, epoch, perChunk, windowChunks, order);
        return order;
    }

    /**
     * One epoch as the runs call it, in calls of 1, 3, 2, 1, 3, 2 ... steps of {@code batch} rows,
     * every fourth call a single step's gradient instead; returns the rows taken.
     */
    private static int[] epoch(EpochRows rows, Recorder recorder, int epoch, int batch) {
        recorder.rows.clear();
        rows.startEpoch(epoch);
        int[] calls = {1, 3, 2};
        int steps = (rows.rows() + batch - 1) / batch;
        int step = 0;
        for (int call = 0; step < steps; call++) {
            if (call % 4 == 3) {
                rows.gradientSum(recorder, step * batch, Math.min(batch, rows.rows() - step * batch), null);
                step++;
                continue;
            }
            int count = Math.min(calls[call % 3], steps - step);
            TrainingProgress progress = rows.trainSteps(recorder, step * batch, count, batch, 0.1f);
            assertEquals(count, progress.steps());
            step += count;
        }
        return recorder.rows.stream().mapToInt(Integer::intValue).toArray();
    }

    @ParameterizedTest(name = "{0} rows, chunks of {1}, windows of {2} chunks, batch {3}")
    @CsvSource({"103, 8, 3, 10", "100, 10, 2, 10", "57, 5, 4, 7", "96, 4, 5, 16", "40, 40, 1, 8"})
    void stepsTakeTheWindowedOrderWhereverTheyCrossWindows(int count, int perChunk, int windowChunks, int batch) {
        ArrayChunks source = numbered(count, perChunk, true);
        Recorder recorder = new Recorder();
        try (EpochRows rows = new EpochRows(source, SEED, BLOCK, windowChunks, 2, 1)) {
            for (int e = 0; e < 3; e++) {
                assertArrayEquals(expected(count, perChunk, windowChunks, e), epoch(rows, recorder, e, batch),
                        "epoch " + e);
            }
            assertArrayEquals(expected(count, perChunk, windowChunks, 1), epoch(rows, recorder, 1, batch),
                    "epoch 1 run again");
            assertArrayEquals(expected(count, perChunk, windowChunks, 2), epoch(rows, recorder, 2, batch),
                    "epoch 2 after it");
        }
        int chunks = (count + perChunk - 1) / perChunk;
        assertTrue(source.loads.get() <= 6 * chunks + 2 * windowChunks, source.loads.get() + " loads of " + chunks
                + " chunks in five epochs: each chunk once an epoch, a window read ahead at most twice");
    }

    @Test
    void theWindowedOrderIsAPermutationThatDependsOnTheEpochAndEqualsTheWholeOrderForOneWindow() {
        int[] windowed = expected(1000, 32, 4, 0);
        assertArrayEquals(java.util.stream.IntStream.range(0, 1000).toArray(),
                java.util.Arrays.stream(windowed).sorted().toArray(), "each row once");
        assertNotEquals(java.util.Arrays.toString(windowed), java.util.Arrays.toString(expected(1000, 32, 4, 1)));
        int[] whole = new int[1000];
        EpochOrder.fill(SEED, BLOCK, 0, whole);
        assertArrayEquals(whole, expected(1000, 32, 32, 0), "a window of every chunk shuffles the block whole");
        assertNotEquals(java.util.Arrays.toString(whole), java.util.Arrays.toString(windowed));
        // 32 chunks in 8 windows of 4: each window takes one chunk of each run of 8, another one each epoch.
        int[][] windows = EpochOrder.windows(SEED, BLOCK, 0, 32, 4);
        assertEquals(8, windows.length);
        for (int[] window : windows) {
            assertArrayEquals(new int[] {0, 1, 2, 3}, java.util.Arrays.stream(window).map(c -> c / 8).toArray(),
                    java.util.Arrays.toString(window));
        }
        assertNotEquals(java.util.Arrays.deepToString(windows),
                java.util.Arrays.deepToString(EpochOrder.windows(SEED, BLOCK, 1, 32, 4)));
        int[] firstWindow = java.util.Arrays.copyOf(windowed, 128);
        assertArrayEquals(java.util.Arrays.stream(windows[0]).flatMap(c -> java.util.stream.IntStream.range(32 * c,
                32 * c + 32)).toArray(), java.util.Arrays.stream(firstWindow).sorted().toArray(),
                "the first window's rows are its chunks' rows");
    }

    @Test
    void aBlockOnTheHeapIsLoadedOnceAndShuffledWhole() {
        ArrayChunks source = numbered(103, 8, false);
        Recorder recorder = new Recorder();
        try (EpochRows rows = new EpochRows(source, SEED, BLOCK, 2, 2, 1)) {
            for (int e = 0; e < 3; e++) {
                int[] whole = new int[103];
                EpochOrder.fill(SEED, BLOCK, e, whole);
                assertArrayEquals(whole, epoch(rows, recorder, e, 10), "epoch " + e);
            }
        }
        assertEquals(13, source.loads.get(), "each of the 13 chunks loaded once for all epochs");
    }

    @Test
    void aChunkThatCannotBeLoadedStopsTheStepsAndALaterEpochStartsAfresh() {
        ArrayChunks rows = numbered(100, 10, true);
        AtomicBoolean broken = new AtomicBoolean(true);
        ChunkSource failing = new ChunkSource() {
            @Override
            public int rows() {
                return rows.rows();
            }

            @Override
            public int rowsPerChunk() {
                return rows.rowsPerChunk();
            }

            @Override
            public boolean sparse() {
                return false;
            }

            @Override
            public boolean streamed() {
                return true;
            }

            @Override
            public void load(int chunk, ChunkSlot slot) {
                if (chunk == 7 && broken.get()) {
                    throw new ChunkUnavailableException(BLOCK, "chunk 7 fails its CRC-32C check", null);
                }
                rows.load(chunk, slot);
            }
        };
        Recorder recorder = new Recorder();
        try (EpochRows epochRows = new EpochRows(failing, SEED, BLOCK, 2, 2, 1)) {
            ChunkUnavailableException e = assertThrows(ChunkUnavailableException.class,
                    () -> epoch(epochRows, recorder, 0, 10));
            assertEquals("chunk 7 fails its CRC-32C check", e.getMessage());
            broken.set(false);
            assertArrayEquals(expected(100, 10, 2, 0), epoch(epochRows, recorder, 0, 10), "the epoch run again");
        }
    }
}
