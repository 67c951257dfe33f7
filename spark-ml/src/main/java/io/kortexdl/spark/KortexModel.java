package io.kortexdl.spark;

import java.util.Optional;
import org.apache.spark.sql.Dataset;

/** What every trained KortexDL model offers beyond Spark's model API: its weights, history and metrics. */
public interface KortexModel {

    /** The trained network's architecture and parameters (e.g. for a warm start). */
    NetworkWeights weights();

    /** The per-epoch history of the fit that made this model; empty for a model loaded from disk. */
    Optional<KortexTrainingSummary> trainingSummary();

    /**
     * The model's metrics over {@code dataset} (its features and label columns, and the weight
     * column when set), computed in one distributed pass.
     *
     * @throws IllegalArgumentException on a streaming {@code dataset} (evaluate each micro-batch in
     *     {@code foreachBatch} instead), missing columns, bad features or labels the model cannot score
     */
    KortexMetrics evaluate(Dataset<?> dataset);

    /** Whether this model holds the history of the fit that made it (models loaded from disk do not). */
    default boolean hasSummary() {
        return trainingSummary().isPresent();
    }

    /**
     * The per-epoch history of the fit that made this model.
     *
     * @throws IllegalStateException if the model was loaded rather than trained in this session
     */
    default KortexTrainingSummary summary() {
        return trainingSummary().orElseThrow(() -> new IllegalStateException(
                "No training summary: this model was loaded, not trained in this session"));
    }
}
