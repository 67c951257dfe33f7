package io.kortexdl.spark;

import io.kortexdl.kernels.LossType;
import io.kortexdl.kernels.onnx.OnnxHead;
import java.io.IOException;
import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.linalg.DenseVector;
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
 * A trained {@link KortexClassifier}. {@code transform} scores each partition in blocks of rows
 * (one GEMM per layer per block) and appends rawPrediction (logits), probability (softmax) and
 * prediction, keeping every input column, on batch and streaming DataFrames alike;
 * {@link #evaluate} computes loss and accuracy in one pass over a batch DataFrame. Saved with
 * {@code write().save(path)}, loaded with {@link #load(String)}.
 */
public class KortexClassificationModel
        extends ProbabilisticClassificationModel<Vector, KortexClassificationModel>
        implements KortexParams<KortexClassificationModel>, KortexModel, MLWritable,
        HasTrainingSummary<KortexTrainingSummary> {
    private static final long serialVersionUID = 1L;
    static final String KIND = "classifier";

    private final String uid;
    private KortexParamSet params;
    private final NetworkWeights weights;
    private final InferenceNetwork inference;
    private scala.Option<KortexTrainingSummary> summary = scala.Option.empty();

    /**
     * A model without weights, for Spark Connect's stage registry (Java's ServiceLoader needs a
     * public no-argument constructor). Every use but its params fails with an
     * {@link IllegalStateException}; fit a {@link KortexClassifier} or {@link #load} a model instead.
     */
    public KortexClassificationModel() {
        this(Identifiable$.MODULE$.randomUID("kortexClassificationModel"), null);
    }

    KortexClassificationModel(String uid, NetworkWeights weights) {
        this(PendingUid.push(uid), weights);
    }

    private KortexClassificationModel(Void marker, NetworkWeights weights) {
        this.uid = PendingUid.pop();
        this.weights = weights;
        this.inference = weights == null ? null : new InferenceNetwork(weights);
        kortexParams().setDefaults(this, KortexClassifier.class.getName().hashCode());
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

    KortexClassificationModel withSummary(KortexTrainingSummary trainingSummary) {
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
    public int numClasses() {
        return weights().outputSize();
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

    /** The logits of one row. */
    @Override
    public Vector predictRaw(Vector features) {
        float[] out = inference().outputs(features);
        double[] raw = new double[out.length];
        for (int j = 0; j < out.length; j++) {
            raw[j] = out[j];
        }
        return new DenseVector(raw);
    }

    /** Turns logits into probabilities (softmax), in place. */
    @Override
    public Vector raw2probabilityInPlace(Vector rawPrediction) {
        DenseVector dense = (DenseVector) rawPrediction;
        double[] p = BatchScorer.softmax(dense.values());
        System.arraycopy(p, 0, dense.values(), 0, p.length);
        return dense;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        return outputSchema(schema, this);
    }

    /** Scores every row in blocks per partition; see the class comment. */
    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        if (isDefined(thresholds()) && getThresholds().length != numClasses()) {
            throw new IllegalArgumentException("thresholds has " + getThresholds().length + " values, but this model"
                    + " has " + numClasses() + " classes; expected one threshold per class");
        }
        StructType out = transformSchema(dataset.schema());
        return ModelScoring.transform(dataset, weights(), getFeaturesCol(), outputs(this), out);
    }

    /**
     * Sets the column of row weights that {@link #evaluate} weighs each row by (empty: every row
     * weighs 1); returns this model.
     */
    public KortexClassificationModel setWeightCol(String column) {
        set(weightCol(), column);
        return this;
    }

    /**
     * Mean cross-entropy and accuracy over {@code dataset} (its features and label columns, and
     * the weight column when set), in one distributed pass.
     *
     * @throws IllegalArgumentException on a streaming {@code dataset}, missing columns, bad features
     *     or labels outside the classes
     */
    @Override
    public KortexMetrics evaluate(Dataset<?> dataset) {
        return ModelScoring.evaluate(dataset, weights(), getFeaturesCol(), getLabelCol(), getWeightCol(), LossType.CROSS_ENTROPY);
    }

    @Override
    public KortexClassificationModel copy(ParamMap extra) {
        KortexClassificationModel copy = new KortexClassificationModel(uid, weights);
        copy.summary = summary;
        return copyValues(copy, extra).setParent(parent());
    }

    /** Exports the three output columns; {@code prediction} follows this model's thresholds when set. */
    @Override
    public KortexOnnxWriter onnxWriter() {
        return new KortexOnnxWriter(this, weights(), OnnxHead.MULTICLASS,
                isDefined(thresholds()) ? getThresholds() : null);
    }

    @Override
    public MLWriter write() {
        return new KortexModelWriter(this, weights(), KIND);
    }

    /** Reads models saved by {@link #write()}. */
    public static MLReader<KortexClassificationModel> read() {
        return new KortexModelReader<>(KortexClassificationModel.class, KIND, KortexClassificationModel::new);
    }

    /**
     * Loads the model saved at {@code path} (any Hadoop FileSystem path).
     *
     * @throws IOException if it is missing, of another kind or version, or damaged
     */
    public static KortexClassificationModel load(String path) throws IOException {
        return read().load(path);
    }

    /** Spark's summary plumbing, unchanged; declared because javac needs the override spelled out. */
    @Override
    @SuppressWarnings({"rawtypes", "unchecked"})
    public scala.Tuple3 findSummaryModel() {
        return super.findSummaryModel();
    }

    private InferenceNetwork inference() {
        if (inference == null) {
            throw TrainingSummaries.untrained(getClass().getSimpleName(), uid());
        }
        return inference;
    }

    @Override
    public String toString() {
        return "KortexClassificationModel: uid=" + uid + ", " + (weights == null ? "no weights" : weights);
    }

    static BatchScorer.Outputs outputs(ProbabilisticClassificationModel<?, ?> model) {
        return outputs(model.getRawPredictionCol(), model.getProbabilityCol(), model.getPredictionCol(),
                model.isDefined(model.thresholds()) ? model.getThresholds() : null);
    }

    static BatchScorer.Outputs outputs(String raw, String probability, String prediction, double[] thresholds) {
        return new BatchScorer.Outputs(!raw.isEmpty(), !probability.isEmpty(), !prediction.isEmpty(), true,
                thresholds);
    }

    static StructType outputSchema(StructType schema, KortexClassifier stage) {
        return ModelScoring.outputSchema(schema, stage.getFeaturesCol(),
                outputs(stage.getRawPredictionCol(), stage.getProbabilityCol(), stage.getPredictionCol(), null),
                stage.getRawPredictionCol(), stage.getProbabilityCol(), stage.getPredictionCol());
    }

    private static StructType outputSchema(StructType schema, KortexClassificationModel model) {
        return ModelScoring.outputSchema(schema, model.getFeaturesCol(), outputs(model), model.getRawPredictionCol(),
                model.getProbabilityCol(), model.getPredictionCol());
    }
}
