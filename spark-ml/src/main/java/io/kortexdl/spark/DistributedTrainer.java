package io.kortexdl.spark;

import io.kortexdl.kernels.LearningRateSchedule;
import io.kortexdl.kernels.LossType;
import io.kortexdl.kernels.Network;
import io.kortexdl.spark.collective.CollectiveSettings;
import io.kortexdl.spark.executor.ChunkUnavailableException;
import io.kortexdl.spark.executor.EpochRequest;
import io.kortexdl.spark.executor.EpochResult;
import io.kortexdl.spark.executor.TrainingState;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's loop: one Spark job per epoch. With one block the epoch is one task, exactly
 * serial mini-batch training. With several, the epoch's tasks run together as a barrier stage
 * ({@link EpochTask}) and sync among themselves over TCP, without the driver, every
 * {@code syncInterval} steps: {@code 1} sums the gradients of every step (exact synchronous
 * SGD), {@code K} averages parameters and optimizer state every K steps. Each attempt of an epoch
 * has an {@link EpochChannel} of its own, which carries the state the epoch starts from to the
 * tasks whose trainers do not already hold it and the state it ends with back from block 0;
 * between epochs the driver validates, applies the stopping rules, checkpoints its
 * {@link FitState} and tells the listeners.
 *
 * <p>When a barrier task fails (an executor lost mid-epoch), the whole epoch runs again from its
 * start state, so it gives the same bits. When a block's cached copy was lost with its executor,
 * the driver recomputes it from the lineage and runs the epoch again. One loop,
 * {@link #untilComplete}, does both.
 */
final class DistributedTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(DistributedTrainer.class);
    /** Times a job (an epoch, a validation pass) runs again after recomputing blocks lost with their executors. */
    private static final int MAX_BLOCK_RECOVERIES = 3;

    /**
     * What the loop needs beyond the spec: epochs, rates, stopping rules, listeners and checkpoints.
     *
     * @param network the collective's ports, timeouts and protection
     */
    record Settings(int maxIter, LearningRateSchedule schedule, double stepSize, int syncInterval, double tol,
                    int patience, List<TrainingListener> listeners, NetworkWeights initial,
                    String description, Checkpointing checkpointing, CollectiveSettings network) {
    }

    /**
     * Checkpoints of one fit.
     *
     * @param store where to write them, or null for none
     * @param interval epochs between them
     * @param resume the checkpoint to continue from, or null
     */
    record Checkpointing(CheckpointStore store, int interval, CheckpointStore.Found resume) {
    }

    /** The trained weights and the history. */
    record Outcome(NetworkWeights weights, KortexTrainingSummary summary) {
    }

    private final JavaSparkContext jsc;
    private final DataPacker.Packed data;
    private final TrainingSpec spec;
    private final Settings settings;
    private final ResourcePlacement placement;
    private final BlockPlacement blocks;
    /** What a checkpoint of this fit records, and what one it resumes from must match. */
    private final Checkpoint.Fingerprint fingerprint;
    private FitState state;
    private String lastCheckpoint;
    private final SyncTotals syncTotals = new SyncTotals();

    private DistributedTrainer(JavaSparkContext jsc, DataPacker.Packed data, TrainingSpec spec, Settings settings,
                               ResourcePlacement placement) {
        this.jsc = jsc;
        this.data = data;
        this.spec = spec;
        this.settings = settings;
        this.placement = placement;
        this.blocks = BlockPlacement.of(jsc, data.blocks());
        this.fingerprint = Checkpoint.Fingerprint.of(spec, data.trainRows(), data.rowOrder(spec.windowChunks()));
    }

    /**
     * Trains on the packed blocks.
     *
     * @throws TrainingDivergedException if training diverges (naming the epoch, step, block and executor)
     * @throws IllegalStateException when blocks or executors are lost beyond recovery, or a listener's exception
     */
    static Outcome train(JavaSparkContext jsc, DataPacker.Packed data, TrainingSpec spec, Settings settings,
                         ResourcePlacement placement) {
        DistributedTrainer trainer = new DistributedTrainer(jsc, data, spec, settings, placement);
        String previous = jsc.getLocalProperty("spark.job.description");
        try {
            return trainer.run();
        } finally {
            jsc.setJobDescription(previous);
            String runId = spec.runId();
            BlockTrainers.release(runId);
            try {
                // The index RDD prefers the executors holding the trainers; others close theirs when idle.
                trainer.blocks.indices().foreach(index -> BlockTrainers.release(runId));
            } catch (RuntimeException e) {
                LOG.debug("KortexDL: releasing executor trainers failed", e);
            }
        }
    }

    private Outcome run() {
        Network network = spec.newNetwork(settings.initial() == null ? null
                : spec.labelScaling().toStandardUnits(spec.layerSizes(), settings.initial().parametersView()));
        state = new FitState(new TrainingState(network.getParameters(), new float[network.optimizer().stateSize()], 0));
        boolean validating = data.validationRows() > 0;
        CheckpointStore.Found resume = settings.checkpointing().resume();
        if (resume != null) {
            restore(resume);
        }
        checkCheckpointsWritable();
        long started = System.nanoTime();
        for (int epoch = state.epochsDone; epoch < settings.maxIter() && !state.stopped; epoch++) {
            long epochStart = System.nanoTime();
            jsc.setJobDescription(settings.description() + ": epoch " + (epoch + 1) + "/" + settings.maxIter());
            double[] lossAndRows = runEpoch(epoch, settings.schedule().rate(epoch));
            double loss = spec.labelScaling().squaredErrorInLabelUnits(lossAndRows[0] / lossAndRows[1]);
            KortexMetrics validation = validating ? validate() : null;
            double seconds = (System.nanoTime() - epochStart) / 1e9;
            EpochRecord record = new EpochRecord(epoch + 1, settings.maxIter(), loss,
                    validation == null ? Double.NaN : validation.loss(),
                    validation == null ? Double.NaN
                            : classification() ? validation.accuracy() : validation.rmse(),
                    seconds, lossAndRows[1] / seconds);
            state.history.add(record);
            state.epochsDone = epoch + 1;
            log(record, (System.nanoTime() - started) / 1e9);
            applyStoppingRules(epoch, loss, validation);
            boolean last = state.stopped || epoch + 1 == settings.maxIter();
            Checkpointing checkpointing = settings.checkpointing();
            if (checkpointing.store() != null && (last || (epoch + 1) % checkpointing.interval() == 0)) {
                checkpoint();
            }
            // Listeners hear of an epoch once it is safe in its checkpoint.
            for (TrainingListener listener : settings.listeners()) {
                listener.onEpochEnd(record);
            }
        }
        float[] finalParameters = state.best != null ? state.best : state.training.parameters();
        NetworkWeights weights = inLabelUnits(finalParameters);
        KortexTrainingSummary summary = new KortexTrainingSummary(state.history, state.stopReason, state.bestEpoch,
                spec.blockCount(), spec.threadsPerExecutor(), state.rowsByExecutor, spec.globalBatch(),
                syncTotals.syncs, syncTotals.seconds, syncTotals.bytes, data.storage() == FeatureStorage.SPARSE);
        return new Outcome(weights, summary);
    }

    /** Keeps the best validation epoch, and ends the fit by early stopping or {@code tol}. */
    private void applyStoppingRules(int epoch, double loss, KortexMetrics validation) {
        if (validation != null) {
            if (validation.loss() < state.bestValidationLoss) {
                state.bestValidationLoss = validation.loss();
                state.best = state.training.parameters().clone();
                state.bestEpoch = epoch + 1;
            } else if (epoch + 1 - state.bestEpoch >= settings.patience()) {
                state.stopReason = StopReason.EARLY_STOPPING;
                state.stopped = true;
            }
        } else {
            state.bestEpoch = epoch + 1;
        }
        double previous = state.previousLoss;
        if (!state.stopped && settings.tol() > 0 && !Double.isNaN(previous)
                && previous - loss < settings.tol() * Math.max(1, Math.abs(previous))) {
            state.stopReason = StopReason.TOL;
            state.stopped = true;
        }
        state.previousLoss = loss;
    }

    /**
     * Fails before the first epoch, rather than after it, when checkpoints cannot be written; run
     * once every other check has passed, since it creates the checkpoint directory.
     */
    private void checkCheckpointsWritable() {
        CheckpointStore store = settings.checkpointing().store();
        if (store == null) {
            return;
        }
        try {
            store.checkWritable();
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("checkpointDir " + store.directory() + " cannot be written: "
                    + e.getMessage(), e);
        }
    }

    /** Continues from the checkpoint {@code found}. */
    private void restore(CheckpointStore.Found found) {
        Checkpoint c = found.checkpoint();
        String difference = c.fingerprint().difference(fingerprint);
        TrainingState saved = c.state().training;
        if (difference != null || saved.parameters().length != state.training.parameters().length
                || saved.optimizerState().length != state.training.optimizerState().length) {
            throw new IllegalArgumentException("resumeFrom: " + found.path() + " (after epoch " + c.state().epochsDone
                    + ") was written by a fit with "
                    + (difference != null ? difference : "another parameter or optimizer-state size")
                    + "; resume with the same data, partitioning, executors and params");
        }
        state = c.state().snapshot();
        lastCheckpoint = found.path();
        LOG.info("KortexDL: resuming after epoch {} of {}", state.epochsDone, settings.maxIter());
    }

    private void checkpoint() {
        try {
            lastCheckpoint = settings.checkpointing().store().write(new Checkpoint(fingerprint, state.snapshot()))
                    .toString();
            LOG.info("KortexDL: checkpoint after epoch {}: {}", state.epochsDone, lastCheckpoint);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("KortexDL could not write the checkpoint of epoch "
                    + state.epochsDone + " to checkpointDir: " + e.getMessage(), e);
        }
    }

    /** Runs one epoch on every block and takes its end state; returns {loss sum, rows}. */
    private double[] runEpoch(int epoch, float learningRate) {
        EpochRequest request = new EpochRequest(epoch, learningRate, settings.syncInterval());
        List<EpochResult> results = untilComplete("epoch " + (epoch + 1), spec.blockCount() > 1, () -> {
            try (EpochChannel channel = EpochChannel.open(jsc.sc(), spec.blockCount(), state.training,
                    settings.network())) {
                List<EpochResult> attempt = new EpochTask(spec, request, blocks.rddId(), channel.access(),
                        settings.network()).over(placement.apply(blocks.indices())).collect();
                if (attempt.stream().anyMatch(r -> r.status() == EpochResult.Status.BLOCK_MISSING)) {
                    return null;
                }
                checkTrained(epoch, attempt);
                state.training = channel.end(settings.network().timeoutMs());
                return attempt;
            }
        });
        double lossSum = 0;
        long rows = 0;
        for (EpochResult result : results) {
            lossSum += result.lossSum();
            rows += result.rows();
            if (result.rows() > 0) {
                state.rowsByExecutor.merge(result.executor(), result.rows(), Long::sum);
            }
        }
        syncTotals.add(results);
        return new double[] {lossSum, rows};
    }

    /**
     * Fails the fit unless every block trained the epoch.
     *
     * @throws TrainingDivergedException naming where a block diverged
     */
    private void checkTrained(int epoch, List<EpochResult> results) {
        for (EpochResult result : results) {
            if (result.status() == EpochResult.Status.DIVERGED) {
                EpochResult.Divergence d = result.divergence();
                throw new TrainingDivergedException(d.epoch(), d.step(), spec.stepsPerEpoch(), "block "
                        + result.block() + " on executor " + result.executor() + ": the batch loss is " + d.loss(),
                        settings.stepSize(), lastCheckpoint, null);
            }
        }
        if (results.stream().anyMatch(r -> r.status() != EpochResult.Status.TRAINED)) {
            throw new IllegalStateException("KortexDL: epoch " + (epoch + 1) + " ended without a result from"
                    + " every block: " + results.stream().map(r -> "block " + r.block() + " " + r.status()).toList());
        }
    }

    /**
     * Runs {@code attempt} (one Spark job over every block) until it completes, and returns what
     * it returned. An attempt returns null when some block had no cached copy left (its executor
     * died): the lost blocks are recomputed from the lineage and the attempt runs again, up to
     * {@link #MAX_BLOCK_RECOVERIES} times. A failed barrier job (an executor lost mid-epoch) runs
     * again from its start, up to {@code spark.stage.maxConsecutiveAttempts} times in all: Spark
     * retries failed barrier shuffle stages itself, but aborts a job whose barrier result stage
     * failed. Before each barrier attempt, waits for one executor per block.
     *
     * @param what the job, for messages
     * @param barrier whether the job is a barrier stage; a plain job's tasks are retried by Spark itself
     */
    private <T> T untilComplete(String what, boolean barrier, java.util.function.Supplier<T> attempt) {
        int maxAttempts = barrier ? Math.max(1, jsc.getConf().getInt("spark.stage.maxConsecutiveAttempts", 4)) : 1;
        int failed = 0;
        int recoveries = 0;
        while (true) {
            if (barrier) {
                ExecutorSlots.await(jsc.sc(), spec.blockCount(), lastCheckpoint, ClusterShape.REGISTRATION_WAIT_MS);
            }
            T result;
            try {
                result = attempt.get();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) { // Spark's jobs throw SparkException undeclared
                if (!(e instanceof org.apache.spark.SparkException) || ++failed >= maxAttempts) {
                    throw Sneaky.rethrow(e);
                }
                LOG.warn("KortexDL: {} failed on attempt {} of {} and runs again from its start: {}", what, failed,
                        maxAttempts, e.getMessage().lines().findFirst().orElse(""));
                continue;
            }
            if (result != null) {
                return result;
            }
            if (recoveries++ == MAX_BLOCK_RECOVERIES) {
                throw new IllegalStateException("KortexDL: training blocks were lost with their executors and could"
                        + " not be recomputed for " + what + " in " + MAX_BLOCK_RECOVERIES + " attempts");
            }
            LOG.warn("KortexDL: training blocks were lost with their executor; recomputing them");
            data.blocks().count();
            blocks.refresh();
        }
    }

    /**
     * The network of {@code trained} (standardized-label parameters for regression) as it predicts
     * the label itself; for classification the scaling is the identity.
     */
    private NetworkWeights inLabelUnits(float[] trained) {
        return new NetworkWeights(spec.layerSizes(), spec.hiddenActivation(),
                spec.labelScaling().toLabelUnits(spec.layerSizes(), trained));
    }

    private KortexMetrics validate() {
        NetworkWeights weights = inLabelUnits(state.training.parameters());
        Broadcast<NetworkWeights> broadcast = jsc.broadcast(weights);
        LossType loss = spec.loss();
        String runId = spec.runId();
        int rddId = blocks.rddId();
        try {
            return untilComplete("validation", false, () -> {
                List<BlockMetrics> parts = placement.apply(blocks.indices()).map(index -> {
                    PackedBlock block = BlockTrainers.block(runId, index, rddId);
                    if (block == null) {
                        return BlockMetrics.LOST;
                    }
                    MetricSums sums = new MetricSums();
                    if (block.validation.rows > 0) {
                        try {
                            sums.addPart(broadcast.value().sharedNetwork(), block.validation, index, loss);
                        } catch (ChunkUnavailableException e) {
                            LOG.warn("KortexDL: {}; block {} is packed again from its source", e.getMessage(), index);
                            BlockTrainers.forget(runId, rddId, index);
                            return BlockMetrics.LOST;
                        }
                    }
                    return new BlockMetrics(sums);
                }).collect();
                if (parts.stream().anyMatch(BlockMetrics::lost)) {
                    return null;
                }
                MetricSums total = new MetricSums();
                parts.forEach(part -> total.add(part.sums()));
                return total.toMetrics(loss);
            });
        } finally {
            broadcast.destroy(false);
        }
    }

    /** The validation sums of one block, or none when the block was lost. */
    private record BlockMetrics(MetricSums sums) implements java.io.Serializable {
        static final BlockMetrics LOST = new BlockMetrics(null);

        boolean lost() {
            return sums == null;
        }
    }

    /** Whether this fit trains a classifier (else a regressor), as its loss says. */
    private boolean classification() {
        return spec.loss() == LossType.CROSS_ENTROPY;
    }

    private void log(EpochRecord r, double elapsed) {
        double eta = elapsed / r.epoch() * (r.maxIter() - r.epoch());
        String validation = Double.isNaN(r.validationMetric()) ? ""
                : String.format(", validation %s %.4f (loss %.4f)", classification() ? "accuracy" : "RMSE",
                        r.validationMetric(), r.validationLoss());
        LOG.info(String.format("KortexDL epoch %d/%d: loss %.4f%s, %.0f samples/s%s, %.1f s elapsed, ETA %.1f s",
                r.epoch(), r.maxIter(), r.loss(), validation, r.samplesPerSecond(), syncTotals.lastEpoch(), elapsed,
                eta));
    }

    /**
     * The syncs of block 0 over this fit's epochs, for the summary and the log, and the longest
     * any block of the last epoch waited for its rows to load.
     */
    private static final class SyncTotals {
        long syncs;
        double seconds;
        long bytes;
        private EpochResult.SyncStats last = EpochResult.SyncStats.NONE;
        private double loadWait;

        void add(List<EpochResult> results) {
            last = results.get(0).sync();
            syncs += last.syncs();
            seconds += last.seconds();
            bytes += last.bytesSent();
            loadWait = results.stream().mapToDouble(r -> r.sync().loadWaitSeconds()).max().orElse(0);
        }

        /**
         * ", 469 syncs of 0.52 ms and 0.94 MB in 0.71 s of training" for the last epoch, or "" without
         * syncs; then ", 0.12 s waiting for rows to load" when a block waited at least 10 ms.
         */
        String lastEpoch() {
            String syncLine = last.syncs() == 0 ? "" : String.format(java.util.Locale.ROOT,
                    ", %d syncs of %.2f ms and %.2f MB in %.2f s of training", last.syncs(),
                    last.seconds() * 1e3 / last.syncs(), last.bytesSent() / 1e6 / last.syncs(), last.trainSeconds());
            return loadWait < 0.01 ? syncLine
                    : syncLine + String.format(java.util.Locale.ROOT, ", %.2f s waiting for rows to load", loadWait);
        }
    }
}
