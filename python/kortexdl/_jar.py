"""The KortexDL jar this package carries, and the checks that a Spark session can use it."""

import os
from typing import Any

from kortexdl._version import SPARK_VERSION, __version__

_JAR_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "jars")
_JAR_NAME = "kortexdl-spark-%s-all.jar"


def jar_path() -> str:
    """Path of the KortexDL jar inside this package: the library, its kernels and netlib.

    Add it to a Spark application before the JVM starts, for example::

        SparkSession.builder.config("spark.jars", kortexdl.jar_path()).getOrCreate()

    or ``pyspark --jars $(python -c 'import kortexdl; print(kortexdl.jar_path())')``.

    Raises
    ------
    FileNotFoundError
        if the package was installed without its jar (a source checkout: build the wheel with
        ``./kortex build-python``).
    """
    names = sorted(n for n in os.listdir(_JAR_DIR) if n.endswith("-all.jar")) if os.path.isdir(_JAR_DIR) else []
    if not names:
        raise FileNotFoundError(
            "kortexdl %s has no jar under %s: install the kortexdl wheel, or build it from a checkout "
            "with ./kortex build-python" % (__version__, _JAR_DIR)
        )
    return os.path.join(_JAR_DIR, names[-1])


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def check_pyspark() -> None:
    """Raises ImportError when the installed pyspark is not the Spark line the jar was built for."""
    import pyspark

    if _minor(pyspark.__version__) != _minor(SPARK_VERSION):
        raise ImportError(
            "kortexdl %s is built for Spark %s (pyspark %s.x), but this Python has pyspark %s: "
            "install pyspark==%s" % (__version__, SPARK_VERSION, _minor(SPARK_VERSION), pyspark.__version__,
                                     SPARK_VERSION)
        )


def _missing_jar(where: str) -> RuntimeError:
    try:
        path = jar_path()
    except FileNotFoundError:
        path = "<kortexdl.jar_path()>"
    return RuntimeError(
        "The KortexDL classes are not on %s. Start the session with the jar, before any SparkContext "
        "exists in this process: SparkSession.builder.config(\"spark.jars\", kortexdl.jar_path()), "
        "or pyspark/spark-submit --jars %s" % (where, path)
    )


def check_jvm(java_class: str) -> None:
    """Raises RuntimeError naming the fix when the active classic session's JVM lacks our jar.

    Without this check, PySpark reports a missing class as ``'JavaPackage' object is not callable``.
    """
    from py4j.java_gateway import JavaClass
    from pyspark import SparkContext

    sc = SparkContext._active_spark_context
    if sc is None:
        raise RuntimeError(
            "No active SparkSession: create one before the KortexDL stages, with "
            "SparkSession.builder.config(\"spark.jars\", kortexdl.jar_path()).getOrCreate()"
        )
    target: Any = sc._jvm
    for part in java_class.split("."):
        target = getattr(target, part)
    if not isinstance(target, JavaClass):
        raise _missing_jar("the driver's classpath")
    jvm_spark = sc.version
    if _minor(jvm_spark) != _minor(SPARK_VERSION):
        raise RuntimeError(
            "kortexdl %s is built for Spark %s, but this session runs Spark %s"
            % (__version__, SPARK_VERSION, jvm_spark)
        )


def missing_on_server(error: Exception) -> RuntimeError:
    """The error for a Spark Connect server that does not know our stages."""
    return RuntimeError(
        "The Spark Connect server does not know the KortexDL stages. Start the server with the "
        "jar on its classpath: start-connect-server.sh --jars <kortexdl.jar_path()>; adding the jar "
        "to a running server is not enough, Spark registers ML stages once at start. The server said: %s"
        % str(error).strip().splitlines()[0]
    )
