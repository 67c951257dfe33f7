"""KortexDL for PySpark: multilayer perceptrons trained by native multithreaded kernels on Spark executors.

The stages wrap the JVM library, so a session needs its jar (carried by this package)::

    import kortexdl
    spark = SparkSession.builder.config("spark.jars", kortexdl.jar_path()).getOrCreate()
    model = kortexdl.KortexClassifier(hiddenLayers=[256, 128]).fit(train)

The same code runs over Spark Connect when the server was started with the jar.
"""

from kortexdl._jar import check_pyspark, jar_path
from kortexdl._version import SPARK_VERSION, __version__

check_pyspark()

from kortexdl._java_names import mirror_java_package  # noqa: E402
from kortexdl.classification import KortexClassificationModel, KortexClassifier  # noqa: E402
from kortexdl.regression import KortexRegressionModel, KortexRegressor  # noqa: E402
from kortexdl.summary import EpochRecord, KortexTrainingSummary  # noqa: E402

mirror_java_package(KortexClassifier, KortexClassificationModel, KortexRegressor, KortexRegressionModel)

__all__ = [
    "KortexClassifier",
    "KortexClassificationModel",
    "KortexRegressor",
    "KortexRegressionModel",
    "KortexTrainingSummary",
    "EpochRecord",
    "jar_path",
    "SPARK_VERSION",
    "__version__",
]
