package io.kortexdl.spark;

import io.kortexdl.kernels.LossType;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.spark.ml.Predictor;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.types.StructType;

/**
 * A multilayer-perceptron regressor trained by KortexDL's multithreaded kernels on every
 * executor: one linear output, mean squared error, the same hidden layers, optimizers and
 * distributed training as {@link KortexClassifier}. Labels are any finite numbers; scaling
 * them to unit variance usually helps. Row weights are not supported ({@code weightCol} must
 * stay empty).
 */
public class KortexRegressor extends Predictor<Vector, KortexRegressor, KortexRegressionModel>
        implements KortexEstimatorParams<KortexRegressor>, DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private KortexParamSet params;
    private final transient List<TrainingListener> listeners = new CopyOnWriteArrayList<>();

    /** A regressor with a random uid and the default params. */
    public KortexRegressor() {
        this(Identifiable$.MODULE$.randomUID("kortexRegressor"));
    }

    /** A regressor with the given uid (used by Spark's copy and load). */
    public KortexRegressor(String uid) {
        this(PendingUid.push(uid));
    }

    private KortexRegressor(Void marker) {
        this.uid = PendingUid.pop();
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

    /** Adds a listener called on the driver after every epoch of each later {@code fit}. */
    public KortexRegressor addTrainingListener(TrainingListener listener) {
        listeners.add(java.util.Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /**
     * Checks the input columns and returns the schema {@code transform} will produce.
     *
     * @throws IllegalArgumentException naming a missing or mistyped column
     */
    @Override
    public StructType transformSchema(StructType schema) {
        KortexFit.checkSchema(schema, this, getFeaturesCol(), getLabelCol(), LossType.MSE);
        return KortexRegressionModel.outputSchema(schema, getFeaturesCol(), getPredictionCol());
    }

    /** Trains a model; called by {@code fit} after the label column is cast to double. */
    @Override
    public KortexRegressionModel train(Dataset<?> dataset) {
        DistributedTrainer.Outcome outcome = KortexFit.fit(dataset, this, getFeaturesCol(), getLabelCol(), LossType.MSE,
                -1, null, listeners, "KortexRegressor " + uid());
        return new KortexRegressionModel(uid(), outcome.weights()).withSummary(outcome.summary());
    }

    @Override
    public KortexRegressor copy(ParamMap extra) {
        KortexRegressor copy = defaultCopy(extra);
        copy.listeners.addAll(listeners);
        return copy;
    }

    /** Reads a regressor (its params) saved with {@code write().save(path)}. */
    public static MLReader<KortexRegressor> read() {
        return new DefaultParamsReadable<KortexRegressor>() { }.read();
    }

    /** Loads a regressor saved at {@code path} (any Hadoop FileSystem path). */
    public static KortexRegressor load(String path) {
        return read().load(path);
    }
}
