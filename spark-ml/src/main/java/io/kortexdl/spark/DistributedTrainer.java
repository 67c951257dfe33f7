package io.kortexdl.spark;

import io.kortexdl.kernels.LearningRateSchedule;
import io.kortexdl.kernels.Network;
import io.kortexdl.kernels.NumaTopology;
import io.kortexdl.kernels.ParallelTrainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's training loop. Each epoch is a series of rounds; a round broadcasts the current
 * parameters and optimizer state, every block (one per executor) runs local steps on its
 * multithreaded trainer, and the results come back with {@code collect}, which orders them by
 * block, and are combined in that order, so a fit is bitwise reproducible whatever order the
 * tasks finish in (a tree reduce would add them in arrival order).
 *
 * <ul>
 * <li>One block: the whole epoch is one round; this is exactly serial mini-batch training.</li>
 * <li>{@code syncInterval = 1} with several blocks: each step every block returns the gradient
 *     sum of its share of the global batch; the driver adds them and applies one optimizer step
 *     (exact synchronous SGD, one Spark job per step).</li>
 * <li>{@code syncInterval = K > 1}: every block runs K local steps on its share, then parameters
 *     and optimizer state are averaged, weighted by the rows each block covered.</li>
 * </ul>
 */
final class DistributedTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(DistributedTrainer.class);
    /** Times a round is retried after recomputing blocks lost with their executors. */
    private static final int MAX_BLOCK_RECOVERIES = 3;

    /**
     * What the loop needs beyond the spec: epochs, rates, stopping rules, listeners and checkpoints.
     *
     * @param retainState keep parameters and optimizer state in the executor's trainer between
     *     rounds instead of shipping them both ways (local mode, where the driver is the executor)
     */
    record Settings(int maxIter, LearningRateSchedule schedule, double stepSize, int syncInterval, double tol,
                    int patience, boolean classification, List<TrainingListener> listeners, NetworkWeights initial,
                    String description, boolean retainState, Checkpointing checkpointing) {
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
    private float[] parameters;
    private float[] optimizerState;
    private long optimizerSteps;
    private long roundsCompleted;
    /** Whether the executors' trainers hold the current state (retained mode); false until a round ran. */
    private boolean stateOnExecutors;
    private final Map<String, Long> rowsByExecutor = new TreeMap<>();
    private final List<EpochRecord> history = new ArrayList<>();
    private float[] best;
    private int bestEpoch;
    private double bestValidationLoss = Double.POSITIVE_INFINITY;
    private double previousLoss = Double.NaN;
    private String stopReason = "maxIter";
    private boolean finished;
    private String lastCheckpoint;

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
     * @throws IllegalStateException if training diverges (naming the epoch, block and rows), or a
     *     listener's exception
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
        parameters = network.getParameters();
        optimizerState = new float[network.optimizer().stateSize()];
        best = parameters.clone();
        boolean validating = data.validationRows() > 0;
        CheckpointStore.Found resume = settings.checkpointing().resume();
        int firstEpoch = resume == null ? 0 : restore(resume);
        checkCheckpointsWritable();
        long started = System.nanoTime();
        try (ParallelTrainer driverStep = new ParallelTrainer(network, 1, NumaTopology.singleNode(1), false)) {
            for (int epoch = firstEpoch; epoch < settings.maxIter() && !finished; epoch++) {
                long epochStart = System.nanoTime();
                jsc.setJobDescription(settings.description() + ": epoch " + (epoch + 1) + "/" + settings.maxIter());
                double[] lossAndRows = runEpoch(epoch, settings.schedule().rate(epoch), driverStep);
                double loss = spec.labelScaling().squaredErrorInLabelUnits(lossAndRows[0] / lossAndRows[1]);
                KortexMetrics validation = validating ? validate() : null;
                double seconds = (System.nanoTime() - epochStart) / 1e9;
                EpochRecord record = new EpochRecord(epoch + 1, settings.maxIter(), loss,
                        validation == null ? Double.NaN : validation.loss(),
                        validation == null ? Double.NaN
                                : settings.classification() ? validation.accuracy() : validation.rmse(),
                        seconds, lossAndRows[1] / seconds);
                history.add(record);
                log(record, (System.nanoTime() - started) / 1e9);
                if (validating) {
                    if (validation.loss() < bestValidationLoss) {
                        bestValidationLoss = validation.loss();
                        best = parameters.clone();
                        bestEpoch = epoch + 1;
                    } else if (epoch + 1 - bestEpoch >= settings.patience()) {
                        stopReason = "earlyStopping";
                        finished = true;
                    }
                } else {
                    bestEpoch = epoch + 1;
                }
                if (!finished && settings.tol() > 0 && !Double.isNaN(previousLoss)
                        && previousLoss - loss < settings.tol() * Math.max(1, Math.abs(previousLoss))) {
                    stopReason = "tol";
                    finished = true;
                }
                previousLoss = loss;
                boolean last = finished || epoch + 1 == settings.maxIter();
                Checkpointing checkpointing = settings.checkpointing();
                if (checkpointing.store() != null && (last || (epoch + 1) % checkpointing.interval() == 0)) {
                    checkpoint(epoch + 1, last, validating);
                }
                // Listeners hear of an epoch once it is safe in its checkpoint.
                for (TrainingListener listener : settings.listeners()) {
                    listener.onEpochEnd(record);
                }
            }
        }
        float[] finalParameters = validating && bestEpoch > 0 ? best : parameters;
        NetworkWeights weights = inLabelUnits(finalParameters);
        KortexTrainingSummary summary = new KortexTrainingSummary(history, stopReason, bestEpoch, spec.blockCount(),
                spec.threadsPerExecutor(), rowsByExecutor, spec.globalBatch());
        return new Outcome(weights, summary);
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

    /** Continues from {@code c}; returns the first epoch to run. */
    private int restore(CheckpointStore.Found found) {
        Checkpoint c = found.checkpoint();
        String difference = c.fingerprint().difference(fingerprint);
        if (difference != null || c.parameters().length != parameters.length
                || c.optimizerState().length != optimizerState.length) {
            throw new IllegalArgumentException("resumeFrom: " + found.path() + " (after epoch " + c.epochsDone()
                    + ") was written by a fit with "
                    + (difference != null ? difference : "another parameter or optimizer-state size")
                    + "; resume with the same data, partitioning, executors and params");
        }
        parameters = c.parameters().clone();
        optimizerState = c.optimizerState().clone();
        optimizerSteps = c.optimizerSteps();
        roundsCompleted = c.roundsCompleted();
        history.addAll(c.history());
        rowsByExecutor.putAll(c.rowsByExecutor());
        bestEpoch = c.bestEpoch();
        bestValidationLoss = c.bestValidationLoss();
        best = c.best() != null ? c.best().clone() : parameters.clone();
        previousLoss = c.previousLoss();
        stopReason = c.stopReason();
        finished = c.finished() && !stopReason.equals("maxIter");
        lastCheckpoint = found.path();
        LOG.info("KortexDL: resuming after epoch {} of {}", c.epochsDone(), settings.maxIter());
        return c.epochsDone();
    }

    private void checkpoint(int epochsDone, boolean last, boolean validating) {
        Checkpoint c = new Checkpoint(fingerprint, epochsDone, last, stopReason,
                optimizerSteps, roundsCompleted, parameters, optimizerState, bestEpoch, bestValidationLoss,
                validating ? best : null, previousLoss, history, rowsByExecutor);
        try {
            lastCheckpoint = settings.checkpointing().store().write(c).toString();
            LOG.info("KortexDL: checkpoint after epoch {}: {}", epochsDone, lastCheckpoint);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("KortexDL could not write the checkpoint of epoch " + epochsDone
                    + " to checkpointDir: " + e.getMessage(), e);
        }
    }

    /** Runs one epoch; returns {loss sum, rows}. */
    private double[] runEpoch(int epoch, float learningRate, ParallelTrainer driverStep) {
        int steps = spec.stepsPerEpoch();
        int interval = spec.blockCount() == 1 ? steps : Math.min(settings.syncInterval(), steps);
        double lossSum = 0;
        long rows = 0;
        for (int first = 0; first < steps; first += interval) {
            int count = Math.min(interval, steps - first);
            boolean exact = interval == 1 && spec.blockCount() > 1;
            boolean retained = settings.retainState() && !exact && stateOnExecutors;
            boolean lastRound = first + interval >= steps;
            RoundRequest request = new RoundRequest(epoch, first, count, learningRate, exact,
                    retained ? null : parameters, retained ? null : optimizerState, optimizerSteps, roundsCompleted,
                    !settings.retainState() || (lastRound && settings.checkpointing().store() != null));
            List<RoundResult> results = runRound(request);
            long roundRows = 0;
            for (RoundResult result : results) {
                if (result.divergence() != null) {
                    RoundResult.Divergence d = result.divergence();
                    throw new TrainingDivergedException(d.epoch(), d.step(), spec.stepsPerEpoch(),
                            "block " + result.block() + ": the batch loss is " + d.loss(), settings.stepSize(),
                            lastCheckpoint, new IllegalStateException(result.failure()));
                }
                if (result.failure() != null) {
                    throw new IllegalStateException("KortexDL training failed at " + result.failure());
                }
                roundRows += result.rows();
                lossSum += result.lossSum();
                if (result.rows() > 0) {
                    rowsByExecutor.merge(result.executor(), result.rows(), Long::sum);
                }
            }
            roundsCompleted++;
            stateOnExecutors = true;
            if (roundRows == 0) {
                continue;
            }
            rows += roundRows;
            if (exact) {
                applySummedGradient(results, roundRows, learningRate, driverStep, epoch, first);
            } else if (settings.retainState()) {
                RoundResult only = results.get(0);
                System.arraycopy(only.values(), 0, parameters, 0, parameters.length);
                if (only.optimizerState() != null) {
                    System.arraycopy(only.optimizerState(), 0, optimizerState, 0, optimizerState.length);
                }
                optimizerSteps += only.steps();
            } else {
                average(results, roundRows);
            }
        }
        return new double[] {lossSum, rows};
    }

    /** Runs one round on every block. */
    private List<RoundResult> runRound(RoundRequest request) {
        Broadcast<RoundRequest> broadcast = jsc.broadcast(request);
        try {
            TrainingSpec taskSpec = spec;
            int rddId = blocks.rddId();
            return onEveryBlock(block -> ExecutorTrainer.runRound(taskSpec, broadcast.value(), block, rddId),
                    RoundResult::blockLost);
        } finally {
            broadcast.destroy(false);
        }
    }

    /**
     * Runs {@code task} once per block on the block's executor and returns the results in block
     * order. When some block had no cached copy left (its executor died), recomputes the lost
     * blocks from the lineage and runs the task again, up to {@link #MAX_BLOCK_RECOVERIES} times.
     */
    private <T> List<T> onEveryBlock(org.apache.spark.api.java.function.Function<Integer, T> task,
                                     java.util.function.Predicate<T> lost) {
        for (int attempt = 0; ; attempt++) {
            List<T> results = placement.apply(blocks.indices().map(task)).collect();
            if (results.stream().noneMatch(lost) || attempt == MAX_BLOCK_RECOVERIES) {
                return results;
            }
            LOG.warn("KortexDL: training blocks were lost with their executor; recomputing them");
            data.blocks().count();
            blocks.refresh();
        }
    }

    private void applySummedGradient(List<RoundResult> results, long rows, float learningRate,
                                     ParallelTrainer driverStep, int epoch, int step) {
        float[] sum = new float[parameters.length];
        for (RoundResult result : results) {
            if (result.rows() == 0) {
                continue;
            }
            float[] g = result.values();
            for (int i = 0; i < sum.length; i++) {
                sum[i] += g[i];
            }
        }
        Network network = driverStep.network();
        driverStep.setParameters(parameters);
        network.optimizer().importState(optimizerState, 0, optimizerSteps);
        try {
            driverStep.applyGradientSum(sum, rows, learningRate);
        } catch (IllegalArgumentException e) {
            throw new TrainingDivergedException(epoch + 1, step + 1, spec.stepsPerEpoch(), e.getMessage(),
                    settings.stepSize(), lastCheckpoint, e);
        }
        parameters = driverStep.getParameters();
        network.optimizer().exportState(optimizerState, 0);
        optimizerSteps = network.optimizer().steps();
    }

    /** Parameters and optimizer state averaged over the blocks, weighted by the rows each covered. */
    private void average(List<RoundResult> results, long rows) {
        double[] params = new double[parameters.length];
        double[] state = new double[optimizerState.length];
        int steps = 0;
        for (RoundResult result : results) {
            if (result.rows() == 0) {
                continue;
            }
            double weight = (double) result.rows() / rows;
            float[] p = result.values();
            for (int i = 0; i < params.length; i++) {
                params[i] += weight * p[i];
            }
            float[] s = result.optimizerState();
            for (int i = 0; i < state.length; i++) {
                state[i] += weight * s[i];
            }
            steps = Math.max(steps, result.steps());
        }
        for (int i = 0; i < params.length; i++) {
            parameters[i] = (float) params[i];
        }
        for (int i = 0; i < state.length; i++) {
            optimizerState[i] = (float) state[i];
        }
        optimizerSteps += steps;
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
        NetworkWeights weights = inLabelUnits(parameters);
        Broadcast<NetworkWeights> broadcast = jsc.broadcast(weights);
        boolean classification = settings.classification();
        String runId = spec.runId();
        int rddId = blocks.rddId();
        try {
            List<MetricSums> parts = onEveryBlock(index -> {
                MetricSums sums = new MetricSums();
                PackedBlock block = ExecutorTrainer.block(runId, index, rddId);
                if (block == null) {
                    sums.blockLost = true;
                } else if (block.validation.rows > 0) {
                    PackedBlock.Part part = block.validation;
                    sums.addRows(broadcast.value().toNetwork(), part.features, part.labels, part.weights, part.rows,
                            classification);
                }
                return sums;
            }, sums -> sums.blockLost);
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
        LOG.info(String.format("KortexDL epoch %d/%d: loss %.4f%s, %.0f samples/s, %.1f s elapsed, ETA %.1f s",
                r.epoch(), r.maxIter(), r.loss(), validation, r.samplesPerSecond(), elapsed, eta));
    }
}
