package io.kortexdl.spark.executor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kortexdl.kernels.LossType;
import io.kortexdl.kernels.Network;
import io.kortexdl.kernels.OptimizerKind;
import io.kortexdl.kernels.SparseBatch;
import io.kortexdl.spark.collective.Collective;
import io.kortexdl.spark.collective.InMemoryCollective;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One epoch of three blocks, each a thread with its own {@link BlockTrainer}, syncing through an
 * in-memory collective of 3 ranks, without Spark. Both sync modes are checked against a serial
 * reference written here with the kernels' {@code Network.trainBatch}: exact synchronous SGD against
 * one network trained on each step's union batch, averaging against three networks trained apart
 * and averaged by hand. Every rank must end with the same bits.
 */
class EpochRunTest {
    private static final int FEATURES = 40;
    private static final int CLASSES = 3;
    private static final int[] ROWS = {40, 37, 23};
    private static final int GLOBAL_BATCH = 16;
    /** 100 rows in batches of 16; block 2 runs out of rows before the last step. */
    private static final int STEPS = 7;
    private static final long SEED = 11;
    private static final float RATE = 0.1f;
    /** Summation order differs from the reference's; over 7 steps the parameters stay this close. */
    private static final float BOUND = 2e-5f;

    private record Block(float[] features, SparseBatch sparse, float[] targets) {
    }

    /** How the blocks' rows reach the trainers. */
    enum Layout {
        /** One chunk on the heap: each epoch shuffles the block whole. */
        WHOLE(Integer.MAX_VALUE, 1, false),
        /** Chunks of 4 rows on the heap: the same order as one chunk. */
        CHUNKED(4, 1, false),
        /** Chunks of 4 rows streamed in windows of about 4 chunks: steps cross windows, in the windowed order. */
        STREAMED(4, 4, true);

        final int perChunk;
        final int windowChunks;
        final boolean streamed;

        Layout(int perChunk, int windowChunks, boolean streamed) {
            this.perChunk = perChunk;
            this.windowChunks = windowChunks;
            this.streamed = streamed;
        }

        BlockData data(Block block, int b, boolean sparse) {
            int perChunk = Math.min(this.perChunk, ROWS[b]);
            ChunkSource source = sparse ? ArrayChunks.sparse(block.sparse(), block.targets(), CLASSES, perChunk, streamed)
                    : ArrayChunks.dense(block.features(), block.targets(), FEATURES, CLASSES, perChunk, streamed);
            return new BlockData(b, source, FEATURES, CLASSES, windowChunks);
        }

        int[] order(int b) {
            int[] order = new int[ROWS[b]];
            EpochOrder.fillWindowed(SEED, b, 0, Math.min(perChunk, ROWS[b]), streamed ? windowChunks : Integer.MAX_VALUE,
                    order);
            return order;
        }
    }

    private record Outcome(EpochResult result, TrainingState state) {
    }

    /**
     * Rows with 3 non-zeros each, the same rows dense and sparse; class from the first non-zero's
     * column. With {@code nanInBlock1}, block 1's targets are NaN, so its loss is from its first step.
     */
    private static Block[] blocks(boolean nanInBlock1) {
        Block[] blocks = new Block[ROWS.length];
        SplittableRandom random = new SplittableRandom(5);
        for (int b = 0; b < ROWS.length; b++) {
            int n = ROWS[b];
            float[] dense = new float[n * FEATURES];
            int[] starts = new int[n + 1];
            int[] indices = new int[n * 3];
            float[] values = new float[n * 3];
            float[] targets = new float[n * CLASSES];
            for (int r = 0; r < n; r++) {
                int[] columns = random.ints(0, FEATURES).distinct().limit(3).sorted().toArray();
                for (int k = 0; k < 3; k++) {
                    float value = (float) random.nextDouble(-1, 1);
                    indices[r * 3 + k] = columns[k];
                    values[r * 3 + k] = value;
                    dense[r * FEATURES + columns[k]] = value;
                }
                starts[r + 1] = (r + 1) * 3;
                targets[r * CLASSES + columns[0] % CLASSES] = nanInBlock1 && b == 1 ? Float.NaN : 1f;
            }
            blocks[b] = new Block(dense, new SparseBatch(n, FEATURES, starts, indices, values), targets);
        }
        return blocks;
    }

    private static Network network(OptimizerKind optimizer) {
        return Network.builder().layers(FEATURES, 8, CLASSES).optimizer(optimizer).seed(SEED).build();
    }

    private static TrainingState initial(OptimizerKind optimizer) {
        Network network = network(optimizer);
        return new TrainingState(network.getParameters(), new float[network.optimizer().stateSize()], 0);
    }

    /** One epoch on every rank, each in its own thread. */
    private static List<Outcome> epoch(Block[] blocks, boolean sparse, OptimizerKind optimizer, int syncInterval)
            throws Exception {
        return epoch(blocks, sparse, optimizer, syncInterval, Layout.WHOLE);
    }

    private static List<Outcome> epoch(Block[] blocks, boolean sparse, OptimizerKind optimizer, int syncInterval,
                                       Layout layout) throws Exception {
        List<Collective> ranks = InMemoryCollective.group(ROWS.length);
        TrainingState start = initial(optimizer);
        ExecutorService pool = Executors.newFixedThreadPool(ROWS.length);
        try {
            List<Future<Outcome>> futures = new ArrayList<>();
            for (int b = 0; b < ROWS.length; b++) {
                int rank = b;
                BlockData data = layout.data(blocks[rank], rank, sparse);
                futures.add(pool.submit(() -> {
                    try (BlockTrainer trainer = new BlockTrainer(network(optimizer), data,
                            new TrainerSettings(1, LossType.CROSS_ENTROPY, SEED, GLOBAL_BATCH, STEPS))) {
                        EpochResult result = trainer.trainEpoch(new EpochRequest(0, RATE, syncInterval), () -> start,
                                ranks.get(rank), ROWS, "executor-" + rank);
                        return new Outcome(result, trainer.state());
                    }
                }));
            }
            List<Outcome> outcomes = new ArrayList<>();
            for (Future<Outcome> future : futures) {
                outcomes.add(future.get(60, TimeUnit.SECONDS));
            }
            return outcomes;
        } finally {
            pool.shutdownNow();
        }
    }

    private static int share(int b) {
        return (ROWS[b] + STEPS - 1) / STEPS;
    }

    private static int[] order(int b) {
        return Layout.WHOLE.order(b);
    }

    /** Block {@code b}'s rows of step {@code step} in {@code layout}'s order: features then targets, or null when it has none. */
    private static float[][] stepRows(Block block, int b, int step, Layout layout) {
        int from = step * share(b);
        int n = Math.min(share(b), ROWS[b] - from);
        if (n <= 0) {
            return null;
        }
        int[] order = layout.order(b);
        float[] x = new float[n * FEATURES];
        float[] t = new float[n * CLASSES];
        for (int i = 0; i < n; i++) {
            System.arraycopy(block.features(), order[from + i] * FEATURES, x, i * FEATURES, FEATURES);
            System.arraycopy(block.targets(), order[from + i] * CLASSES, t, i * CLASSES, CLASSES);
        }
        return new float[][] {x, t};
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        float worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(worst <= BOUND, what + ": differs from the reference by up to " + worst);
    }

    private static void assertMoved(float[] before, float[] after) {
        float most = 0;
        for (int i = 0; i < before.length; i++) {
            most = Math.max(most, Math.abs(before[i] - after[i]));
        }
        assertTrue(most > 1e-3f, "the epoch changed the parameters by only " + most);
    }

    private static void assertSameBitsOnEveryRank(List<Outcome> outcomes) {
        for (Outcome o : outcomes) {
            assertArrayEquals(outcomes.get(0).state().parameters(), o.state().parameters(), "rank "
                    + o.result().block());
            assertArrayEquals(outcomes.get(0).state().optimizerState(), o.state().optimizerState());
            assertEquals(outcomes.get(0).state().optimizerSteps(), o.state().optimizerSteps());
        }
    }

    @ParameterizedTest
    @EnumSource(Layout.class)
    void exactSyncEqualsOneNetworkTrainedOnEveryStepsWholeBatch(Layout layout) throws Exception {
        Block[] blocks = blocks(false);
        List<Outcome> outcomes = epoch(blocks, false, OptimizerKind.SGD, 1, layout);
        assertSameBitsOnEveryRank(outcomes);

        Network reference = network(OptimizerKind.SGD);
        double referenceLoss = 0;
        for (int step = 0; step < STEPS; step++) {
            float[] x = new float[0];
            float[] t = new float[0];
            for (int b = 0; b < ROWS.length; b++) {
                float[][] rows = stepRows(blocks[b], b, step, layout);
                if (rows != null) {
                    x = concat(x, rows[0]);
                    t = concat(t, rows[1]);
                }
            }
            int n = t.length / CLASSES;
            referenceLoss += (double) reference.trainBatch(x, t, LossType.CROSS_ENTROPY, RATE, n) * n;
        }
        assertClose(reference.getParameters(), outcomes.get(0).state().parameters(), "exact sync");
        assertMoved(initial(OptimizerKind.SGD).parameters(), outcomes.get(0).state().parameters());

        double lossSum = 0;
        long rows = 0;
        for (int b = 0; b < ROWS.length; b++) {
            EpochResult result = outcomes.get(b).result();
            assertEquals(EpochResult.Status.TRAINED, result.status());
            assertEquals(b, result.block());
            assertEquals(ROWS[b], result.rows(), "block " + b + " trains each of its rows once");
            assertEquals(STEPS, result.sync().syncs(), "one sync a step");
            lossSum += result.lossSum();
            rows += result.rows();
        }
        assertEquals(100, rows);
        assertEquals(referenceLoss, lossSum, 1e-4 * referenceLoss, "the summed loss of the rows");
    }

    @ParameterizedTest
    @EnumSource(Layout.class)
    void averagingEqualsThreeNetworksTrainedApartAndAveragedByRows(Layout layout) throws Exception {
        int interval = 3;
        Block[] blocks = blocks(false);
        List<Outcome> outcomes = epoch(blocks, false, OptimizerKind.MOMENTUM, interval, layout);
        assertSameBitsOnEveryRank(outcomes);

        Network[] apart = {network(OptimizerKind.MOMENTUM), network(OptimizerKind.MOMENTUM),
            network(OptimizerKind.MOMENTUM)};
        int stateSize = apart[0].optimizer().stateSize();
        long steps = 0;
        for (int first = 0; first < STEPS; first += interval) {
            int count = Math.min(interval, STEPS - first);
            long[] covered = new long[ROWS.length];
            int mostSteps = 0;
            for (int b = 0; b < ROWS.length; b++) {
                int taken = 0;
                for (int step = first; step < first + count; step++) {
                    float[][] rows = stepRows(blocks[b], b, step, layout);
                    if (rows != null) {
                        apart[b].trainBatch(rows[0], rows[1], LossType.CROSS_ENTROPY, RATE, rows[1].length / CLASSES);
                        covered[b] += rows[1].length / CLASSES;
                        taken++;
                    }
                }
                mostSteps = Math.max(mostSteps, taken);
            }
            long total = Arrays.stream(covered).sum();
            float[] parameters = new float[apart[0].parameterCount()];
            float[] state = new float[stateSize];
            for (int b = 0; b < ROWS.length; b++) {
                float weight = (float) ((double) covered[b] / total);
                float[] p = apart[b].getParameters();
                float[] s = new float[stateSize];
                apart[b].optimizer().exportState(s, 0);
                for (int i = 0; i < p.length; i++) {
                    parameters[i] += weight * p[i];
                }
                for (int i = 0; i < s.length; i++) {
                    state[i] += weight * s[i];
                }
            }
            steps += mostSteps;
            for (Network network : apart) {
                network.setParameters(parameters);
                network.optimizer().importState(state, 0, steps);
            }
        }
        TrainingState trained = outcomes.get(0).state();
        assertClose(apart[0].getParameters(), trained.parameters(), "averaged parameters");
        float[] referenceState = new float[stateSize];
        apart[0].optimizer().exportState(referenceState, 0);
        assertClose(referenceState, trained.optimizerState(), "averaged momentum");
        assertEquals(STEPS, trained.optimizerSteps(), "the most steps any block took");
        assertMoved(initial(OptimizerKind.MOMENTUM).parameters(), trained.parameters());
        for (Outcome o : outcomes) {
            assertEquals(3, o.result().sync().syncs(), "syncs after steps 3, 6 and 7");
        }
    }

    @ParameterizedTest
    @EnumSource(Layout.class)
    void sparseBlocksSyncOnlyChangedRowsAndEqualTheDenseRun(Layout layout) throws Exception {
        // Plain SGD: the sparse trainer's lazy updates of untouched rows then change nothing.
        Block[] blocks = blocks(false);
        List<Outcome> dense = epoch(blocks, false, OptimizerKind.SGD, 1, layout);
        List<Outcome> sparse = epoch(blocks, true, OptimizerKind.SGD, 1, layout);
        assertSameBitsOnEveryRank(sparse);
        assertClose(dense.get(0).state().parameters(), sparse.get(0).state().parameters(), "sparse against dense");
        for (int b = 0; b < ROWS.length; b++) {
            long sparseBytes = sparse.get(b).result().sync().bytesSent();
            long denseBytes = dense.get(b).result().sync().bytesSent();
            assertTrue(sparseBytes < denseBytes, "rank " + b + " sent " + sparseBytes + " bytes sparse, "
                    + denseBytes + " dense");
        }
    }

    @Test
    void aDivergingBlockStopsEveryBlockAtTheSameSync() throws Exception {
        Block[] blocks = blocks(true);
        for (boolean sparse : new boolean[] {false, true}) {
            for (int interval : new int[] {1, 3}) {
                List<Outcome> outcomes = epoch(blocks, sparse, OptimizerKind.SGD, interval);
                String mode = (sparse ? "sparse" : "dense") + ", syncInterval " + interval;
                EpochResult diverged = outcomes.get(1).result();
                assertEquals(EpochResult.Status.DIVERGED, diverged.status(), mode);
                assertEquals(new EpochResult.Divergence(1, 1, Float.NaN), diverged.divergence(), mode);
                for (int b : new int[] {0, 2}) {
                    EpochResult other = outcomes.get(b).result();
                    assertEquals(EpochResult.Status.STOPPED_BY_PEER, other.status(), mode + ", block " + b);
                    assertNull(other.divergence(), mode);
                    assertEquals(1, other.sync().syncs(), mode + ": stopped at the first sync");
                }
            }
        }
    }

    @Test
    void aBlockAloneTrainsSeriallyAndNeverSyncs() throws Exception {
        Block block = blocks(false)[0];
        Network reference = network(OptimizerKind.SGD);
        int[] order = order(0);
        try (BlockTrainer trainer = new BlockTrainer(network(OptimizerKind.SGD),
                Layout.WHOLE.data(block, 0, false),
                new TrainerSettings(1, LossType.CROSS_ENTROPY, SEED, 8, 5))) {
            EpochResult result = trainer.trainEpoch(new EpochRequest(0, RATE, 1), () -> initial(OptimizerKind.SGD),
                    Collective.solo(), new int[] {ROWS[0]}, "driver");
            for (int step = 0; step < 5; step++) {
                float[] x = new float[8 * FEATURES];
                float[] t = new float[8 * CLASSES];
                for (int i = 0; i < 8; i++) {
                    System.arraycopy(block.features(), order[step * 8 + i] * FEATURES, x, i * FEATURES, FEATURES);
                    System.arraycopy(block.targets(), order[step * 8 + i] * CLASSES, t, i * CLASSES, CLASSES);
                }
                reference.trainBatch(x, t, LossType.CROSS_ENTROPY, RATE, 8);
            }
            assertEquals(EpochResult.Status.TRAINED, result.status());
            assertEquals(0, result.sync().syncs());
            assertEquals(40, result.rows());
            assertClose(reference.getParameters(), trainer.state().parameters(), "one block");
            assertTrue(trainer.holdsStartOf(1), "the trainer keeps the state the next epoch starts from");
            assertTrue(!trainer.holdsStartOf(0));
        }
    }
}
