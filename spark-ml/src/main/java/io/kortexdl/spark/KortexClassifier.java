package io.kortexdl.spark;

import io.kortexdl.kernels.LossType;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.spark.ml.classification.ProbabilisticClassifier;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.types.StructType;

/**
 * A multilayer-perceptron classifier trained by KortexDL's multithreaded kernels on every
 * executor: softmax output, cross-entropy loss, ReLU/tanh/sigmoid hidden layers, Adam, SGD or
 * momentum. Used like MLlib's {@code MultilayerPerceptronClassifier}:
 * {@code new KortexClassifier().setHiddenLayers(256, 128).fit(df)}.
 *
 * <p>Input: a features column ({@code Vector}, {@code array<float>} or {@code array<double>}) and a
 * numeric label column of class indices {@code 0, 1, ...}; the class count comes from the
 * label's metadata (e.g. from {@code StringIndexer}) or from the largest label. Optional row
 * weights ({@link #setWeightCol}) and a validation indicator column
 * ({@link #setValidationIndicatorCol}) for per-epoch validation and early stopping.
 *
 * <p>{@code fit} packs the data once into float32 blocks, one per executor, and trains them with
 * one task per executor using {@code numThreads} threads; see {@link KortexParams#syncInterval()}
 * for how executors are kept in step. A fit is bitwise reproducible for a given seed, data and
 * cluster shape on executors that run the same BLAS library and CPU kernel; another kernel
 * (another CPU model, OpenBLAS against MKL) changes the model within float rounding, as any
 * change of summation order does. Bad input fails fast with an {@link IllegalArgumentException}
 * naming the column, the row and what was expected.
 */
public class KortexClassifier extends ProbabilisticClassifier<Vector, KortexClassifier, KortexClassificationModel>
        implements KortexEstimatorParams<KortexClassifier>, DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private KortexParamSet params;
    private final transient List<TrainingListener> listeners = new CopyOnWriteArrayList<>();

    /** A classifier with a random uid and the default params. */
    public KortexClassifier() {
        this(Identifiable$.MODULE$.randomUID("kortexClassifier"));
    }

    /** A classifier with the given uid (used by Spark's copy and load). */
    public KortexClassifier(String uid) {
        this(PendingUid.push(uid));
    }

    private KortexClassifier(Void marker) {
        this.uid = PendingUid.pop();
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

    /** Adds a listener called on the driver after every epoch of each later {@code fit}. */
    public KortexClassifier addTrainingListener(TrainingListener listener) {
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
        KortexFit.checkSchema(schema, this, getFeaturesCol(), getLabelCol(), LossType.CROSS_ENTROPY);
        return KortexClassificationModel.outputSchema(schema, this);
    }

    /** Trains a model; called by {@code fit} after the label column is cast to double. */
    @Override
    public KortexClassificationModel train(Dataset<?> dataset) {
        int declared = LabelMetadata.declaredClasses(dataset.schema(), getLabelCol());
        DistributedTrainer.Outcome outcome = KortexFit.fit(dataset, this, getFeaturesCol(), getLabelCol(), LossType.CROSS_ENTROPY,
                declared, isDefined(thresholds()) ? getThresholds() : null, listeners, "KortexClassifier " + uid());
        return new KortexClassificationModel(uid(), outcome.weights()).withSummary(outcome.summary());
    }

    @Override
    public KortexClassifier copy(ParamMap extra) {
        KortexClassifier copy = defaultCopy(extra);
        copy.listeners.addAll(listeners);
        return copy;
    }

    /** Reads a classifier (its params) saved with {@code write().save(path)}. */
    public static MLReader<KortexClassifier> read() {
        return new DefaultParamsReadable<KortexClassifier>() { }.read();
    }

    /** Loads a classifier saved at {@code path} (any Hadoop FileSystem path). */
    public static KortexClassifier load(String path) {
        return read().load(path);
    }
}
