package io.kortexdl.spark;

import java.io.Serializable;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.Summary;

/**
 * The per-epoch history of one {@code fit}: loss, validation figures and seconds per epoch, and
 * why training stopped. {@link #toString()} gives all of it as one JSON document (see
 * {@link #fromJson}); that is how Python and Spark Connect clients read it.
 */
public final class KortexTrainingSummary implements Serializable, Identifiable, Summary {
    private static final long serialVersionUID = 1L;

    private final String uid = Identifiable$.MODULE$.randomUID("kortexTrainingSummary");

    private final List<EpochRecord> epochs;
    private final StopReason stopReason;
    private final int bestEpoch;
    private final int executors;
    private final int threadsPerExecutor;
    private final Map<String, Long> rowsByExecutor;
    private final int batchSize;
    private final long syncs;
    private final double syncSeconds;
    private final long syncBytes;
    private final boolean sparseFeatures;

    KortexTrainingSummary(List<EpochRecord> epochs, StopReason stopReason, int bestEpoch, int executors,
                          int threadsPerExecutor, Map<String, Long> rowsByExecutor, int batchSize, long syncs,
                          double syncSeconds, long syncBytes, boolean sparseFeatures) {
        this.sparseFeatures = sparseFeatures;
        this.batchSize = batchSize;
        this.syncs = syncs;
        this.syncSeconds = syncSeconds;
        this.syncBytes = syncBytes;
        this.epochs = List.copyOf(epochs);
        this.stopReason = stopReason;
        this.bestEpoch = bestEpoch;
        this.executors = executors;
        this.threadsPerExecutor = threadsPerExecutor;
        this.rowsByExecutor = Collections.unmodifiableMap(new TreeMap<>(rowsByExecutor));
    }

    /**
     * Syncs between the executors in the epochs this fit ran (0 with one executor): every step
     * with {@code syncInterval = 1}, every {@code syncInterval} steps otherwise. A resumed fit
     * counts its own epochs only.
     */
    public long syncs() {
        return syncs;
    }

    /**
     * Mean wall-clock milliseconds of one sync as block 0 saw it, waiting for slower executors
     * included; NaN without syncs.
     */
    public double millisPerSync() {
        return syncs == 0 ? Double.NaN : syncSeconds * 1e3 / syncs;
    }

    /** Mean bytes one executor sent per sync (payload and framing); NaN without syncs. */
    public double bytesPerSync() {
        return syncs == 0 ? Double.NaN : (double) syncBytes / syncs;
    }

    /** Wall-clock seconds block 0 spent in syncs over the fit, waiting for slower executors included. */
    double syncSeconds() {
        return syncSeconds;
    }

    /** Bytes one executor sent in syncs over the fit. */
    long syncBytes() {
        return syncBytes;
    }

    /** Rows per global mini-batch this fit used: the batchSize param, or the size chosen for it when 0. */
    public int batchSize() {
        return batchSize;
    }

    /**
     * One record per epoch run, in order. For {@code KortexRegressor} the losses are mean squared
     * errors in the label's own units (the network trains on the standardized label, and the loss
     * is scaled back).
     */
    public List<EpochRecord> epochs() {
        return epochs;
    }

    /** Number of epochs run. */
    public int totalIterations() {
        return epochs.size();
    }

    /** Training loss of each epoch. */
    public double[] lossHistory() {
        return epochs.stream().mapToDouble(EpochRecord::loss).toArray();
    }

    /** Validation metric of each epoch (accuracy or RMSE), NaN without a validation set. */
    public double[] validationMetricHistory() {
        return epochs.stream().mapToDouble(EpochRecord::validationMetric).toArray();
    }

    /** Seconds of each epoch. */
    public double[] secondsHistory() {
        return epochs.stream().mapToDouble(EpochRecord::seconds).toArray();
    }

    /** Why training ended: {@code "maxIter"}, {@code "tol"} or {@code "earlyStopping"}. */
    public String stopReason() {
        return stopReason.paramName();
    }

    /** The 1-based epoch whose weights the model holds (the best validation epoch with early stopping). */
    public int bestEpoch() {
        return bestEpoch;
    }

    /** Training blocks, one per executor. */
    public int executors() {
        return executors;
    }

    /** Trainer threads per executor. */
    public int threadsPerExecutor() {
        return threadsPerExecutor;
    }

    /**
     * Training rows each Spark executor processed over the whole fit, by executor id
     * ({@code "driver"} in local mode), sorted by id. A row counts once per epoch it was trained
     * in; an epoch run again after a lost executor counts on the executors of the run that completed.
     */
    public Map<String, Long> rowsByExecutor() {
        return rowsByExecutor;
    }

    /**
     * Whether the fit packed its features as compressed sparse rows and trained the first layer
     * sparsely (at most 10 % of the values of the first 1,024 rows non-zero), rather than as dense rows.
     */
    public boolean sparseFeatures() {
        return sparseFeatures;
    }

    /** An id of this summary, unique in the JVM (Spark's {@code Identifiable}). */
    @Override
    public String uid() {
        return uid;
    }

    /**
     * Every figure of this summary as one JSON document: {@code epochs} (a record per epoch with
     * {@code epoch, maxIter, loss, validationLoss, validationMetric, seconds, samplesPerSecond}),
     * {@code stopReason, bestEpoch, executors, threadsPerExecutor, rowsByExecutor, batchSize,
     * syncs, syncSeconds, syncBytes, sparseFeatures} and the document's {@code format}. NaN is
     * written as the string {@code "NaN"}.
     */
    public String toJson() {
        return TrainingSummaryJson.write(this);
    }

    /**
     * The summary a {@link #toJson()} document describes.
     *
     * @throws IllegalArgumentException if {@code json} is not such a document, or of a later format
     */
    public static KortexTrainingSummary fromJson(String json) {
        return TrainingSummaryJson.read(json);
    }

    /** The same as {@link #toJson()}: Spark Connect lets a client call only {@code toString} on a summary. */
    @Override
    public String toString() {
        return toJson();
    }
}
