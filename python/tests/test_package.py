"""The installed package itself, without Spark running: its jar, versions and module names."""

import importlib
import io as standard_io
import os
import re
import sys
import zipfile

import kortexdl

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def test_the_installed_wheel_is_tested_not_the_source_tree():
    assert os.path.join(REPO, "python") not in os.path.dirname(kortexdl.__file__), kortexdl.__file__


def test_the_wheel_carries_the_jar_with_the_stages_and_their_registrations():
    path = kortexdl.jar_path()
    assert os.path.isfile(path) and path.endswith("-all.jar")
    with zipfile.ZipFile(path) as jar:
        names = set(jar.namelist())
        assert "io/kortexdl/spark/KortexClassifier.class" in names
        assert "io/kortexdl/kernels/Network.class" in names
        estimators = jar.read("META-INF/services/org.apache.spark.ml.Estimator").decode().split()
        transformers = jar.read("META-INF/services/org.apache.spark.ml.Transformer").decode().split()
    assert estimators == ["io.kortexdl.spark.KortexClassifier", "io.kortexdl.spark.KortexRegressor"]
    assert transformers == ["io.kortexdl.spark.KortexClassificationModel", "io.kortexdl.spark.KortexRegressionModel"]


def test_versions_follow_the_maven_build():
    with open(os.path.join(REPO, "parent", "pom.xml")) as f:
        pom = f.read()
    project = re.search(r"<artifactId>kortexdl-parent</artifactId>\s*<version>([^<]+)</version>", pom)
    spark = re.search(r"<spark.version>([^<]+)</spark.version>", pom).group(1)
    assert kortexdl.SPARK_VERSION == spark
    assert project is not None, "parent/pom.xml's version"
    assert kortexdl.__version__ == project.group(1).replace("-SNAPSHOT", ".dev0")
    assert os.path.basename(kortexdl.jar_path()) == "kortexdl-spark-%s-all.jar" % project.group(1)


def test_the_java_package_name_resolves_to_our_classes_and_leaves_io_alone():
    module = importlib.import_module("io.kortexdl.spark")
    assert module.KortexClassificationModel is kortexdl.KortexClassificationModel
    assert __import__("io.kortexdl.spark", fromlist=["KortexRegressor"]).KortexRegressor is kortexdl.KortexRegressor
    assert kortexdl.KortexClassifier.__module__ == "io.kortexdl.spark"
    assert sys.modules["io"] is standard_io and standard_io.StringIO("x").read() == "x"
