package io.kortexdl.spark;

/**
 * The setters of the training params, on {@link KortexClassifier} and {@link KortexRegressor}:
 * each returns the stage itself. A setter given a value its param does not accept throws an
 * {@code IllegalArgumentException} naming the param and the value, and leaves the stage unchanged.
 *
 * @param <S> the estimator type the setters return
 */
public interface KortexEstimatorParams<S extends KortexEstimatorParams<S>> extends KortexParams<S> {

    /** Sets {@link #hiddenLayers()}; returns this stage. */
    default S setHiddenLayers(int... sizes) {
        set(hiddenLayers(), sizes.clone());
        return self();
    }

    /** Sets {@link #activation()}; returns this stage. */
    default S setActivation(String name) {
        set(activation(), name);
        return self();
    }

    /** Sets {@link #optimizer()}; returns this stage. */
    default S setOptimizer(String name) {
        set(optimizer(), name);
        return self();
    }

    /** Sets {@link #stepSize()}; returns this stage. */
    default S setStepSize(double value) {
        set(stepSize(), value);
        return self();
    }

    /** Sets {@link #stepSizeSchedule()}; returns this stage. */
    default S setStepSizeSchedule(String name) {
        set(stepSizeSchedule(), name);
        return self();
    }

    /** Sets {@link #batchSize()}; returns this stage. */
    default S setBatchSize(int rows) {
        set(batchSize(), rows);
        return self();
    }

    /** Sets {@link #maxIter()}; returns this stage. */
    default S setMaxIter(int epochs) {
        set(maxIter(), epochs);
        return self();
    }

    /** Sets {@link #tol()}; returns this stage. */
    default S setTol(double value) {
        set(tol(), value);
        return self();
    }

    /** Sets {@link #seed()}; returns this stage. */
    default S setSeed(long value) {
        set(seed(), value);
        return self();
    }

    /** Sets {@link #regParam()}; returns this stage. */
    default S setRegParam(double value) {
        set(regParam(), value);
        return self();
    }

    /** Sets {@link #numThreads()}; returns this stage. */
    default S setNumThreads(int threads) {
        set(numThreads(), threads);
        return self();
    }

    /** Sets {@link #syncInterval()}; returns this stage. */
    default S setSyncInterval(int steps) {
        set(syncInterval(), steps);
        return self();
    }

    /** Sets {@link #weightCol()}; returns this stage. */
    default S setWeightCol(String column) {
        set(weightCol(), column);
        return self();
    }

    /** Sets {@link #validationIndicatorCol()}; returns this stage. */
    default S setValidationIndicatorCol(String column) {
        set(validationIndicatorCol(), column);
        return self();
    }

    /** Sets {@link #earlyStoppingPatience()}; returns this stage. */
    default S setEarlyStoppingPatience(int epochs) {
        set(earlyStoppingPatience(), epochs);
        return self();
    }

    /** Starts training from these weights (e.g. {@code previousModel.weights()}); returns this stage. */
    default S setInitialModel(NetworkWeights weights) {
        set(initialModel(), weights);
        return self();
    }

    /**
     * Writes a checkpoint to {@code dir} (any Hadoop path) every {@link #checkpointInterval()}
     * epochs and after the last one: parameters, optimizer state, epoch, shuffle position and
     * history, written under a temporary name and renamed, so a reader never sees a partial one.
     * Returns this stage.
     */
    default S setCheckpointDir(String dir) {
        set(checkpointDir(), dir);
        return self();
    }

    /** Sets {@link #blockStorage()}: {@code auto}, {@code memory} or {@code disk}; returns this stage. */
    default S setBlockStorage(String storage) {
        set(blockStorage(), storage);
        return self();
    }

    /** Sets {@link #diskWindowInMB()}; returns this stage. */
    default S setDiskWindowInMB(int mib) {
        set(diskWindowInMB(), mib);
        return self();
    }

    /** Sets {@link #checkpointInterval()} in epochs; returns this stage. */
    default S setCheckpointInterval(int epochs) {
        set(checkpointInterval(), epochs);
        return self();
    }

    /** Sets how many of the newest checkpoints are kept; returns this stage. */
    default S setKeepCheckpoints(int count) {
        set(keepCheckpoints(), count);
        return self();
    }

    /**
     * Continues the fit from a checkpoint: a checkpoint file, or a checkpoint directory, whose
     * newest readable checkpoint is used. With the same data, partitioning, executor count and
     * params, the final model is bitwise identical to an uninterrupted fit. {@code stepSize},
     * {@code stepSizeSchedule} and {@code maxIter} may change (to recover from a divergence or
     * to train longer); a checkpoint of another architecture, optimizer, seed, batch size, row
     * count or executor count is refused with an {@code IllegalArgumentException} naming the
     * difference. Returns this stage.
     */
    default S setResumeFrom(String path) {
        set(resumeFrom(), path);
        return self();
    }
}
