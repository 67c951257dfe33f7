"""KortexDL's multilayer-perceptron regressor for PySpark: :class:`KortexRegressor` and its model."""

from typing import Any, List, Optional

from pyspark import keyword_only
from pyspark.ml.linalg import Vector
from pyspark.ml.regression import _JavaRegressionModel, _JavaRegressor
from pyspark.ml.util import JavaMLWritable

from kortexdl._params import REGRESSOR_SEED, _KortexParams
from kortexdl._setters import _KortexSetters
from kortexdl._stages import _KortexEstimator, _KortexModel


class KortexRegressor(
    _KortexEstimator,
    _JavaRegressor["KortexRegressionModel"],
    _KortexSetters,
    JavaMLWritable,
):
    """A multilayer-perceptron regressor trained by KortexDL's native kernels on every executor.

    A linear output and squared-error loss; the network trains on the standardized label and
    predicts in the label's own units. Params, input checks and the jar are as for
    :class:`kortexdl.KortexClassifier`.
    """

    _java_class = "io.kortexdl.spark.KortexRegressor"

    @keyword_only
    def __init__(
        self,
        *,
        featuresCol: str = "features",
        labelCol: str = "label",
        predictionCol: str = "prediction",
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
        self._set_kortex_defaults(REGRESSOR_SEED)
        self.setParams(**self._input_kwargs)

    @keyword_only
    def setParams(
        self,
        *,
        featuresCol: str = "features",
        labelCol: str = "label",
        predictionCol: str = "prediction",
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
    ) -> "KortexRegressor":
        """Sets the params given as keywords (and only those); returns this regressor."""
        return self._set(**self._input_kwargs)

    def _create_model(self, java_model: Any) -> "KortexRegressionModel":
        return KortexRegressionModel(java_model)


class KortexRegressionModel(
    _JavaRegressionModel[Vector],
    _KortexModel,
    _KortexParams,
    JavaMLWritable,
):
    """A trained :class:`KortexRegressor`: ``transform`` appends the prediction, in the label's units.

    ``predict`` scores one vector; ``numFeatures``, ``getHiddenLayers()`` and ``summary`` as for
    :class:`kortexdl.KortexClassificationModel`.
    """

    def __init__(self, java_model: Optional[Any] = None):
        super().__init__(java_model)
        self._set_kortex_defaults(REGRESSOR_SEED)
