package io.kortexdl.spark;

import java.io.Serializable;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.Params;
import scala.Function1;

/**
 * The param objects of one KortexDL stage, built once its uid is known, with their validators
 * and defaults. Every stage (estimators and models) owns one, so {@code copyValues} matches
 * them by name.
 */
final class KortexParamSet implements Serializable {
    private static final long serialVersionUID = 1L;

    static final String[] ACTIVATIONS = {"relu", "tanh", "sigmoid"};
    static final String[] OPTIMIZERS = {"adam", "sgd", "momentum"};
    static final String[] SCHEDULES = {"cosine", "constant"};
    /** A window of 64 MiB keeps two windows at 13 % of a 1 GiB executor's heap (see the README's out-of-core figures). */
    static final int DEFAULT_DISK_WINDOW_MB = 64;
    /** Parameter averaging every 64 local steps: the fastest to a given accuracy in the README's sweep. */
    static final int DEFAULT_SYNC_INTERVAL = 64;

    final IntArrayParam hiddenLayers;
    final Param<String> activation;
    final Param<String> optimizer;
    final DoubleParam stepSize;
    final Param<String> stepSizeSchedule;
    final IntParam batchSize;
    final IntParam maxIter;
    final DoubleParam tol;
    final LongParam seed;
    final DoubleParam regParam;
    final IntParam numThreads;
    final IntParam syncInterval;
    final Param<String> weightCol;
    final Param<String> validationIndicatorCol;
    final IntParam earlyStoppingPatience;
    final NetworkWeightsParam initialModel;
    final Param<String> checkpointDir;
    final IntParam checkpointInterval;
    final IntParam keepCheckpoints;
    final Param<String> resumeFrom;
    final Param<String> blockStorage;
    final IntParam diskWindowInMB;

    KortexParamSet(KortexParams<?> stage) {
        hiddenLayers = new IntArrayParam(stage, "hiddenLayers",
                "sizes of the hidden layers, each > 0 (input size comes from the features, output size from the labels)",
                positiveSizes());
        activation = new Param<>(stage, "activation", "hidden-layer activation: relu, tanh or sigmoid",
                ParamValidators.inArray(ACTIVATIONS));
        optimizer = new Param<>(stage, "optimizer", "update rule: adam, sgd or momentum (0.9)",
                ParamValidators.inArray(OPTIMIZERS));
        stepSize = new DoubleParam(stage, "stepSize",
                "learning rate of the first epoch (> 0 and finite in float32, at most 3.4e38)",
                ParamValidators.inRange(0, Float.MAX_VALUE, false, true));
        stepSizeSchedule = new Param<>(stage, "stepSizeSchedule",
                "how the learning rate changes over maxIter epochs: cosine (decays to 0) or constant",
                ParamValidators.inArray(SCHEDULES));
        batchSize = new IntParam(stage, "batchSize",
                "rows per global mini-batch, summed over executors (>= 0; 0 = chosen from the training rows: at least"
                        + " 32 steps per epoch for a classifier, 8 for a regressor, 8 to 128 rows)",
                ParamValidators.gtEq(0));
        maxIter = new IntParam(stage, "maxIter", "number of epochs (>= 0)", ParamValidators.gtEq(0));
        tol = new DoubleParam(stage, "tol",
                "stop when an epoch improves the training loss by less than tol x max(1, loss) (>= 0; 0 never stops)",
                ParamValidators.gtEq(0));
        seed = new LongParam(stage, "seed", "random seed for initialisation and shuffling");
        regParam = new DoubleParam(stage, "regParam",
                "L2 regularisation of the weights (>= 0 and finite in float32, at most 3.4e38)",
                ParamValidators.inRange(0, Float.MAX_VALUE, true, true));
        numThreads = new IntParam(stage, "numThreads",
                "training threads per executor (>= 0; 0 = the cores of the executor, or of local mode)",
                ParamValidators.gtEq(0));
        syncInterval = new IntParam(stage, "syncInterval",
                "local steps between parameter averaging across executors (>= 1; 1 = exact synchronous SGD,"
                        + " gradients summed every step)",
                ParamValidators.gtEq(1));
        weightCol = new Param<>(stage, "weightCol", "column of non-negative row weights; empty = all 1");
        validationIndicatorCol = new Param<>(stage, "validationIndicatorCol",
                "boolean column: true rows are held out to measure each epoch and to stop early; empty = none");
        earlyStoppingPatience = new IntParam(stage, "earlyStoppingPatience",
                "with a validation set: stop after this many epochs without a better validation loss and keep"
                        + " the best epoch's weights (>= 1)",
                ParamValidators.gtEq(1));
        initialModel = new NetworkWeightsParam(stage, "initialModel",
                "weights to start from (warm start); must match the input size, hidden layers, activation and outputs");
        checkpointDir = new Param<>(stage, "checkpointDir",
                "directory (any Hadoop path) where the fit writes a checkpoint every checkpointInterval epochs and"
                        + " after its last epoch; empty = none");
        checkpointInterval = new IntParam(stage, "checkpointInterval", "epochs between checkpoints (>= 1)",
                ParamValidators.gtEq(1));
        keepCheckpoints = new IntParam(stage, "keepCheckpoints",
                "newest checkpoints kept in checkpointDir; older ones are deleted (>= 1)", ParamValidators.gtEq(1));
        resumeFrom = new Param<>(stage, "resumeFrom",
                "a checkpoint file, or a checkpoint directory (its newest readable checkpoint), to continue a fit"
                        + " from; empty = start afresh");
        blockStorage = new Param<>(stage, "blockStorage",
                "where each executor keeps its packed training rows: auto (on the heap when they fit the memory Spark"
                        + " manages, else on local disk), memory or disk (Spark's local directories, streamed every epoch)",
                ParamValidators.inArray(BlockStorage.PARAM_VALUES));
        diskWindowInMB = new IntParam(stage, "diskWindowInMB",
                "rows streamed from local disk are shuffled within windows of about this many MiB of packed rows;"
                        + " two windows are on the heap at a time (>= 1)",
                ParamValidators.gtEq(1));
    }

    void setDefaults(Params stage, long defaultSeed) {
        stage.setDefault(hiddenLayers, new int[] {128});
        stage.setDefault(activation, "relu");
        stage.setDefault(optimizer, "adam");
        stage.setDefault(stepSize, 0.001);
        stage.setDefault(stepSizeSchedule, "cosine");
        stage.setDefault(batchSize, 0);
        stage.setDefault(maxIter, 10);
        stage.setDefault(tol, 0.0);
        stage.setDefault(seed, defaultSeed);
        stage.setDefault(regParam, 0.0);
        stage.setDefault(numThreads, 0);
        stage.setDefault(syncInterval, DEFAULT_SYNC_INTERVAL);
        stage.setDefault(weightCol, "");
        stage.setDefault(validationIndicatorCol, "");
        stage.setDefault(earlyStoppingPatience, 5);
        stage.setDefault(checkpointDir, "");
        stage.setDefault(checkpointInterval, 1);
        stage.setDefault(keepCheckpoints, 2);
        stage.setDefault(resumeFrom, "");
        stage.setDefault(blockStorage, "auto");
        stage.setDefault(diskWindowInMB, DEFAULT_DISK_WINDOW_MB);
    }

    @SuppressWarnings("unchecked")
    private static Function1<int[], Object> positiveSizes() {
        return (Function1<int[], Object> & Serializable) sizes -> {
            for (int size : sizes) {
                if (size < 1) {
                    return false;
                }
            }
            return true;
        };
    }
}
