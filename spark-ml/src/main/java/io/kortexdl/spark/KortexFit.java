package io.kortexdl.spark;

import io.kortexdl.kernels.Activation;
import io.kortexdl.kernels.LearningRateSchedule;
import io.kortexdl.kernels.LossType;
import io.kortexdl.kernels.OptimizerKind;
import io.kortexdl.spark.collective.CollectiveSettings;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code KortexClassifier.train} and {@code KortexRegressor.train} share: input checks,
 * packing, the executor layout, the spec and the distributed loop.
 */
final class KortexFit {
    private static final Logger LOG = LoggerFactory.getLogger(KortexFit.class);
    /** Largest class count inferred from labels without metadata (a guard against a stray huge label). */
    static final int MAX_INFERRED_CLASSES = 10_000;
    /** {@code batchSize = 0}: the batch that gives each epoch of a classifier at least this many steps... */
    static final int AUTO_STEPS_PER_EPOCH = 32;
    /** ...or of a regressor at least this many... */
    static final int AUTO_REGRESSION_STEPS_PER_EPOCH = 8;
    /** ...but no fewer rows than this... */
    static final int AUTO_MIN_BATCH = 8;
    /** ...and no more than this (the batch of large data sets). */
    static final int AUTO_MAX_BATCH = 128;

    private KortexFit() {
    }

    /**
     * Checks the input columns of a fit before anything runs.
     *
     * @throws IllegalArgumentException naming the column that is missing or of a wrong type
     */
    static FeatureColumn checkSchema(StructType schema, KortexParams<?> params, String featuresCol, String labelCol,
                                     LossType loss) {
        FeatureColumn features = FeatureColumn.of(schema, featuresCol);
        SchemaChecks.numeric(schema, labelCol, "the label");
        if (!params.getWeightCol().isEmpty()) {
            if (loss != LossType.CROSS_ENTROPY) {
                throw new IllegalArgumentException("weightCol (" + params.getWeightCol() + ") is supported by"
                        + " KortexClassifier only; KortexRegressor trains every row with weight 1");
            }
            SchemaChecks.numeric(schema, params.getWeightCol(), "the row weights");
        }
        if (!params.getValidationIndicatorCol().isEmpty()) {
            SchemaChecks.bool(schema, params.getValidationIndicatorCol(), "the validation indicator");
        }
        return features;
    }

    /**
     * Trains on {@code dataset}.
     *
     * @param loss {@link LossType#CROSS_ENTROPY} for a classifier, {@link LossType#MSE} for a regressor
     * @param declaredClasses classes declared by the label column's metadata, or -1 (classification only)
     * @param thresholds the classifier's thresholds, or null when unset
     * @throws IllegalArgumentException on bad input, naming the column and row (a streaming
     *     {@code dataset} among it), and before the first epoch when the network cannot fit in
     *     memory or checkpointDir cannot be written
     */
    static DistributedTrainer.Outcome fit(Dataset<?> dataset, KortexParams<?> params, String featuresCol,
                                          String labelCol, LossType loss, int declaredClasses,
                                          double[] thresholds, List<TrainingListener> listeners, String description) {
        BatchInput.require(dataset, "fit", "train on a batch read of the same data (spark.read())"
                + " and score the stream with the fitted model's transform, which accepts streaming DataFrames");
        FeatureColumn features = checkSchema(dataset.schema(), params, featuresCol, labelCol, loss);
        boolean classification = loss == LossType.CROSS_ENTROPY;
        org.apache.hadoop.conf.Configuration hadoop = dataset.sparkSession().sparkContext().hadoopConfiguration();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
        CollectiveSettings network = collectiveSettings(jsc);
        DistributedTrainer.Checkpointing checkpointing = new DistributedTrainer.Checkpointing(
                checkpointStore(hadoop, params), params.getCheckpointInterval(),
                resumeCheckpoint(hadoop, params.getResumeFrom()));
        String weight = params.getWeightCol().isEmpty() ? null : params.getWeightCol();
        String validation = params.getValidationIndicatorCol().isEmpty() ? null : params.getValidationIndicatorCol();
        ClusterShape shape = ClusterShape.of(jsc.sc());
        int threads = params.getNumThreads() > 0 ? params.getNumThreads() : shape.coresPerExecutor();
        FeatureStorage.Sample sample = FeatureStorage.measure(dataset, features);
        BlockStorage blockStorage = BlockStorage.fromParam(params.getBlockStorage());
        long trainingHeap = 0;
        if (sample.inputSize() > 0) {
            // The network is checked against memory before anything is packed; the class count is not known yet.
            int[] sampled = layers(sample.inputSize(), params.getHiddenLayers(),
                    classification ? Math.max(2, declaredClasses) : 1);
            trainingHeap = MemoryCheck.network(featuresCol, sampled, params.getHiddenLayers(),
                    !classification || declaredClasses > 0, threads, jsc.sc());
        }
        LOG.info("KortexDL: column {} packed {}: {}", featuresCol,
                sample.storage() == FeatureStorage.SPARSE ? "as sparse rows" : "dense", sample.describe());
        MemoryCheck.Budget budget = MemoryCheck.blockBudget(jsc.sc(), trainingHeap);
        DataPacker.Packed packed = DataPacker.pack(dataset, new DataPacker.Columns(features, labelCol, classification,
                weight, validation, sample.storage(), RowChunk.rowsPerChunk(sample.rowBytes()), blockStorage, budget),
                shape.executors());
        try {
            logStorage(packed);
            int outputs = classification ? classCount(packed, labelCol, declaredClasses) : 1;
            if (thresholds != null && thresholds.length != outputs) {
                throw new IllegalArgumentException("thresholds has " + thresholds.length + " values, but column "
                        + labelCol + " has " + outputs + " classes; expected one threshold per class");
            }
            int[] hidden = params.getHiddenLayers();
            int[] layers = layers(packed.inputSize(), hidden, outputs);
            Activation activation = Activation.valueOf(params.getActivation().toUpperCase(Locale.ROOT));
            NetworkWeights initial = params.getInitialModel();
            if (initial != null && (!Arrays.equals(initial.layerSizes(), layers)
                    || initial.hiddenActivation() != activation)) {
                throw new IllegalArgumentException("initialModel has layers " + Arrays.toString(initial.layerSizes())
                        + " with " + initial.hiddenActivation().name().toLowerCase(Locale.ROOT) + ", but this fit"
                        + " needs " + Arrays.toString(layers) + " with " + params.getActivation()
                        + " (features, hiddenLayers, classes)");
            }
            MemoryCheck.network(featuresCol, layers, hidden, true, threads, jsc.sc());
            int batch = params.getBatchSize() > 0 ? params.getBatchSize() : autoBatchSize(packed.trainRows(), loss);
            int stepsPerEpoch = (int) Math.min(Integer.MAX_VALUE, (packed.trainRows() + batch - 1) / batch);
            int windowChunks = windowChunks(packed, params.getDiskWindowInMB(), batch, outputs, budget);
            TrainingSpec spec = new TrainingSpec(UUID.randomUUID().toString(), layers, activation, loss,
                    OptimizerKind.valueOf(params.getOptimizer().toUpperCase(Locale.ROOT)), (float) params.getRegParam(),
                    threads, batch, stepsPerEpoch, shape.executors(), params.getSeed(),
                    classification ? LabelScaling.IDENTITY : packed.labelScaling(), windowChunks);
            float rate = (float) params.getStepSize();
            int epochs = params.getMaxIter();
            LearningRateSchedule schedule = params.getStepSizeSchedule().equals("cosine") && epochs > 0
                    ? LearningRateSchedule.cosine(rate, epochs) : LearningRateSchedule.constant(rate);
            DistributedTrainer.Settings settings = new DistributedTrainer.Settings(epochs, schedule, params.getStepSize(),
                    params.getSyncInterval(), params.getTol(), params.getEarlyStoppingPatience(),
                    listeners, initial, description, checkpointing, network);
            return DistributedTrainer.train(jsc, packed, spec, settings, ResourcePlacement.forShape(shape));
        } finally {
            packed.release();
        }
    }

    /** Logs where each block's rows went and why. */
    private static void logStorage(DataPacker.Packed packed) {
        for (PackedBlock.Summary s : packed.summaries()) {
            BlockStorage.Choice choice = s.storage();
            LOG.info("KortexDL: block {}: {} rows, {} packed, {} ({})", s.block(),
                    String.format(Locale.ROOT, "%,d", (long) s.trainRows() + s.validationRows()),
                    MemoryCheck.bytes(choice.bytes()), choice.onDisk() ? "on local disk" : "on the heap",
                    choice.reason());
        }
    }

    /**
     * Chunks per window of a block streamed from local disk: about {@code windowInMB} MiB of
     * packed rows and their targets, and enough that every window but the last holds a global
     * batch (a window may hold a chunk fewer, and the block's last chunk, partial), so that a step
     * never spans more than two windows; checked against the executors' heap when some block is on
     * disk. The same for every block, from figures the driver has.
     *
     * @throws IllegalArgumentException naming diskWindowInMB when two windows do not fit the heap
     */
    private static int windowChunks(DataPacker.Packed packed, int windowInMB, int batch, int outputs,
                                    MemoryCheck.Budget budget) {
        int perChunk = packed.rowsPerChunk();
        long rows = Math.max(1, packed.trainRows() + packed.validationRows());
        long rowBytes = (packed.storage() == FeatureStorage.SPARSE ? 8 : 4) * Math.max(1, packed.storedValues() / rows)
                + 4L * (2 + outputs);
        long byBytes = ((long) windowInMB << 20) / Math.max(1, rowBytes * perChunk);
        long forBatch = (batch + (long) perChunk - 1) / perChunk + 2;
        int chunks = (int) Math.min(Integer.MAX_VALUE, Math.max(forBatch, Math.max(1, byBytes)));
        if (packed.onDisk()) {
            MemoryCheck.diskWindows((long) chunks * perChunk * rowBytes, windowInMB, budget);
        }
        return chunks;
    }

    private static int[] layers(int inputs, int[] hidden, int outputs) {
        int[] layers = new int[hidden.length + 2];
        layers[0] = inputs;
        System.arraycopy(hidden, 0, layers, 1, hidden.length);
        layers[layers.length - 1] = outputs;
        return layers;
    }

    /**
     * The batch size of {@code batchSize = 0} (the default), between {@value #AUTO_MIN_BATCH} and
     * {@value #AUTO_MAX_BATCH} rows: for a classifier, at least {@value #AUTO_STEPS_PER_EPOCH}
     * steps per epoch, so a few hundred rows still get thousands of optimizer steps over a fit; for
     * a regressor, at least {@value #AUTO_REGRESSION_STEPS_PER_EPOCH}, since noisy targets overfit
     * with more (measured on scikit-learn's diabetes table: R2 0.45 at 32 steps per epoch, 0.48 at 8).
     */
    static int autoBatchSize(long trainRows, LossType loss) {
        int steps = loss == LossType.CROSS_ENTROPY ? AUTO_STEPS_PER_EPOCH : AUTO_REGRESSION_STEPS_PER_EPOCH;
        long batch = (trainRows + steps - 1) / steps;
        return (int) Math.max(AUTO_MIN_BATCH, Math.min(AUTO_MAX_BATCH, batch));
    }

    /**
     * The collective's settings from the application's Spark configuration, its protection from
     * the application's security settings.
     *
     * @throws IllegalArgumentException naming a malformed {@code spark.kortexdl.collective.*} value,
     *     or a security setting the collective cannot honour
     */
    private static CollectiveSettings collectiveSettings(JavaSparkContext jsc) {
        java.util.Map<String, String> conf = new java.util.HashMap<>();
        for (scala.Tuple2<String, String> entry : jsc.getConf().getAllWithPrefix("spark.kortexdl.collective.")) {
            conf.put("spark.kortexdl.collective." + entry._1(), entry._2());
        }
        return CollectiveSecurity.protect(CollectiveSettings.from(conf), jsc.getConf(), jsc.sc().env().securityManager());
    }

    /**
     * The checkpoint named by {@code resumeFrom}, or null when it is empty.
     *
     * @throws IllegalArgumentException naming the path when it is missing, holds no checkpoint or a
     *     damaged one
     */
    private static CheckpointStore.Found resumeCheckpoint(org.apache.hadoop.conf.Configuration hadoop, String resumeFrom) {
        if (resumeFrom.isEmpty()) {
            return null;
        }
        try {
            return CheckpointStore.read(hadoop, resumeFrom);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * The store at {@code checkpointDir}, or null when it is empty.
     *
     * @throws IllegalArgumentException when the path is a file or cannot be created
     */
    private static CheckpointStore checkpointStore(org.apache.hadoop.conf.Configuration hadoop,
                                                   KortexParams<?> params) {
        String dir = params.getCheckpointDir();
        if (dir.isEmpty()) {
            return null;
        }
        try {
            org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(dir);
            org.apache.hadoop.fs.FileSystem fs = path.getFileSystem(hadoop);
            if (fs.exists(path) && !fs.getFileStatus(path).isDirectory()) {
                throw new IllegalArgumentException("checkpointDir " + dir + " is a file; expected a directory");
            }
            return CheckpointStore.open(hadoop, dir, params.getKeepCheckpoints());
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("checkpointDir " + dir + " cannot be used: " + e.getMessage(), e);
        }
    }

    private static int classCount(DataPacker.Packed packed, String labelCol, int declaredClasses) {
        int seen = (int) packed.maxLabel() + 1;
        if (declaredClasses > 0) {
            if (seen > declaredClasses) {
                throw new IllegalArgumentException("Column " + labelCol + " (the label) is " + packed.maxLabel()
                        + " at " + packed.maxLabelWhere() + ", but its metadata declares " + declaredClasses
                        + " classes (labels 0.." + (declaredClasses - 1) + ")");
            }
            return Math.max(declaredClasses, 2);
        }
        if (packed.maxLabel() >= MAX_INFERRED_CLASSES) {
            throw new IllegalArgumentException("Column " + labelCol + " (the label) is " + packed.maxLabel() + " at "
                    + packed.maxLabelWhere() + "; without label metadata at most " + MAX_INFERRED_CLASSES
                    + " classes are inferred. Index the labels (StringIndexer) or fix that row");
        }
        if (seen < 2) {
            throw new IllegalArgumentException("Column " + labelCol + " (the label) only holds class 0; a classifier"
                    + " needs at least two classes (labels 0 and 1)");
        }
        return seen;
    }
}
