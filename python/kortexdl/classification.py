"""KortexDL's multilayer-perceptron classifier for PySpark: :class:`KortexClassifier` and its model."""

from typing import Any, List, Optional

from pyspark import keyword_only
from pyspark.ml.classification import _JavaProbabilisticClassificationModel, _JavaProbabilisticClassifier
from pyspark.ml.linalg import Vector
from pyspark.ml.util import JavaMLWritable

from kortexdl._params import CLASSIFIER_SEED, _KortexParams
from kortexdl._setters import _KortexSetters
from kortexdl._stages import _KortexEstimator, _KortexModel


class KortexClassifier(
    _KortexEstimator,
    _JavaProbabilisticClassifier["KortexClassificationModel"],
    _KortexSetters,
    JavaMLWritable,
):
    """A multilayer-perceptron classifier trained by KortexDL's multithreaded native kernels on every executor.

    Softmax output and cross-entropy loss; ReLU, tanh or sigmoid hidden layers; Adam, SGD or
    momentum. Used like :class:`pyspark.ml.classification.MultilayerPerceptronClassifier`, and all
    the work happens in the JVM (the same in classic PySpark and over Spark Connect).

    Input: a features column (``Vector``, ``array<float>`` or ``array<double>``) and a numeric label
    column of class indices ``0, 1, ...``. Bad input raises
    :class:`pyspark.errors.IllegalArgumentException` naming the column, the row and what was
    expected. The session needs the KortexDL jar: ``kortexdl.jar_path()``.

    Examples
    --------
    >>> from kortexdl import KortexClassifier
    >>> model = KortexClassifier(hiddenLayers=[256, 128], maxIter=10).fit(train)  # doctest: +SKIP
    >>> model.summary.lossHistory  # doctest: +SKIP
    """

    _java_class = "io.kortexdl.spark.KortexClassifier"

    @keyword_only
    def __init__(
        self,
        *,
        featuresCol: str = "features",
        labelCol: str = "label",
        predictionCol: str = "prediction",
        probabilityCol: str = "probability",
        rawPredictionCol: str = "rawPrediction",
        thresholds: Optional[List[float]] = None,
        hiddenLayers: Optional[List[int]] = None,
        activation: str = "relu",
        optimizer: str = "adam",
        stepSize: float = 0.001,
        stepSizeSchedule: str = "cosine",
        batchSize: int = 0,
        maxIter: int = 10,
        tol: float = 0.0,
        seed: Optional[int] = None,
        regParam: float = 0.0,
        numThreads: int = 0,
        syncInterval: int = 64,
        weightCol: str = "",
        validationIndicatorCol: str = "",
        earlyStoppingPatience: int = 5,
        initialModel: Optional[Any] = None,
        checkpointDir: str = "",
        checkpointInterval: int = 1,
        keepCheckpoints: int = 2,
        resumeFrom: str = "",
        blockStorage: str = "auto",
        diskWindowInMB: int = 64,
    ):
        """__init__(self, \\*, featuresCol="features", labelCol="label", ..., diskWindowInMB=64)

        Every keyword is the param of the same name; see :meth:`setParams`.
        """
        super().__init__()
        self._java_obj = self._new_kortex_java_obj()
        self._set_kortex_defaults(CLASSIFIER_SEED)
        self.setParams(**self._input_kwargs)

    @keyword_only
    def setParams(
        self,
        *,
        featuresCol: str = "features",
        labelCol: str = "label",
        predictionCol: str = "prediction",
        probabilityCol: str = "probability",
        rawPredictionCol: str = "rawPrediction",
        thresholds: Optional[List[float]] = None,
        hiddenLayers: Optional[List[int]] = None,
        activation: str = "relu",
        optimizer: str = "adam",
        stepSize: float = 0.001,
        stepSizeSchedule: str = "cosine",
        batchSize: int = 0,
        maxIter: int = 10,
        tol: float = 0.0,
        seed: Optional[int] = None,
        regParam: float = 0.0,
        numThreads: int = 0,
        syncInterval: int = 64,
        weightCol: str = "",
        validationIndicatorCol: str = "",
        earlyStoppingPatience: int = 5,
        initialModel: Optional[Any] = None,
        checkpointDir: str = "",
        checkpointInterval: int = 1,
        keepCheckpoints: int = 2,
        resumeFrom: str = "",
        blockStorage: str = "auto",
        diskWindowInMB: int = 64,
    ) -> "KortexClassifier":
        """Sets the params given as keywords (and only those); returns this classifier."""
        return self._set(**self._input_kwargs)

    def _create_model(self, java_model: Any) -> "KortexClassificationModel":
        return KortexClassificationModel(java_model)


class KortexClassificationModel(
    _JavaProbabilisticClassificationModel[Vector],
    _KortexModel,
    _KortexParams,
    JavaMLWritable,
):
    """A trained :class:`KortexClassifier`.

    ``transform`` appends rawPrediction (logits), probability (softmax) and prediction, scoring
    each partition in blocks of rows in the JVM, on batch and streaming DataFrames. ``predict``,
    ``predictRaw`` and ``predictProbability`` score one vector; ``numFeatures``, ``numClasses``
    and ``getHiddenLayers()`` describe the network; ``summary`` is the history of the fit (only on
    a model trained in this session: ``hasSummary``). Saved with ``write().save(path)`` or
    ``save(path)`` and loaded with :meth:`load`, interchangeably with Java and Scala.
    """

    def __init__(self, java_model: Optional[Any] = None):
        super().__init__(java_model)
        self._set_kortex_defaults(CLASSIFIER_SEED)
