"""The params KortexDL's estimators and models share, as the JVM declares them.

Names, docs, defaults and meanings are the Java stages' (``io.kortexdl.spark.KortexParamSet``):
classic PySpark copies params to the JVM by name, and Spark Connect sends only the params a user
set, so a default here that differed from the JVM's would change what a fit does. The test suite
asks the JVM for its params and fails on any difference.
"""

from typing import Any, List

from pyspark.ml.param import Param, Params, TypeConverters
from pyspark.sql.utils import is_remote

# The JVM's default seeds: the Java String hash of each estimator's class name.
CLASSIFIER_SEED = 1275285392
REGRESSOR_SEED = -458122437


def _to_initial_model(value: Any) -> Any:
    """Accepts a fitted KortexDL model (its weights start the fit), or the JVM weights object."""
    from pyspark.ml.wrapper import JavaModel

    if isinstance(value, JavaModel) and hasattr(value, "getHiddenLayers"):
        if is_remote():
            raise TypeError(
                "initialModel cannot be sent over Spark Connect (only numbers, strings and arrays can); "
                "warm-start from classic PySpark, Scala or Java"
            )
        return value._java_obj.weights()
    if type(value).__name__ == "JavaObject":  # the JVM's NetworkWeights, as read back from a stage
        return value
    raise TypeError("initialModel: expected a fitted KortexClassificationModel or KortexRegressionModel, got %r"
                    % type(value).__name__)


class _KortexParams(Params):
    """Params of every KortexDL stage, with their getters."""

    hiddenLayers: "Param[List[int]]" = Param(
        Params._dummy(), "hiddenLayers",
        "sizes of the hidden layers, each > 0 (input size comes from the features, output size from the labels)",
        typeConverter=TypeConverters.toListInt)
    activation: "Param[str]" = Param(
        Params._dummy(), "activation", "hidden-layer activation: relu, tanh or sigmoid",
        typeConverter=TypeConverters.toString)
    optimizer: "Param[str]" = Param(
        Params._dummy(), "optimizer", "update rule: adam, sgd or momentum (0.9)", typeConverter=TypeConverters.toString)
    stepSize: "Param[float]" = Param(
        Params._dummy(), "stepSize", "learning rate of the first epoch (> 0 and finite in float32, at most 3.4e38)",
        typeConverter=TypeConverters.toFloat)
    stepSizeSchedule: "Param[str]" = Param(
        Params._dummy(), "stepSizeSchedule",
        "how the learning rate changes over maxIter epochs: cosine (decays to 0) or constant",
        typeConverter=TypeConverters.toString)
    batchSize: "Param[int]" = Param(
        Params._dummy(), "batchSize",
        "rows per global mini-batch, summed over executors (>= 0; 0 = chosen from the training rows: at least"
        " 32 steps per epoch for a classifier, 8 for a regressor, 8 to 128 rows)",
        typeConverter=TypeConverters.toInt)
    maxIter: "Param[int]" = Param(
        Params._dummy(), "maxIter", "number of epochs (>= 0)", typeConverter=TypeConverters.toInt)
    tol: "Param[float]" = Param(
        Params._dummy(), "tol",
        "stop when an epoch improves the training loss by less than tol x max(1, loss) (>= 0; 0 never stops)",
        typeConverter=TypeConverters.toFloat)
    seed: "Param[int]" = Param(
        Params._dummy(), "seed", "random seed for initialisation and shuffling", typeConverter=TypeConverters.toInt)
    regParam: "Param[float]" = Param(
        Params._dummy(), "regParam", "L2 regularisation of the weights (>= 0 and finite in float32, at most 3.4e38)",
        typeConverter=TypeConverters.toFloat)
    numThreads: "Param[int]" = Param(
        Params._dummy(), "numThreads",
        "training threads per executor (>= 0; 0 = the cores of the executor, or of local mode)",
        typeConverter=TypeConverters.toInt)
    syncInterval: "Param[int]" = Param(
        Params._dummy(), "syncInterval",
        "local steps between parameter averaging across executors (>= 1; 1 = exact synchronous SGD,"
        " gradients summed every step)",
        typeConverter=TypeConverters.toInt)
    weightCol: "Param[str]" = Param(
        Params._dummy(), "weightCol", "column of non-negative row weights; empty = all 1",
        typeConverter=TypeConverters.toString)
    validationIndicatorCol: "Param[str]" = Param(
        Params._dummy(), "validationIndicatorCol",
        "boolean column: true rows are held out to measure each epoch and to stop early; empty = none",
        typeConverter=TypeConverters.toString)
    earlyStoppingPatience: "Param[int]" = Param(
        Params._dummy(), "earlyStoppingPatience",
        "with a validation set: stop after this many epochs without a better validation loss and keep"
        " the best epoch's weights (>= 1)",
        typeConverter=TypeConverters.toInt)
    initialModel: "Param[Any]" = Param(
        Params._dummy(), "initialModel",
        "weights to start from (warm start); must match the input size, hidden layers, activation and outputs",
        typeConverter=_to_initial_model)
    checkpointDir: "Param[str]" = Param(
        Params._dummy(), "checkpointDir",
        "directory (any Hadoop path) where the fit writes a checkpoint every checkpointInterval epochs and"
        " after its last epoch; empty = none",
        typeConverter=TypeConverters.toString)
    checkpointInterval: "Param[int]" = Param(
        Params._dummy(), "checkpointInterval", "epochs between checkpoints (>= 1)", typeConverter=TypeConverters.toInt)
    keepCheckpoints: "Param[int]" = Param(
        Params._dummy(), "keepCheckpoints", "newest checkpoints kept in checkpointDir; older ones are deleted (>= 1)",
        typeConverter=TypeConverters.toInt)
    resumeFrom: "Param[str]" = Param(
        Params._dummy(), "resumeFrom",
        "a checkpoint file, or a checkpoint directory (its newest readable checkpoint), to continue a fit"
        " from; empty = start afresh",
        typeConverter=TypeConverters.toString)
    blockStorage: "Param[str]" = Param(
        Params._dummy(), "blockStorage",
        "where each executor keeps its packed training rows: auto (on the heap when they fit the memory Spark"
        " manages, else on local disk), memory or disk (Spark's local directories, streamed every epoch)",
        typeConverter=TypeConverters.toString)
    diskWindowInMB: "Param[int]" = Param(
        Params._dummy(), "diskWindowInMB",
        "rows streamed from local disk are shuffled within windows of about this many MiB of packed rows;"
        " two windows are on the heap at a time (>= 1)",
        typeConverter=TypeConverters.toInt)

    def _set_kortex_defaults(self, seed: int) -> None:
        self._setDefault(hiddenLayers=[128], activation="relu", optimizer="adam", stepSize=0.001,
                         stepSizeSchedule="cosine", batchSize=0, maxIter=10, tol=0.0, seed=seed, regParam=0.0,
                         numThreads=0, syncInterval=64, weightCol="", validationIndicatorCol="",
                         earlyStoppingPatience=5, checkpointDir="", checkpointInterval=1, keepCheckpoints=2,
                         resumeFrom="", blockStorage="auto", diskWindowInMB=64)

    def getHiddenLayers(self) -> List[int]:
        """The sizes of the hidden layers."""
        return self.getOrDefault(self.hiddenLayers)

    def getActivation(self) -> str:
        """The hidden-layer activation."""
        return self.getOrDefault(self.activation)

    def getOptimizer(self) -> str:
        """The update rule."""
        return self.getOrDefault(self.optimizer)

    def getStepSize(self) -> float:
        """The learning rate of the first epoch."""
        return self.getOrDefault(self.stepSize)

    def getStepSizeSchedule(self) -> str:
        """How the learning rate changes over the epochs."""
        return self.getOrDefault(self.stepSizeSchedule)

    def getBatchSize(self) -> int:
        """Rows per global mini-batch (0: chosen from the training rows)."""
        return self.getOrDefault(self.batchSize)

    def getMaxIter(self) -> int:
        """The number of epochs."""
        return self.getOrDefault(self.maxIter)

    def getTol(self) -> float:
        """The loss-improvement threshold that stops training."""
        return self.getOrDefault(self.tol)

    def getSeed(self) -> int:
        """The random seed."""
        return self.getOrDefault(self.seed)

    def getRegParam(self) -> float:
        """The L2 regularisation."""
        return self.getOrDefault(self.regParam)

    def getNumThreads(self) -> int:
        """Training threads per executor (0: the executor's cores)."""
        return self.getOrDefault(self.numThreads)

    def getSyncInterval(self) -> int:
        """Local steps between parameter averaging across executors."""
        return self.getOrDefault(self.syncInterval)

    def getWeightCol(self) -> str:
        """The column of row weights (empty: every row weighs 1)."""
        return self.getOrDefault(self.weightCol)

    def getValidationIndicatorCol(self) -> str:
        """The boolean column marking validation rows (empty: none)."""
        return self.getOrDefault(self.validationIndicatorCol)

    def getEarlyStoppingPatience(self) -> int:
        """Epochs without a better validation loss before training stops."""
        return self.getOrDefault(self.earlyStoppingPatience)

    def getInitialModel(self) -> Any:
        """The JVM weights a fit starts from; raises KeyError when unset."""
        return self.getOrDefault(self.initialModel)

    def getCheckpointDir(self) -> str:
        """Where checkpoints are written (empty: none)."""
        return self.getOrDefault(self.checkpointDir)

    def getCheckpointInterval(self) -> int:
        """Epochs between checkpoints."""
        return self.getOrDefault(self.checkpointInterval)

    def getKeepCheckpoints(self) -> int:
        """Newest checkpoints kept."""
        return self.getOrDefault(self.keepCheckpoints)

    def getResumeFrom(self) -> str:
        """The checkpoint a fit continues from (empty: none)."""
        return self.getOrDefault(self.resumeFrom)

    def getBlockStorage(self) -> str:
        """Where each executor keeps its packed training rows: auto, memory or disk."""
        return self.getOrDefault(self.blockStorage)

    def getDiskWindowInMB(self) -> int:
        """MiB of packed rows in each window a block on local disk is streamed and shuffled in."""
        return self.getOrDefault(self.diskWindowInMB)
