package io.kortexdl.spark;

import io.kortexdl.kernels.LossType;
import io.kortexdl.kernels.Network;
import io.kortexdl.kernels.NonFiniteLossException;
import io.kortexdl.kernels.Optimizer;
import io.kortexdl.kernels.TrainingProgress;
import io.kortexdl.spark.collective.Collective;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One block's trainer on its executor: the block, a network and its multithreaded
 * {@link BlockSteps} (dense or sparse rows), kept between the epochs of a fit so threads and
 * buffers are built once, and the state after an epoch stays here for the next one.
 *
 * <p>An epoch runs its steps on this block's share of every global batch and combines with the
 * other blocks through a {@link Collective}: with {@code syncInterval = 1} the gradient sums of
 * every step are added and every block applies the same optimizer step (exact synchronous SGD);
 * with {@code syncInterval = K} each block runs K local steps, then parameters and optimizer
 * state are averaged, weighted by the rows each block covered. Sparse blocks exchange only the
 * first-layer rows some block changed ({@link SyncRanges}). Either way all blocks end every
 * sync with the same bits. Everything depends only on the request, the blocks and the starting
 * state, so an attempt that Spark reruns returns the same bits.
 */
final class ExecutorTrainer implements AutoCloseable {
    /** Trainers of other fits idle this long are closed when a new one is needed. */
    static final long IDLE_EVICTION_MS = 10 * 60_000;
    /** One entry per block this JVM trains, keyed by fit and block. */
    private static final Map<String, ExecutorTrainer> CACHE = new HashMap<>();

    private final TrainingSpec spec;
    private final PackedBlock block;
    private final PackedBlock.Part data;
    private final int blockIndex;
    private final float[] targets;
    private final Network network;
    private final BlockSteps trainer;
    private final int[] order;
    private int orderEpoch = -1;
    private volatile long lastUsed = System.currentTimeMillis();
    private volatile boolean busy;
    /** The epochs the held state has seen, or -1 while it is not a consistent epoch boundary. */
    private int heldEpochs = -1;

    private ExecutorTrainer(TrainingSpec spec, PackedBlock block) {
        this.spec = spec;
        this.block = block;
        this.data = block.train;
        this.blockIndex = block.block;
        this.targets = targets(spec, data);
        this.network = spec.newNetwork(null);
        this.trainer = data.sparse()
                ? new SparseBlockSteps(network, spec.threadsPerExecutor(), data.sparseRows(block.inputSize), targets,
                        spec.loss())
                : new DenseBlockSteps(network, spec.threadsPerExecutor(), data.features, targets, spec.loss());
        this.order = new int[data.rows];
    }

    /**
     * This JVM's trainer of block {@code blockIndex} of fit {@code spec}, built on first use from
     * the cached RDD {@code rddId} (read from this executor's cache or fetched from another's), or
     * null when no copy of the block is left. Marks it busy until {@link #done()}.
     */
    static ExecutorTrainer acquire(TrainingSpec spec, int blockIndex, int rddId) {
        String key = spec.runId() + "/" + blockIndex;
        ExecutorTrainer trainer;
        synchronized (CACHE) {
            trainer = CACHE.get(key);
        }
        PackedBlock block = trainer != null ? trainer.block : BlockPlacement.fetch(rddId, blockIndex);
        if (block == null) {
            return null;
        }
        synchronized (CACHE) {
            long now = System.currentTimeMillis();
            CACHE.entrySet().removeIf(e -> {
                ExecutorTrainer t = e.getValue();
                boolean stale = !t.spec.runId().equals(spec.runId()) && !t.busy
                        && now - t.lastUsed > IDLE_EVICTION_MS;
                if (stale) {
                    t.close();
                }
                return stale;
            });
            trainer = CACHE.computeIfAbsent(key, k -> new ExecutorTrainer(spec, block));
            trainer.busy = true;
        }
        return trainer;
    }

    /** Marks this trainer idle again. */
    void done() {
        lastUsed = System.currentTimeMillis();
        busy = false;
    }

    /** Block {@code blockIndex}, from this JVM's trainer when it holds it, else from Spark's cache; null if lost. */
    static PackedBlock block(String runId, int blockIndex, int rddId) {
        synchronized (CACHE) {
            ExecutorTrainer held = CACHE.get(runId + "/" + blockIndex);
            if (held != null) {
                return held.block;
            }
        }
        return BlockPlacement.fetch(rddId, blockIndex);
    }

    /** Closes the trainers of fit {@code runId} held by this JVM. */
    static void release(String runId) {
        synchronized (CACHE) {
            CACHE.entrySet().removeIf(e -> {
                boolean mine = e.getValue().spec.runId().equals(runId);
                if (mine) {
                    e.getValue().close();
                }
                return mine;
            });
        }
    }

    /** Training rows of this block. */
    int rows() {
        return data.rows;
    }

    /** Whether this trainer holds the state epoch {@code epoch} (0-based) starts from. */
    synchronized boolean holdsStartOf(int epoch) {
        return heldEpochs == epoch;
    }

    /**
     * Runs epoch {@code request.epoch()} of this block as participant {@code collective.rank()}.
     *
     * @param start the state to start from, called only when this trainer does not hold it
     * @param blockRows the training rows of every block, in block order (every participant passes the same)
     * @param executor this JVM's Spark executor id, for the result
     * @throws io.kortexdl.spark.collective.CollectiveException when a peer fails
     */
    synchronized EpochResult trainEpoch(EpochRequest request, java.util.function.Supplier<TrainingState> start,
                                        Collective collective, int[] blockRows, String executor) {
        if (heldEpochs != request.epoch()) {
            TrainingState state = start.get();
            network.setParameters(state.parameters());
            network.optimizer().importState(state.optimizerState(), 0, state.optimizerSteps());
        }
        heldEpochs = -1;
        shuffleFor(request.epoch());
        EpochPlan plan = new EpochPlan(spec, blockRows, request.syncInterval());
        EpochRun run = new EpochRun(request, collective, plan, executor);
        EpochResult result = plan.exact() ? run.exact() : run.averaged();
        if (result.status() == EpochResult.Status.TRAINED) {
            heldEpochs = request.epoch() + 1;
        }
        return result;
    }

    /** The steps of one epoch of one block, with the buffers its syncs use. */
    private final class EpochRun {
        private final EpochRequest request;
        private final Collective collective;
        private final EpochPlan plan;
        private final String executor;
        private final int me;
        private final int share;
        private final int parameterCount = network.parameterCount();
        private int syncs;
        private long syncNanos;
        private final long bytesBefore;
        private final long started = System.nanoTime();
        private double lossSum;
        private long rows;

        EpochRun(EpochRequest request, Collective collective, EpochPlan plan, String executor) {
            this.request = request;
            this.collective = collective;
            this.plan = plan;
            this.executor = executor;
            this.me = collective.rank();
            this.share = plan.share(me);
            this.bytesBefore = collective.bytesSent();
        }

        /** Every step: this block's gradient sum, added over the blocks, then one identical optimizer step. */
        EpochResult exact() {
            float[] gradient = new float[parameterCount];
            float[] buffer = new float[0];
            for (int step = 0; step < plan.steps(); step++) {
                long total = plan.rowsInSteps(step, 1);
                if (total == 0) {
                    break;
                }
                int mine = (int) plan.rowsInSteps(me, step, 1);
                trainer.clearChanged();
                double loss = mine > 0 ? trainer.gradientSum(order, step * share, mine, gradient) : 0;
                int[] local = trainer.changedRows();
                SyncRanges ranges = ranges(local);
                buffer = ensure(buffer, ranges.length() + 1);
                if (mine > 0) {
                    ranges.gather(gradient, local, buffer);
                } else {
                    java.util.Arrays.fill(buffer, 0, ranges.length(), 0f);
                }
                boolean diverged = !Double.isFinite(loss);
                buffer[ranges.length()] = diverged ? 1f : 0f;
                sync(buffer, ranges.length() + 1);
                if (buffer[ranges.length()] != 0f) {
                    return stopped(diverged, step + 1, (float) loss);
                }
                ranges.scatter(buffer, gradient);
                try {
                    trainer.applyGradientSum(gradient, ranges, total, request.learningRate());
                } catch (IllegalArgumentException e) {
                    return stopped(true, step + 1, Float.NaN); // the same summed gradient stops every block here
                }
                lossSum += loss;
                rows += mine;
            }
            trainer.clearChanged();
            return trained();
        }

        /** K local steps, then parameters and optimizer state averaged over the blocks, weighted by rows. */
        EpochResult averaged() {
            Optimizer optimizer = network.optimizer();
            boolean alone = collective.size() == 1;
            float[] buffer = new float[0];
            for (int first = 0; first < plan.steps(); first += plan.interval()) {
                int count = Math.min(plan.interval(), plan.steps() - first);
                long total = plan.rowsInSteps(first, count);
                if (total == 0) {
                    break;
                }
                long mine = plan.rowsInSteps(me, first, count);
                long stepsBefore = optimizer.steps();
                boolean diverged = false;
                float divergedLoss = 0;
                int divergedStep = 0;
                if (mine > 0) {
                    try {
                        TrainingProgress progress = trainer.trainSteps(order, first * share,
                                plan.stepsWithRows(me, first, count), share, request.learningRate());
                        lossSum += progress.lossSum();
                        rows += progress.rows();
                    } catch (NonFiniteLossException e) {
                        diverged = true;
                        divergedLoss = e.loss();
                        divergedStep = first + Math.max(1, e.step());
                    }
                }
                if (alone) {
                    trainer.clearChanged();
                    if (diverged) {
                        return stopped(true, divergedStep, divergedLoss);
                    }
                    continue;
                }
                SyncRanges ranges = ranges(trainer.changedRows());
                int values = ranges.length() * (1 + optimizer.stateValuesPerParameter());
                buffer = ensure(buffer, values + 1);
                ranges.gatherWeighted(network, (float) ((double) mine / total), buffer);
                buffer[values] = diverged ? 1f : 0f;
                sync(buffer, values + 1);
                if (buffer[values] != 0f) {
                    return stopped(diverged, divergedStep, divergedLoss);
                }
                ranges.scatterState(buffer, network);
                optimizer.setSteps(stepsBefore + plan.maxStepsWithRows(first, count));
                trainer.clearChanged();
            }
            return trained();
        }

        /** What this sync exchanges: everything for dense blocks, the union of the blocks' changed rows otherwise. */
        private SyncRanges ranges(int[] localRows) {
            if (localRows == null) {
                return SyncRanges.all(parameterCount);
            }
            long start = System.nanoTime();
            int[] union = SyncRanges.union(collective, localRows);
            syncNanos += System.nanoTime() - start; // part of the sync's time, as its bytes are part of its bytes
            return SyncRanges.rows(network.layout(), union);
        }

        private float[] ensure(float[] buffer, int length) {
            return buffer.length >= length ? buffer : new float[length];
        }

        private void sync(float[] buffer, int length) {
            long start = System.nanoTime();
            collective.allreduceSum(buffer, length);
            syncNanos += System.nanoTime() - start;
            syncs++;
        }

        private EpochResult.SyncStats stats() {
            return new EpochResult.SyncStats(syncs, syncNanos / 1e9, collective.bytesSent() - bytesBefore,
                    (System.nanoTime() - started) / 1e9);
        }

        private EpochResult trained() {
            return new EpochResult(blockIndex, executor, EpochResult.Status.TRAINED, rows, lossSum, null,
                    me == 0 ? state() : null, stats());
        }

        private EpochResult stopped(boolean here, int step, float loss) {
            return new EpochResult(blockIndex, executor,
                    here ? EpochResult.Status.DIVERGED : EpochResult.Status.STOPPED_BY_PEER, rows, lossSum,
                    here ? new EpochResult.Divergence(request.epoch() + 1, step, loss) : null, null, stats());
        }
    }

    /** The state this trainer holds now. */
    private TrainingState state() {
        float[] optimizerState = new float[network.optimizer().stateSize()];
        network.optimizer().exportState(optimizerState, 0);
        return new TrainingState(network.getParameters(), optimizerState, network.optimizer().steps());
    }

    private void shuffleFor(int epoch) {
        if (orderEpoch != epoch) {
            epochOrder(spec.seed(), blockIndex, epoch, order);
            orderEpoch = epoch;
        }
    }

    /** Fills {@code order} with the permutation block {@code block} trains in during {@code epoch}. */
    static void epochOrder(long seed, int block, int epoch, int[] order) {
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 31L * block + epoch);
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
    }

    /**
     * Targets as the loss reads them: one-hot rows scaled by the row weight for classification
     * (softmax cross-entropy's gradient {@code p * sum(t) - t} then weighs each row exactly),
     * the standardized label for regression ({@link TrainingSpec#labelScaling()}).
     */
    static float[] targets(TrainingSpec spec, PackedBlock.Part part) {
        if (spec.loss() != LossType.CROSS_ENTROPY) {
            float[] out = new float[part.rows];
            for (int r = 0; r < part.rows; r++) {
                out[r] = spec.labelScaling().standardize(part.labels[r]);
            }
            return out;
        }
        int classes = spec.outputSize();
        float[] out = new float[part.rows * classes];
        for (int r = 0; r < part.rows; r++) {
            out[r * classes + (int) part.labels[r]] = part.weights == null ? 1f : part.weights[r];
        }
        return out;
    }

    @Override
    public void close() {
        trainer.close();
    }
}
