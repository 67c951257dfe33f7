"""The same PySpark API over Spark Connect, against a real Connect server started from pip pyspark
with the KortexDL jar. Run in a process of its own: Connect mode is process-wide in PySpark.

The server keeps at most 60 kB of models in memory, so the models of these tests are moved to its
disk and back while they are used (Spark's model cache offloading).
"""

import json
import os
import subprocess
import sys

import pytest
from pyspark.errors import IllegalArgumentException
from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.evaluation import MulticlassClassificationEvaluator
from pyspark.ml.feature import StandardScaler
from pyspark.ml.tuning import CrossValidator, CrossValidatorModel, ParamGridBuilder

import kortexdl
from kortexdl import KortexClassificationModel, KortexClassifier, KortexRegressor
from connect_server import ConnectServer, child_environment
from data import blobs, curve

HERE = os.path.dirname(os.path.abspath(__file__))
OFFLOADING = {
    "spark.connect.session.connectML.mlCache.memoryControl.enabled": "true",
    "spark.connect.session.connectML.mlCache.memoryControl.maxInMemorySize": "60000",
}


@pytest.fixture(scope="module")
def server():
    started = ConnectServer(kortexdl.jar_path(), OFFLOADING)
    yield started
    started.stop()


@pytest.fixture(scope="module")
def spark(server):
    from pyspark.sql import SparkSession

    session = SparkSession.builder.remote(server.url).getOrCreate()
    assert session.__class__.__module__.startswith("pyspark.sql.connect")
    yield session
    session.stop()


def _rows(df, *columns):
    return [tuple(r) for r in df.orderBy("id").select(*columns).collect()]


def test_fit_transform_scoring_and_summary(spark):
    data = blobs(spark, 600)
    model = KortexClassifier(hiddenLayers=[16], maxIter=20, seed=11).fit(data)
    predictions = model.transform(data)
    assert MulticlassClassificationEvaluator(metricName="accuracy").evaluate(predictions) > 0.9
    assert model.numFeatures == 4 and model.numClasses == 3 and model.getHiddenLayers() == [16]
    row = predictions.orderBy("id").first()
    assert model.predict(row.features) == row.prediction
    assert model.predictRaw(row.features) == row.rawPrediction
    assert model.predictProbability(row.features).toArray() == pytest.approx(row.probability.toArray(), abs=1e-12)
    assert model.hasSummary and model.summary.totalIterations == 20
    assert sum(model.summary.rowsByExecutor.values()) == 600 * 20
    assert model.summary.lossHistory[-1] < model.summary.lossHistory[0]


def test_a_model_moved_to_the_servers_disk_still_predicts_and_keeps_its_summary(spark):
    data = blobs(spark, 300)
    first = KortexClassifier(hiddenLayers=[8], maxIter=3, seed=5).fit(data)
    before = _rows(first.transform(data), "id", "probability")
    # Each of these takes about 30 kB of the 60 kB budget: the first model leaves memory.
    for _ in range(3):
        KortexClassifier(hiddenLayers=[1024], maxIter=1).fit(data)
    assert _rows(first.transform(data), "id", "probability") == before
    assert first.summary.totalIterations == 3  # read back from the summary file the server wrote


def test_block_storage_round_trips_and_a_fit_from_disk_predicts_as_one_from_the_heap(spark):
    data = blobs(spark, 300)
    estimator = KortexClassifier(hiddenLayers=[8], maxIter=4, seed=5, blockStorage="disk", diskWindowInMB=3)
    disk = estimator.fit(data)
    assert disk.getBlockStorage() == "disk" and disk.getDiskWindowInMB() == 3
    heap = KortexClassifier(hiddenLayers=[8], maxIter=4, seed=5, blockStorage="memory").fit(data)
    assert _rows(disk.transform(data), "id", "probability") == _rows(heap.transform(data), "id", "probability")


def test_save_load_and_pipelines(spark, tmp_path):
    data = blobs(spark, 300)
    model = KortexClassifier(hiddenLayers=[8], maxIter=3, seed=2).fit(data)
    expected = _rows(model.transform(data), "id", "probability")
    model.write().overwrite().save(str(tmp_path / "model"))
    loaded = KortexClassificationModel.load(str(tmp_path / "model"))
    assert loaded.getHiddenLayers() == [8] and not loaded.hasSummary
    assert _rows(loaded.transform(data), "id", "probability") == expected

    pipeline = Pipeline(stages=[StandardScaler(inputCol="features", outputCol="scaled"),
                                KortexClassifier(featuresCol="scaled", hiddenLayers=[8], maxIter=3, seed=2)])
    fitted = pipeline.fit(data)
    fitted.write().overwrite().save(str(tmp_path / "pipeline"))
    reloaded = PipelineModel.load(str(tmp_path / "pipeline"))
    assert isinstance(reloaded.stages[-1], KortexClassificationModel)
    assert _rows(reloaded.transform(data), "id", "prediction") == _rows(fitted.transform(data), "id", "prediction")

    KortexRegressor(hiddenLayers=[3], optimizer="sgd").write().overwrite().save(str(tmp_path / "regressor"))
    assert KortexRegressor.load(str(tmp_path / "regressor")).getOptimizer() == "sgd"


def test_a_param_grid_cross_validates(spark, tmp_path):
    data = blobs(spark, 300)
    classifier = KortexClassifier(maxIter=4, seed=1, stepSize=0.01)
    grid = ParamGridBuilder().addGrid(classifier.hiddenLayers, [[2], [16]]).build()
    cv = CrossValidator(estimator=classifier, estimatorParamMaps=grid, numFolds=2, seed=3,
                        evaluator=MulticlassClassificationEvaluator(metricName="accuracy"))
    cv_model = cv.fit(data)
    assert len(cv_model.avgMetrics) == 2 and cv_model.bestModel.getHiddenLayers() == [16], cv_model.avgMetrics
    cv_model.write().overwrite().save(str(tmp_path / "cv"))
    loaded = CrossValidatorModel.load(str(tmp_path / "cv"))
    assert _rows(loaded.transform(data), "id", "prediction") == _rows(cv_model.transform(data), "id", "prediction")


def test_a_bad_column_and_a_bad_param_are_named(spark):
    data = blobs(spark, 60)
    with pytest.raises(IllegalArgumentException) as error:
        KortexClassifier(featuresCol="pixels").fit(data)
    assert "Column pixels (the features) does not exist" in str(error.value)
    with pytest.raises(TypeError, match="maxIter"):
        KortexClassifier(maxIter="ten")
    with pytest.raises(TypeError, match="Spark Connect"):
        KortexClassifier(initialModel=KortexClassifier(maxIter=1).fit(data))


def test_predictions_equal_classic_modes_bit_for_bit(spark):
    data = blobs(spark, 300)
    model = KortexClassifier(hiddenLayers=[16, 8], maxIter=5, seed=21).fit(data)
    remote = [[float(x) for x in p] for (_, p) in _rows(model.transform(data), "id", "probability")]
    regression = KortexRegressor(hiddenLayers=[8], maxIter=20, seed=4).fit(curve(spark, 200))
    remote_regression = [p for (_, p) in _rows(regression.transform(curve(spark, 200)), "id", "prediction")]
    classic = subprocess.run([sys.executable, os.path.join(HERE, "classic_reference.py")], capture_output=True,
                             text=True, timeout=300, env=child_environment())
    assert classic.returncode == 0, classic.stderr[-3000:]
    reference = json.loads(classic.stdout.strip().splitlines()[-1])
    assert remote == reference["probability"]
    assert remote_regression == reference["regression"]


def test_a_server_without_the_jar_is_named():
    # A second session cannot start in this process while one is active; the check runs in a child.
    code = (
        "import sys; sys.path.insert(0, %r)\n"
        "from connect_server import ConnectServer, child_environment\n"
        "from pyspark.sql import SparkSession\n"
        "server = ConnectServer(None)\n"
        "spark = SparkSession.builder.remote(server.url).getOrCreate()\n"
        "try:\n"
        "    import kortexdl\n"
        "    from data import blobs\n"
        "    for attempt in (lambda: kortexdl.KortexClassifier(maxIter=1).fit(blobs(spark, 30)),\n"
        "                    lambda: kortexdl.KortexClassificationModel.load('/nonexistent')):\n"
        "        try:\n"
        "            attempt()\n"
        "        except RuntimeError as e:\n"
        "            print('ERROR:', e)\n"
        "finally:\n"
        "    spark.stop()  # before the server: the client's exit hook would retry a stopped server\n"
        "    server.stop()\n" % HERE)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
                            env=child_environment())
    errors = [line for line in result.stdout.splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 2, result.stdout + result.stderr[-3000:]
    for line in errors:
        assert "does not know the KortexDL stages" in line and "--jars" in line
