package io.kortexdl.spark;

import io.kortexdl.kernels.LossType;
import io.kortexdl.kernels.Network;
import io.kortexdl.kernels.NonFiniteLossException;
import io.kortexdl.kernels.NumaTopology;
import io.kortexdl.kernels.Optimizer;
import io.kortexdl.kernels.ParallelTrainer;
import io.kortexdl.kernels.TrainingProgress;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The executor side of a round: one block's data, a network and a multithreaded
 * {@link ParallelTrainer}, kept between rounds of the same fit so the threads and buffers are
 * built once. Results depend only on the round request and the block, so a task that Spark
 * retries elsewhere returns the same bits.
 *
 * <p>When a round arrives without state (local mode), the trainer continues from the state it
 * holds, after checking the round number; it keeps a copy of the state from before the round, so
 * a retried attempt of a round whose first attempt already trained starts from the same state.
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
    private final ParallelTrainer trainer;
    private final int[] order;
    private int orderEpoch = -1;
    private volatile long lastUsed = System.currentTimeMillis();
    private volatile boolean busy;
    /** Rounds applied to the held state, or -1 before any state was set. */
    private long heldRound = -1;
    private long backupRound = -1;
    private float[] backupParameters;
    private float[] backupState;
    private long backupSteps;

    private ExecutorTrainer(TrainingSpec spec, PackedBlock block) {
        this.spec = spec;
        this.block = block;
        this.data = block.train;
        this.blockIndex = block.block;
        this.targets = targets(spec, data);
        this.network = spec.newNetwork(null);
        this.trainer = new ParallelTrainer(network, spec.threadsPerExecutor(), NumaTopology.detect());
        this.order = new int[data.rows];
    }

    /**
     * Runs {@code request} on block {@code blockIndex} of the cached RDD {@code rddId}: the task
     * body of every training round. The block is read only when this JVM's trainer for it does
     * not exist yet.
     */
    static RoundResult runRound(TrainingSpec spec, RoundRequest request, int blockIndex, int rddId) {
        return runRoundOnce(spec, request, blockIndex, rddId).ranOn(org.apache.spark.SparkEnv.get().executorId());
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

    private static RoundResult runRoundOnce(TrainingSpec spec, RoundRequest request, int blockIndex, int rddId) {
        String key = spec.runId() + "/" + blockIndex;
        ExecutorTrainer trainer;
        synchronized (CACHE) {
            trainer = CACHE.get(key);
        }
        PackedBlock block = trainer != null ? trainer.block : BlockPlacement.fetch(rddId, blockIndex);
        if (block == null) {
            return new RoundResult(blockIndex, 0, 0, 0, null, null, RoundResult.BLOCK_LOST);
        }
        if (block.train.rows == 0) {
            return new RoundResult(block.block, 0, 0, 0, null, null, null);
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
        synchronized (trainer) {
            try {
                return trainer.run(request);
            } finally {
                trainer.lastUsed = System.currentTimeMillis();
                trainer.busy = false;
            }
        }
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

    private RoundResult run(RoundRequest request) {
        shuffleFor(request.epoch());
        int batch = spec.localBatch(data.rows);
        long from = (long) request.firstStep() * batch;
        if (from >= data.rows) {
            return new RoundResult(blockIndex, 0, 0, 0, null, null, null);
        }
        int available = (int) ((data.rows - from + batch - 1) / batch);
        int steps = Math.min(request.steps(), available);
        LossType loss = spec.loss();
        Optimizer optimizer = network.optimizer();
        String missing = loadState(request, optimizer);
        if (missing != null) {
            return new RoundResult(blockIndex, 0, 0, 0, null, null, missing);
        }
        try {
            if (request.gradientOnly()) {
                int count = (int) Math.min(batch, data.rows - from);
                float[] gradient = new float[network.parameterCount()];
                double lossSum = trainer.gradientSum(data.features, targets, order, (int) from, count, loss, gradient);
                return new RoundResult(blockIndex, count, lossSum, 1, gradient, null, null);
            }
            TrainingProgress progress = trainer.trainSteps(data.features, targets, order, (int) from, steps, batch,
                    loss, request.learningRate());
            heldRound = request.round() + 1;
            float[] state = null;
            if (request.returnState()) {
                state = new float[optimizer.stateSize()];
                optimizer.exportState(state, 0);
            }
            return new RoundResult(blockIndex, progress.rows(), progress.lossSum(), progress.steps(),
                    trainer.getParameters(), state, null);
        } catch (NonFiniteLossException e) {
            heldRound = -1;
            return RoundResult.diverged(blockIndex, new RoundResult.Divergence(request.epoch() + 1,
                    request.firstStep() + Math.max(1, e.step()), e.loss()), e.getMessage());
        }
    }

    /**
     * Puts the round's starting state in place: the request's, or the one held from the
     * previous round (restored from the copy when a retried attempt finds it already advanced).
     *
     * @return null, or why the state the round needs is not here
     */
    private String loadState(RoundRequest request, Optimizer optimizer) {
        if (request.parameters() != null) {
            trainer.setParameters(request.parameters());
            if (!request.gradientOnly()) {
                optimizer.importState(request.optimizerState(), 0, request.optimizerSteps());
            }
            heldRound = request.round();
            return null;
        }
        if (heldRound == request.round() + 1 && backupRound == request.round()) {
            trainer.setParameters(backupParameters);
            optimizer.importState(backupState, 0, backupSteps);
            heldRound = request.round();
        }
        if (heldRound != request.round()) {
            return "block " + blockIndex + ": the executor no longer holds the training state of round "
                    + request.round() + " (it holds round " + heldRound + ")";
        }
        backupParameters = trainer.getParameters();
        if (backupState == null) {
            backupState = new float[optimizer.stateSize()];
        }
        optimizer.exportState(backupState, 0);
        backupSteps = optimizer.steps();
        backupRound = heldRound;
        return null;
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
