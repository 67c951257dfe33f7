package io.kortexdl.spark;

import io.kortexdl.kernels.LossType;
import io.kortexdl.kernels.onnx.OnnxHead;
import java.io.IOException;
import org.apache.spark.ml.PredictionModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.HasTrainingSummary;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * A trained {@link KortexRegressor}. {@code transform} scores each partition in blocks of rows
 * and appends the prediction column, keeping every input column, on batch and streaming
 * DataFrames alike; {@link #evaluate} computes MSE, RMSE and R2 in one pass over a batch
 * DataFrame. Saved with {@code write().save(path)}, loaded with {@link #load(String)}.
 */
public class KortexRegressionModel extends PredictionModel<Vector, KortexRegressionModel>
        implements KortexParams<KortexRegressionModel>, KortexModel, MLWritable,
        HasTrainingSummary<KortexTrainingSummary> {
    private static final long serialVersionUID = 1L;
    static final String KIND = "regressor";

    private final String uid;
    private KortexParamSet params;
    private final NetworkWeights weights;
    private final InferenceNetwork inference;
    private scala.Option<KortexTrainingSummary> summary = scala.Option.empty();

    /**
     * A model without weights, for Spark Connect's stage registry (Java's ServiceLoader needs a
     * public no-argument constructor). Every use but its params fails with an
     * {@link IllegalStateException}; fit a {@link KortexRegressor} or {@link #load} a model instead.
     */
    public KortexRegressionModel() {
        this(Identifiable$.MODULE$.randomUID("kortexRegressionModel"), null);
    }

    KortexRegressionModel(String uid, NetworkWeights weights) {
        this(PendingUid.push(uid), weights);
    }

    private KortexRegressionModel(Void marker, NetworkWeights weights) {
        this.uid = PendingUid.pop();
        this.weights = weights;
        this.inference = weights == null ? null : new InferenceNetwork(weights);
        kortexParams().setDefaults(this, KortexRegressor.class.getName().hashCode());
    }

    @Override
    public String uid() {
        return uid != null ? uid : PendingUid.peek();
    }

    @Override
    public KortexParamSet kortexParams() {
        if (params == null) {
            params = new KortexParamSet(this);
        }
        return params;
    }

    KortexRegressionModel withSummary(KortexTrainingSummary trainingSummary) {
        this.summary = scala.Option.apply(trainingSummary);
        return this;
    }

    @Override
    public NetworkWeights weights() {
        if (weights == null) {
            throw TrainingSummaries.untrained(getClass().getSimpleName(), uid());
        }
        return weights;
    }

    @Override
    public int numFeatures() {
        return weights().inputSize();
    }

    /** Spark's summary slot, as {@code HasTrainingSummary} declares it; use {@link #summary()}. */
    @Override
    public scala.Option<KortexTrainingSummary> trainingSummary() {
        return summary;
    }

    /** Spark's summary slot, as {@code HasTrainingSummary} declares it. */
    @Override
    public void trainingSummary_$eq(scala.Option<KortexTrainingSummary> trainingSummary) {
        this.summary = trainingSummary;
    }

    @Override
    public boolean hasSummary() {
        return summary.isDefined();
    }

    @Override
    public KortexTrainingSummary summary() {
        return TrainingSummaries.require(summary, uid());
    }

    /** Writes the summary's JSON document to the local file {@code path} (Spark Connect's model cache). */
    @Override
    public void saveSummary(String path) {
        TrainingSummaries.save(summary, uid(), path);
    }

    /** Reads what {@link #saveSummary} wrote; {@code dataset} is not needed, the summary holds every figure. */
    @Override
    public void loadSummary(String path, Dataset<Row> dataset) {
        this.summary = TrainingSummaries.load(path);
    }

    /** The prediction for one row. */
    @Override
    public double predict(Vector features) {
        return inference().outputs(features)[0];
    }

    @Override
    public StructType transformSchema(StructType schema) {
        return outputSchema(schema, getFeaturesCol(), getPredictionCol());
    }

    /** Scores every row in blocks per partition. */
    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        return ModelScoring.transform(dataset, weights(), getFeaturesCol(), outputs(getPredictionCol()), out);
    }

    /**
     * Mean squared error (as {@code loss}), RMSE and R2 over {@code dataset} in one distributed pass.
     *
     * @throws IllegalArgumentException on a streaming {@code dataset}, missing columns or non-finite
     *     features or labels
     */
    @Override
    public KortexMetrics evaluate(Dataset<?> dataset) {
        return ModelScoring.evaluate(dataset, weights(), getFeaturesCol(), getLabelCol(), null, LossType.MSE);
    }

    @Override
    public KortexRegressionModel copy(ParamMap extra) {
        KortexRegressionModel copy = new KortexRegressionModel(uid, weights);
        copy.summary = summary;
        return copyValues(copy, extra).setParent(parent());
    }

    /** Exports {@code prediction}, in the label's units (the label scaling is part of the weights). */
    @Override
    public KortexOnnxWriter onnxWriter() {
        return new KortexOnnxWriter(this, weights(), OnnxHead.REGRESSION, null);
    }

    @Override
    public MLWriter write() {
        return new KortexModelWriter(this, weights(), KIND);
    }

    /** Reads models saved by {@link #write()}. */
    public static MLReader<KortexRegressionModel> read() {
        return new KortexModelReader<>(KortexRegressionModel.class, KIND, KortexRegressionModel::new);
    }

    /**
     * Loads the model saved at {@code path} (any Hadoop FileSystem path).
     *
     * @throws IOException if it is missing, of another kind or version, or damaged
     */
    public static KortexRegressionModel load(String path) throws IOException {
        return read().load(path);
    }

    private InferenceNetwork inference() {
        if (inference == null) {
            throw TrainingSummaries.untrained(getClass().getSimpleName(), uid());
        }
        return inference;
    }

    @Override
    public String toString() {
        return "KortexRegressionModel: uid=" + uid + ", " + (weights == null ? "no weights" : weights);
    }

    private static BatchScorer.Outputs outputs(String predictionCol) {
        return new BatchScorer.Outputs(false, false, !predictionCol.isEmpty(), false, null);
    }

    static StructType outputSchema(StructType schema, String featuresCol, String predictionCol) {
        return ModelScoring.outputSchema(schema, featuresCol, outputs(predictionCol), "", "", predictionCol);
    }
}
