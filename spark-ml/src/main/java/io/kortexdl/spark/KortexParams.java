package io.kortexdl.spark;

import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * The params every KortexDL stage shares (estimators and their models), with getters and
 * setters that return the stage itself. Names follow Spark where Spark has the same meaning
 * ({@code maxIter}, {@code stepSize}, {@code tol}, {@code seed}, {@code regParam},
 * {@code weightCol}, {@code validationIndicatorCol}).
 *
 * @param <S> the stage type the setters return
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

    /** Rows per global mini-batch, over all executors together (default 128). */
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

    /** Local steps between parameter averaging across executors (1 = exact synchronous SGD). */
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

    /** Weights to start training from (warm start); unset by default. */
    default NetworkWeightsParam initialModel() {
        return kortexParams().initialModel;
    }

    default int[] getHiddenLayers() {
        return getOrDefault(hiddenLayers()).clone();
    }

    default String getActivation() {
        return getOrDefault(activation());
    }

    default String getOptimizer() {
        return getOrDefault(optimizer());
    }

    default double getStepSize() {
        return (Double) getOrDefault(stepSize());
    }

    default String getStepSizeSchedule() {
        return getOrDefault(stepSizeSchedule());
    }

    default int getBatchSize() {
        return (Integer) getOrDefault(batchSize());
    }

    default int getMaxIter() {
        return (Integer) getOrDefault(maxIter());
    }

    default double getTol() {
        return (Double) getOrDefault(tol());
    }

    default long getSeed() {
        return (Long) getOrDefault(seed());
    }

    default double getRegParam() {
        return (Double) getOrDefault(regParam());
    }

    default int getNumThreads() {
        return (Integer) getOrDefault(numThreads());
    }

    default int getSyncInterval() {
        return (Integer) getOrDefault(syncInterval());
    }

    default String getWeightCol() {
        return getOrDefault(weightCol());
    }

    default String getValidationIndicatorCol() {
        return getOrDefault(validationIndicatorCol());
    }

    default int getEarlyStoppingPatience() {
        return (Integer) getOrDefault(earlyStoppingPatience());
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

    default S setHiddenLayers(int... sizes) {
        set(hiddenLayers(), sizes.clone());
        return self();
    }

    default S setActivation(String name) {
        set(activation(), name);
        return self();
    }

    default S setOptimizer(String name) {
        set(optimizer(), name);
        return self();
    }

    default S setStepSize(double value) {
        set(stepSize(), value);
        return self();
    }

    default S setStepSizeSchedule(String name) {
        set(stepSizeSchedule(), name);
        return self();
    }

    default S setBatchSize(int rows) {
        set(batchSize(), rows);
        return self();
    }

    default S setMaxIter(int epochs) {
        set(maxIter(), epochs);
        return self();
    }

    default S setTol(double value) {
        set(tol(), value);
        return self();
    }

    default S setSeed(long value) {
        set(seed(), value);
        return self();
    }

    default S setRegParam(double value) {
        set(regParam(), value);
        return self();
    }

    default S setNumThreads(int threads) {
        set(numThreads(), threads);
        return self();
    }

    default S setSyncInterval(int steps) {
        set(syncInterval(), steps);
        return self();
    }

    default S setWeightCol(String column) {
        set(weightCol(), column);
        return self();
    }

    default S setValidationIndicatorCol(String column) {
        set(validationIndicatorCol(), column);
        return self();
    }

    default S setEarlyStoppingPatience(int epochs) {
        set(earlyStoppingPatience(), epochs);
        return self();
    }

    /** Starts training from these weights (e.g. {@code previousModel.weights()}). */
    default S setInitialModel(NetworkWeights weights) {
        set(initialModel(), weights);
        return self();
    }
}
