package io.kortexdl.spark;

import java.io.IOException;
import org.apache.spark.sql.Dataset;

/** What every trained KortexDL model offers beyond Spark's model API: its weights, history and metrics. */
public interface KortexModel {

    /** The trained network's architecture and parameters (e.g. for a warm start). */
    NetworkWeights weights();

    /**
     * The model's metrics over {@code dataset} (its features and label columns, and the weight
     * column when set), computed in one distributed pass.
     *
     * @throws IllegalArgumentException on a streaming {@code dataset} (evaluate each micro-batch in
     *     {@code foreachBatch} instead), missing columns, bad features or labels the model cannot score
     */
    KortexMetrics evaluate(Dataset<?> dataset);

    /**
     * A writer of this model as an ONNX model, for serving outside Spark (ONNX Runtime, Triton):
     * {@code onnxWriter().input(OnnxInput.SPARSE).overwrite().save(path)}. See {@link KortexOnnxWriter}.
     */
    KortexOnnxWriter onnxWriter();

    /**
     * Writes this model as an ONNX file at {@code path} (any Hadoop FileSystem path) with a dense
     * {@code features} input; {@link #onnxWriter()} gives the options.
     *
     * @throws IOException if {@code path} exists or cannot be written; nothing is changed then
     */
    default void writeOnnx(String path) throws IOException {
        onnxWriter().save(path);
    }

    /** Whether this model holds the history of the fit that made it (models loaded from disk do not). */
    boolean hasSummary();

    /**
     * The per-epoch history of the fit that made this model.
     *
     * @throws IllegalStateException if the model was loaded rather than trained in this session
     */
    KortexTrainingSummary summary();
}
