package io.kortexdl.spark;

import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * The params every KortexDL stage shares (estimators and their models), with their getters.
 * Names follow Spark where Spark has the same meaning ({@code maxIter}, {@code stepSize},
 * {@code tol}, {@code seed}, {@code regParam}, {@code weightCol}, {@code validationIndicatorCol}).
 * A model carries the values its estimator was fitted with, for reading; the setters are on the
 * estimators ({@link KortexEstimatorParams}), as in Spark ML, since a training param set on a
 * model would act on nothing.
 *
 * @param <S> the stage type
 */
public interface KortexParams<S extends KortexParams<S>> extends Params {

    /** This stage's param objects; built once per stage. */
    KortexParamSet kortexParams();

    /** Sizes of the hidden layers (default {@code [128]}); an empty array trains softmax/linear regression. */
    default IntArrayParam hiddenLayers() {
        return kortexParams().hiddenLayers;
    }

    /** Hidden-layer activation: {@code relu} (default), {@code tanh} or {@code sigmoid}. */
    default Param<String> activation() {
        return kortexParams().activation;
    }

    /** Update rule: {@code adam} (default), {@code sgd} or {@code momentum}. */
    default Param<String> optimizer() {
        return kortexParams().optimizer;
    }

    /** Learning rate of the first epoch (default 0.001, for Adam; SGD usually wants 0.01-0.1). */
    default DoubleParam stepSize() {
        return kortexParams().stepSize;
    }

    /** {@code cosine} (default: decays to 0 over maxIter epochs) or {@code constant}. */
    default Param<String> stepSizeSchedule() {
        return kortexParams().stepSizeSchedule;
    }

    /**
     * Rows per global mini-batch, over all executors together. The default, 0, chooses it from the
     * training rows, between 8 and 128 rows: the batch that gives each epoch at least 32 steps for
     * {@code KortexClassifier} (128 from 4,065 rows up), so small data sets get enough optimizer
     * steps to fit, and at least 8 for {@code KortexRegressor} (128 from 1,017 rows up), whose noisy
     * targets overfit with more. The size a fit used is in {@link KortexTrainingSummary#batchSize()}.
     */
    default IntParam batchSize() {
        return kortexParams().batchSize;
    }

    /** Number of epochs (default 10). */
    default IntParam maxIter() {
        return kortexParams().maxIter;
    }

    /** Relative training-loss improvement per epoch below which training stops (default 0: never). */
    default DoubleParam tol() {
        return kortexParams().tol;
    }

    /** Seed of the initial weights and of the shuffles. */
    default LongParam seed() {
        return kortexParams().seed;
    }

    /** L2 regularisation coefficient of the weights (default 0). */
    default DoubleParam regParam() {
        return kortexParams().regParam;
    }

    /** Training threads per executor (default 0: the cores of the executor). */
    default IntParam numThreads() {
        return kortexParams().numThreads;
    }

    /**
     * Steps between syncs of the executors, which exchange directly over TCP inside the epoch's
     * tasks (see {@link io.kortexdl.spark.collective.CollectiveSettings} for the network settings).
     * 1 sums the gradients of every step, so every step is one step on the whole global batch
     * (exact synchronous SGD); K &gt; 1 lets each executor run K steps on its share, then averages
     * parameters and optimizer state weighted by the rows each covered. Ignored with one executor.
     */
    default IntParam syncInterval() {
        return kortexParams().syncInterval;
    }

    /** Column of row weights (default empty: every row weighs 1). */
    default Param<String> weightCol() {
        return kortexParams().weightCol;
    }

    /** Boolean column marking validation rows (default empty: no validation set). */
    default Param<String> validationIndicatorCol() {
        return kortexParams().validationIndicatorCol;
    }

    /** Epochs without a better validation loss before stopping (default 5; needs a validation set). */
    default IntParam earlyStoppingPatience() {
        return kortexParams().earlyStoppingPatience;
    }

    /** Directory for checkpoints (default empty: none). */
    default Param<String> checkpointDir() {
        return kortexParams().checkpointDir;
    }

    /** Epochs between checkpoints (default 1). */
    default IntParam checkpointInterval() {
        return kortexParams().checkpointInterval;
    }

    /** Newest checkpoints kept (default 2). */
    default IntParam keepCheckpoints() {
        return kortexParams().keepCheckpoints;
    }

    /** A checkpoint file or directory to continue from (default empty: start afresh). */
    default Param<String> resumeFrom() {
        return kortexParams().resumeFrom;
    }

    /** Weights to start training from (warm start); unset by default. */
    default NetworkWeightsParam initialModel() {
        return kortexParams().initialModel;
    }

    /**
     * Where each executor keeps its packed training rows: {@code auto} (default) keeps a block on
     * the heap when it fits the memory Spark manages ({@code spark.memory.fraction} of the heap
     * beyond Spark's 300 MiB, less the training state) and writes it to local disk otherwise;
     * {@code memory} keeps every block on the heap and refuses one that does not fit, naming its
     * size; {@code disk} writes every block to Spark's local directories, from where each epoch
     * streams it with read-ahead. A block on disk is shuffled within windows of
     * {@link #diskWindowInMB()}, a block on the heap as a whole: when a block is larger than one
     * window, the two give different (equally random) orders.
     */
    default Param<String> blockStorage() {
        return kortexParams().blockStorage;
    }

    /**
     * Size in MiB of the windows a block on local disk is streamed and shuffled in (default 64):
     * each epoch deals the block's chunks (about 1 MiB each) to windows, every window one chunk of
     * each run of consecutive chunks, so that each window spans the whole block; then it shuffles
     * each window's rows and trains the windows in turn. Two windows are on the heap at a time,
     * the one trained on and the one being read. A window holds at least one global batch.
     */
    default IntParam diskWindowInMB() {
        return kortexParams().diskWindowInMB;
    }

    /** The value of {@link #hiddenLayers()} (or its default). */
    default int[] getHiddenLayers() {
        return getOrDefault(hiddenLayers()).clone();
    }

    /** The value of {@link #activation()} (or its default). */
    default String getActivation() {
        return getOrDefault(activation());
    }

    /** The value of {@link #optimizer()} (or its default). */
    default String getOptimizer() {
        return getOrDefault(optimizer());
    }

    /** The value of {@link #stepSize()} (or its default). */
    default double getStepSize() {
        return (Double) getOrDefault(stepSize());
    }

    /** The value of {@link #stepSizeSchedule()} (or its default). */
    default String getStepSizeSchedule() {
        return getOrDefault(stepSizeSchedule());
    }

    /** The value of {@link #batchSize()} (or its default). */
    default int getBatchSize() {
        return (Integer) getOrDefault(batchSize());
    }

    /** The value of {@link #maxIter()} (or its default). */
    default int getMaxIter() {
        return (Integer) getOrDefault(maxIter());
    }

    /** The value of {@link #tol()} (or its default). */
    default double getTol() {
        return (Double) getOrDefault(tol());
    }

    /** The value of {@link #seed()} (or its default). */
    default long getSeed() {
        return (Long) getOrDefault(seed());
    }

    /** The value of {@link #regParam()} (or its default). */
    default double getRegParam() {
        return (Double) getOrDefault(regParam());
    }

    /** The value of {@link #numThreads()} (or its default). */
    default int getNumThreads() {
        return (Integer) getOrDefault(numThreads());
    }

    /** The value of {@link #syncInterval()} (or its default). */
    default int getSyncInterval() {
        return (Integer) getOrDefault(syncInterval());
    }

    /** The value of {@link #weightCol()} (or its default). */
    default String getWeightCol() {
        return getOrDefault(weightCol());
    }

    /** The value of {@link #validationIndicatorCol()} (or its default). */
    default String getValidationIndicatorCol() {
        return getOrDefault(validationIndicatorCol());
    }

    /** The value of {@link #earlyStoppingPatience()} (or its default). */
    default int getEarlyStoppingPatience() {
        return (Integer) getOrDefault(earlyStoppingPatience());
    }

    /** The value of {@link #checkpointDir()} (or its default). */
    default String getCheckpointDir() {
        return getOrDefault(checkpointDir());
    }

    /** The value of {@link #checkpointInterval()} (or its default). */
    default int getCheckpointInterval() {
        return (Integer) getOrDefault(checkpointInterval());
    }

    /** The value of {@link #keepCheckpoints()} (or its default). */
    default int getKeepCheckpoints() {
        return (Integer) getOrDefault(keepCheckpoints());
    }

    /** The value of {@link #resumeFrom()} (or its default). */
    default String getResumeFrom() {
        return getOrDefault(resumeFrom());
    }

    /** The value of {@link #blockStorage()} (or its default). */
    default String getBlockStorage() {
        return getOrDefault(blockStorage());
    }

    /** The value of {@link #diskWindowInMB()} (or its default). */
    default int getDiskWindowInMB() {
        return (Integer) getOrDefault(diskWindowInMB());
    }

    /** The warm-start weights, or null when none are set. */
    default NetworkWeights getInitialModel() {
        return isDefined(initialModel()) ? getOrDefault(initialModel()) : null;
    }

    /** The stage itself, typed for chained setters. */
    @SuppressWarnings("unchecked")
    default S self() {
        return (S) this;
    }
}
