package io.kortexdl.spark;

import io.kortexdl.kernels.LearningRateSchedule;
import io.kortexdl.kernels.Network;
import io.kortexdl.spark.collective.CollectiveSettings;
import io.kortexdl.spark.collective.Rendezvous;
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
 * SGD), {@code K} averages parameters and optimizer state every K steps. The driver broadcasts
 * the state an epoch starts from (read only by an executor that does not already hold it) and
 * gets the state it ends with from block 0; between epochs it validates, applies the stopping
 * rules, checkpoints its {@link FitState} and tells the listeners.
 *
 * <p>When a task fails (an executor lost mid-epoch), Spark reruns the whole barrier stage, and
 * every task starts again from the broadcast state, so the epoch gives the same bits. When a
 * block's cached copy was lost with its executor, the driver recomputes it from the lineage and
 * runs the epoch again.
 */
final class DistributedTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(DistributedTrainer.class);
    /** Times an epoch is run again after recomputing blocks lost with their executors. */
    private static final int MAX_BLOCK_RECOVERIES = 3;
    /** Tokens of epoch attempts, so that no connection of one attempt is taken for another's. */
    private static final java.security.SecureRandom TOKENS = new java.security.SecureRandom();

    /**
     * What the loop needs beyond the spec: epochs, rates, stopping rules, listeners and checkpoints.
     *
     * @param network the collective's ports and timeouts
     */
    record Settings(int maxIter, LearningRateSchedule schedule, double stepSize, int syncInterval, double tol,
                    int patience, boolean classification, List<TrainingListener> listeners, NetworkWeights initial,
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
        static final Checkpointing NONE = new Checkpointing(null, 1, null);
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
        this.fingerprint = Checkpoint.Fingerprint.of(spec, data.trainRows());
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
            ExecutorTrainer.release(runId);
            try {
                // The index RDD prefers the executors holding the trainers; others drop theirs when idle.
                trainer.blocks.indices().foreach(index -> ExecutorTrainer.release(runId));
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
                            : settings.classification() ? validation.accuracy() : validation.rmse(),
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
                state.stopReason = "earlyStopping";
                state.stopped = true;
            }
        } else {
            state.bestEpoch = epoch + 1;
        }
        double previous = state.previousLoss;
        if (!state.stopped && settings.tol() > 0 && !Double.isNaN(previous)
                && previous - loss < settings.tol() * Math.max(1, Math.abs(previous))) {
            state.stopReason = "tol";
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
        boolean single = spec.blockCount() == 1;
        boolean byReference = single && jsc.sc().isLocal();
        if (byReference) {
            DriverJvmStates.put(DriverJvmStates.start(spec.runId()), state.training);
        }
        Broadcast<TrainingState> start = single && !byReference ? jsc.broadcast(state.training) : null;
        try {
            EpochRequest request = new EpochRequest(epoch, learningRate, settings.syncInterval(), start,
                    settings.network());
            TrainingState[] end = new TrainingState[1];
            List<EpochResult> results = onEveryBlock(() -> single
                    ? new EpochTask(spec, request, blocks.rddId(), null)
                            .over(placement.apply(blocks.indices()), false).collect()
                    : rerunOnFailure(epoch, () -> together(request, end)),
                    result -> result.status() == EpochResult.Status.BLOCK_MISSING);
            if (results.stream().anyMatch(r -> r.status() == EpochResult.Status.BLOCK_MISSING)) {
                throw new IllegalStateException("KortexDL: training blocks were lost with their executors and could"
                        + " not be recomputed in " + MAX_BLOCK_RECOVERIES + " attempts");
            }
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
            state.training = !single ? end[0] : byReference ? DriverJvmStates.take(DriverJvmStates.end(spec.runId()))
                    : results.get(0).state();
            return new double[] {lossSum, rows};
        } finally {
            if (start != null) {
                start.destroy(false);
            }
            if (byReference) {
                DriverJvmStates.take(DriverJvmStates.start(spec.runId()));
                DriverJvmStates.take(DriverJvmStates.end(spec.runId()));
            }
        }
    }

    /**
     * One attempt of a multi-block epoch: its barrier job, with a rendezvous of its own that serves
     * the start state to tasks that lack it and receives the end state, put in {@code end[0]}.
     */
    private List<EpochResult> together(EpochRequest request, TrainingState[] end) {
        org.apache.spark.SparkConf conf = jsc.getConf();
        String host = conf.get("spark.driver.host", "localhost");
        long token = TOKENS.nextLong();
        try (Rendezvous rendezvous = Rendezvous.open(conf.get("spark.driver.bindAddress", host), host,
                spec.blockCount(), token, settings.network(), state.training::toBytes)) {
            List<EpochResult> results = new EpochTask(spec, request, blocks.rddId(), rendezvous.address())
                    .over(placement.apply(blocks.indices()), true).collect();
            if (results.stream().allMatch(r -> r.status() == EpochResult.Status.TRAINED)) {
                byte[] bytes = rendezvous.end(settings.network().timeoutMs());
                if (bytes == null) {
                    throw new IllegalStateException("KortexDL: block 0 finished the epoch, but its state did not"
                            + " reach the driver's rendezvous within " + settings.network().timeoutMs() + " ms");
                }
                end[0] = TrainingState.fromBytes(bytes);
            }
            return results;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("KortexDL: interrupted while waiting for the epoch's state", e);
        }
    }

    /**
     * Runs the barrier job of epoch {@code epoch}, and runs it again from the epoch's start when
     * it fails (an executor lost mid-epoch), up to {@code spark.stage.maxConsecutiveAttempts}
     * times: Spark retries failed barrier shuffle stages itself, but aborts a job whose barrier
     * result stage failed. Before each attempt, waits for one executor per block.
     */
    private List<EpochResult> rerunOnFailure(int epoch, java.util.function.Supplier<List<EpochResult>> job) {
        int attempts = Math.max(1, jsc.getConf().getInt("spark.stage.maxConsecutiveAttempts", 4));
        for (int attempt = 1; ; attempt++) {
            ExecutorSlots.await(jsc.sc(), spec.blockCount(), lastCheckpoint, ClusterShape.REGISTRATION_WAIT_MS);
            try {
                return job.get();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                if (!(e instanceof org.apache.spark.SparkException) || attempt >= attempts) {
                    throw Sneaky.rethrow(e);
                }
                LOG.warn("KortexDL: epoch {} failed on attempt {} of {} and runs again from its start: {}", epoch + 1,
                        attempt, attempts, e.getMessage().lines().findFirst().orElse(""));
            }
        }
    }

    /**
     * Runs {@code job} (one task per block, results in block order) and returns its results. When
     * some block had no cached copy left (its executor died), recomputes the lost blocks from the
     * lineage and runs the job again, up to {@link #MAX_BLOCK_RECOVERIES} times.
     */
    private <T> List<T> onEveryBlock(java.util.function.Supplier<List<T>> job, java.util.function.Predicate<T> lost) {
        for (int attempt = 0; ; attempt++) {
            List<T> results = job.get();
            if (results.stream().noneMatch(lost) || attempt == MAX_BLOCK_RECOVERIES) {
                return results;
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
        boolean classification = settings.classification();
        String runId = spec.runId();
        int rddId = blocks.rddId();
        try {
            List<MetricSums> parts = onEveryBlock(() -> placement.apply(blocks.indices()).map(index -> {
                MetricSums sums = new MetricSums();
                PackedBlock block = ExecutorTrainer.block(runId, index, rddId);
                if (block == null) {
                    sums.blockLost = true;
                } else if (block.validation.rows > 0) {
                    sums.addPart(broadcast.value().sharedNetwork(), block.validation, classification);
                }
                return sums;
            }).collect(), sums -> sums.blockLost);
            if (parts.stream().anyMatch(sums -> sums.blockLost)) {
                throw new IllegalStateException("KortexDL: validation blocks were lost and could not be recomputed");
            }
            MetricSums total = new MetricSums();
            parts.forEach(total::add);
            return total.toMetrics(classification);
        } finally {
            broadcast.destroy(false);
        }
    }

    private void log(EpochRecord r, double elapsed) {
        double eta = elapsed / r.epoch() * (r.maxIter() - r.epoch());
        String validation = Double.isNaN(r.validationMetric()) ? ""
                : String.format(", validation %s %.4f (loss %.4f)", settings.classification() ? "accuracy" : "RMSE",
                        r.validationMetric(), r.validationLoss());
        LOG.info(String.format("KortexDL epoch %d/%d: loss %.4f%s, %.0f samples/s%s, %.1f s elapsed, ETA %.1f s",
                r.epoch(), r.maxIter(), r.loss(), validation, r.samplesPerSecond(), syncTotals.lastEpoch(), elapsed,
                eta));
    }

    /** The syncs of block 0 over this fit's epochs, for the summary and the log. */
    private static final class SyncTotals {
        long syncs;
        double seconds;
        long bytes;
        private EpochResult.SyncStats last = EpochResult.SyncStats.NONE;

        void add(List<EpochResult> results) {
            last = results.get(0).sync();
            syncs += last.syncs();
            seconds += last.seconds();
            bytes += last.bytesSent();
        }

        /** ", 469 syncs of 0.52 ms and 0.94 MB in 0.71 s of training" for the last epoch, or "" without syncs. */
        String lastEpoch() {
            return last.syncs() == 0 ? "" : String.format(", %d syncs of %.2f ms and %.2f MB in %.2f s of training",
                    last.syncs(), last.seconds() * 1e3 / last.syncs(), last.bytesSent() / 1e6 / last.syncs(),
                    last.trainSeconds());
        }
    }
}
