package io.kortexdl.spark;

import io.kortexdl.spark.executor.TrainingState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything the driver's loop knows about a fit after {@link #epochsDone} epochs: the training
 * state, the stopping rules' memory, the best validation epoch and the history. A checkpoint is a
 * {@link #snapshot()} of it, and resuming restores one whole; shuffles are derived from the seed
 * and the epoch, so the epoch count is the random state.
 */
final class FitState {
    /** Parameters and optimizer state after the last epoch (standardized-label units for regression). */
    TrainingState training;
    int epochsDone;
    /** Whether a stopping rule ({@code tol}, early stopping) ended the fit. */
    boolean stopped;
    /** Why the fit ended. */
    StopReason stopReason = StopReason.MAX_ITER;
    /** The epoch with the lowest validation loss (every epoch counts as best without validation rows). */
    int bestEpoch;
    double bestValidationLoss = Double.POSITIVE_INFINITY;
    /** The parameters of {@link #bestEpoch}, or null without validation rows. */
    float[] best;
    /** The training loss of the last epoch, NaN before the first. */
    double previousLoss = Double.NaN;
    final List<EpochRecord> history = new ArrayList<>();
    /** Rows trained by each Spark executor over the fit, ordered by executor id. */
    final Map<String, Long> rowsByExecutor = new TreeMap<>();

    FitState(TrainingState training) {
        this.training = training;
    }

    /** A deep copy, independent of later epochs. */
    FitState snapshot() {
        FitState copy = new FitState(training.copy());
        copy.epochsDone = epochsDone;
        copy.stopped = stopped;
        copy.stopReason = stopReason;
        copy.bestEpoch = bestEpoch;
        copy.bestValidationLoss = bestValidationLoss;
        copy.best = best == null ? null : best.clone();
        copy.previousLoss = previousLoss;
        copy.history.addAll(history);
        copy.rowsByExecutor.putAll(rowsByExecutor);
        return copy;
    }
}
