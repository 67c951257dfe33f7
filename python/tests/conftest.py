"""Fixtures of the Python suites. Classic PySpark and Spark Connect cannot share a process, so each
suite runs in its own pytest process (``./kortex test`` runs them one after the other) and only the
fixtures of the selected mode start anything."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


@pytest.fixture(scope="session")
def spark():
    """A classic local[2] session with the KortexDL jar, shared by the classic suite."""
    import kortexdl
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("kortexdl-python-classic")
        .config("spark.jars", kortexdl.jar_path())
        .config("spark.driver.memory", "2g")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
