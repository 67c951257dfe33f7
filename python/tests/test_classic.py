"""The PySpark API in classic mode (py4j to a local[2] JVM): params, fit, transform, summary,
persistence across languages, tuning and errors."""

import os
import re
import subprocess
import sys

import pytest
from pyspark.errors import IllegalArgumentException
from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.evaluation import MulticlassClassificationEvaluator
from pyspark.ml.feature import StandardScaler
from pyspark.ml.linalg import Vectors
from pyspark.sql import DataFrame
from pyspark.ml.tuning import CrossValidator, CrossValidatorModel, ParamGridBuilder, TrainValidationSplit, \
    TrainValidationSplitModel

import kortexdl
from kortexdl import KortexClassificationModel, KortexClassifier, KortexRegressionModel, KortexRegressor
from data import blobs, curve

HERE = os.path.dirname(os.path.abspath(__file__))


def _accuracy(predictions) -> float:
    return MulticlassClassificationEvaluator(metricName="accuracy").evaluate(predictions)


def _rows(df, *columns):
    return [tuple(r) for r in df.orderBy("id").select(*columns).collect()]


@pytest.mark.parametrize("python_class,java_class", [
    (KortexClassifier, "KortexClassifier"),
    (KortexRegressor, "KortexRegressor"),
    (KortexClassificationModel, "KortexClassificationModel"),
    (KortexRegressionModel, "KortexRegressionModel"),
])
def test_every_java_param_is_declared_with_its_name_default_and_doc(spark, python_class, java_class):
    java_stage = getattr(spark._jvm.io.kortexdl.spark, java_class)()
    python_stage = python_class() if not java_class.endswith("Model") else python_class(None)
    declared = {p.name: p for p in python_stage.params}
    ours = {p.name for p in kortexdl._params._KortexParams().params}
    for java_param in java_stage.params():
        name = java_param.name()
        assert name in declared, "%s lacks the Java param %s" % (python_class.__name__, name)
        if name in ours:
            assert declared[name].doc == java_param.doc(), name
        java_default = java_stage.getDefault(java_param)
        if java_default.isDefined():
            value = java_default.get()
            if hasattr(value, "getClass"):
                value = list(value)
            assert python_stage.hasDefault(declared[name]), "%s: no default in Python, %r in Java" % (name, value)
            assert python_stage.getOrDefault(declared[name]) == value, name
        else:
            assert not python_stage.hasDefault(declared[name]), "%s has a default only in Python" % name


def test_params_convert_and_refuse_the_wrong_type():
    classifier = KortexClassifier(hiddenLayers=(8.0, 4), stepSize=1, seed=3)
    assert classifier.getHiddenLayers() == [8, 4]
    assert classifier.getStepSize() == 1.0 and isinstance(classifier.getStepSize(), float)
    assert classifier.setMaxIter(3) is classifier and classifier.getMaxIter() == 3
    with pytest.raises(TypeError, match="maxIter"):
        KortexClassifier(maxIter="ten")
    with pytest.raises(TypeError, match="hiddenLayers"):
        KortexClassifier().setHiddenLayers("wide")
    with pytest.raises(TypeError):
        KortexClassifier(3)  # keywords only, as in PySpark


def test_fit_transform_and_one_vector_scoring_agree(spark):
    data = blobs(spark, 600).cache()
    classifier = KortexClassifier(hiddenLayers=[16], maxIter=20, seed=11)
    model = classifier.fit(data)
    predictions = model.transform(data).cache()
    # Three separable blobs: a broken network stays near 1/3.
    assert _accuracy(predictions) > 0.9
    assert model.numFeatures == 4 and model.numClasses == 3
    assert model.getHiddenLayers() == [16] and model.getSeed() == 11
    for row in predictions.orderBy("id").limit(5).collect():
        assert model.predict(row.features) == row.prediction
        assert model.predictRaw(row.features) == row.rawPrediction
        assert model.predictProbability(row.features).toArray() == pytest.approx(row.probability.toArray(), abs=1e-12)
    assert "KortexClassificationModel" in repr(model)


def test_the_summary_holds_the_fits_history(spark):
    data = blobs(spark, 600)
    model = KortexClassifier(hiddenLayers=[16], maxIter=6, validationIndicatorCol="held").fit(data)
    assert model.hasSummary
    summary = model.summary
    assert summary.totalIterations == 6 and [e.epoch for e in summary.epochs] == list(range(1, 7))
    assert summary.lossHistory[-1] < summary.lossHistory[0]
    assert summary.objectiveHistory == summary.lossHistory
    assert all(0.0 <= a <= 1.0 for a in summary.validationMetricHistory)
    assert summary.stopReason == "maxIter" and 1 <= summary.bestEpoch <= 6
    # 480 training rows (120 held out), each trained once per epoch.
    assert sum(summary.rowsByExecutor.values()) == 480 * 6, summary.rowsByExecutor
    assert summary.executors == 1 and summary.batchSize > 0 and summary.sparseFeatures is False
    assert summary.millisPerSync != summary.millisPerSync  # NaN: one executor, no syncs
    loaded_path = os.path.join(spark.conf.get("spark.local.dir", "/tmp"), "kortex-summary-%d" % os.getpid())
    model.write().overwrite().save(loaded_path)
    assert not KortexClassificationModel.load(loaded_path).hasSummary


def test_a_bad_column_names_itself_not_a_py4j_trace(spark):
    data = blobs(spark, 60)
    with pytest.raises(IllegalArgumentException) as error:
        KortexClassifier(featuresCol="pixels").fit(data)
    assert "pixels" in str(error.value)
    assert "py4j" not in str(error.value).lower()
    bad_labels = data.withColumn("label", data.label - 5)
    with pytest.raises(IllegalArgumentException, match="label"):
        KortexClassifier(maxIter=1).fit(bad_labels)


def test_block_storage_round_trips_and_rows_on_disk_train_the_bits_of_the_heap(spark, tmp_path):
    data = blobs(spark, 600).cache()
    classifier = KortexClassifier(hiddenLayers=[16], maxIter=8, seed=11, blockStorage="disk", diskWindowInMB=2)
    assert classifier.getBlockStorage() == "disk" and classifier.getDiskWindowInMB() == 2
    assert KortexClassifier().getBlockStorage() == "auto" and KortexClassifier().getDiskWindowInMB() == 64
    disk = classifier.fit(data)
    heap = classifier.copy().setBlockStorage("memory").fit(data)
    # 600 rows in one chunk, within one window: the same rows in the same order as on the heap.
    assert _rows(disk.transform(data), "id", "probability") == _rows(heap.transform(data), "id", "probability")
    assert disk.getBlockStorage() == "disk" and disk.getDiskWindowInMB() == 2
    path = str(tmp_path / "disk-model")
    disk.save(path)
    assert KortexClassificationModel.load(path).getBlockStorage() == "disk"
    with pytest.raises(IllegalArgumentException, match="blockStorage"):
        KortexClassifier(blockStorage="ssd").fit(data)


def test_the_regressor_learns_a_curve_in_the_labels_units(spark):
    from pyspark.ml.evaluation import RegressionEvaluator
    from pyspark.ml.regression import LinearRegression

    data = curve(spark, 400).cache()
    model = KortexRegressor(hiddenLayers=[16], maxIter=150, stepSize=0.01, seed=5).fit(data)
    r2 = RegressionEvaluator(metricName="r2")
    linear = r2.evaluate(LinearRegression().fit(data).transform(data))
    network = r2.evaluate(model.transform(data))
    # The recipe reaches 0.997; sin(2 x0) on [-1.5, 1.5] keeps a linear model well below the floor.
    assert network > 0.98 and linear < 0.95, (network, linear)
    assert model.predict(Vectors.dense([0.0, 0.0])) == pytest.approx(1000, abs=60)
    assert model.numFeatures == 2 and model.summary.totalIterations == 150


def test_models_and_pipelines_cross_between_python_and_java(spark, tmp_path):
    data = blobs(spark, 300).cache()
    jvm = spark._jvm
    pipeline = Pipeline(stages=[
        StandardScaler(inputCol="features", outputCol="scaled"),
        KortexClassifier(featuresCol="scaled", hiddenLayers=[8], maxIter=5, seed=2),
    ])
    fitted = pipeline.fit(data)
    expected = _rows(fitted.transform(data), "id", "probability")

    # Python writes, Python and Java read.
    fitted.write().save(str(tmp_path / "pipeline"))
    loaded = PipelineModel.load(str(tmp_path / "pipeline"))
    assert isinstance(loaded.stages[-1], KortexClassificationModel)
    assert _rows(loaded.transform(data), "id", "probability") == expected
    java_loaded = jvm.org.apache.spark.ml.PipelineModel.load(str(tmp_path / "pipeline"))
    assert _rows(DataFrame(java_loaded.transform(data._jdf), spark), "id", "probability") == expected

    # Java writes (its own model class and save), Python reads.
    java_estimator = jvm.io.kortexdl.spark.KortexClassifier()
    layers = spark.sparkContext._gateway.new_array(jvm.int, 1)
    layers[0] = 8
    java_estimator.set(java_estimator.getParam("hiddenLayers"), layers)
    java_estimator.set(java_estimator.getParam("maxIter"), 3)
    java_model = java_estimator.fit(data._jdf)
    java_model.write().save(str(tmp_path / "from-java"))
    java_probabilities = _rows(DataFrame(java_model.transform(data._jdf), spark), "id", "probability")
    python_model = KortexClassificationModel.load(str(tmp_path / "from-java"))
    assert python_model.getHiddenLayers() == [8]
    assert _rows(python_model.transform(data), "id", "probability") == java_probabilities

    # An estimator's params travel too.
    KortexRegressor(hiddenLayers=[3, 2], optimizer="sgd").save(str(tmp_path / "regressor"))
    regressor = KortexRegressor.load(str(tmp_path / "regressor"))
    assert regressor.getHiddenLayers() == [3, 2] and regressor.getOptimizer() == "sgd"
    java_regressor = jvm.io.kortexdl.spark.KortexRegressor.load(str(tmp_path / "regressor"))
    assert java_regressor.getOrDefault(java_regressor.getParam("optimizer")) == "sgd"


def test_cross_validation_and_train_validation_split_fit_save_and_load(spark, tmp_path):
    data = blobs(spark, 300).cache()
    classifier = KortexClassifier(maxIter=4, seed=1)
    grid = ParamGridBuilder().addGrid(classifier.hiddenLayers, [[2], [16]]).addGrid(classifier.stepSize, [0.01]).build()
    evaluator = MulticlassClassificationEvaluator(metricName="accuracy")
    cv = CrossValidator(estimator=classifier, estimatorParamMaps=grid, evaluator=evaluator, numFolds=2, seed=3)
    cv_model = cv.fit(data)
    assert len(cv_model.avgMetrics) == 2
    assert cv_model.bestModel.getHiddenLayers() == [16], cv_model.avgMetrics
    cv_model.save(str(tmp_path / "cv"))
    loaded = CrossValidatorModel.load(str(tmp_path / "cv"))
    assert isinstance(loaded.bestModel, KortexClassificationModel)
    assert _rows(loaded.transform(data), "id", "prediction") == _rows(cv_model.transform(data), "id", "prediction")

    tvs = TrainValidationSplit(estimator=classifier, estimatorParamMaps=grid, evaluator=evaluator, seed=3)
    tvs_model = tvs.fit(data)
    tvs_model.save(str(tmp_path / "tvs"))
    assert TrainValidationSplitModel.load(str(tmp_path / "tvs")).bestModel.getHiddenLayers() == \
        tvs_model.bestModel.getHiddenLayers()


def test_warm_start_from_a_fitted_model(spark):
    data = blobs(spark, 300)
    first = KortexClassifier(hiddenLayers=[8], maxIter=3, seed=4).fit(data)
    continued = KortexClassifier(hiddenLayers=[8], maxIter=1, seed=4, initialModel=first).fit(data)
    fresh = KortexClassifier(hiddenLayers=[8], maxIter=1, seed=4).fit(data)
    assert continued.summary.lossHistory[0] < fresh.summary.lossHistory[0]


def test_a_wrong_pyspark_version_is_named(monkeypatch):
    import pyspark

    monkeypatch.setattr(pyspark, "__version__", "4.1.1")
    with pytest.raises(ImportError, match="pyspark==%s" % kortexdl.SPARK_VERSION):
        kortexdl._jar.check_pyspark()


def _python(code: str, timeout: int = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)


def test_a_session_without_the_jar_is_told_how_to_add_it():
    result = _python(
        "from pyspark.sql import SparkSession\n"
        "SparkSession.builder.master('local[1]').config('spark.ui.enabled','false').getOrCreate()\n"
        "import kortexdl\n"
        "try:\n"
        "    kortexdl.KortexClassifier()\n"
        "except RuntimeError as e:\n"
        "    print('ERROR:', e)\n")
    assert "ERROR: The KortexDL classes are not on the driver's classpath" in result.stdout, result.stderr[-2000:]
    assert "spark.jars" in result.stdout and "JavaPackage" not in result.stdout


def test_spark_submit_with_jars_runs_a_python_job(tmp_path):
    import pyspark

    job = tmp_path / "job.py"
    job.write_text(
        "import sys\n"
        "sys.path.insert(0, %r)\n"
        "from pyspark.sql import SparkSession\n"
        "from data import blobs\n"
        "from kortexdl import KortexClassifier\n"
        "spark = SparkSession.builder.getOrCreate()\n"
        "model = KortexClassifier(hiddenLayers=[8], maxIter=3).fit(blobs(spark, 120))\n"
        "print('EPOCHS', model.summary.totalIterations)\n" % HERE)
    submit = os.path.join(os.path.dirname(pyspark.__file__), "bin", "spark-submit")
    result = subprocess.run([submit, "--master", "local[2]", "--conf", "spark.ui.enabled=false",
                             "--jars", kortexdl.jar_path(), str(job)],
                            capture_output=True, text=True, timeout=300, env=dict(os.environ, PYSPARK_PYTHON=sys.executable))
    assert "EPOCHS 3" in result.stdout, result.stderr[-3000:]


def test_the_pyspark_zeppelin_note_trains_fashion_mnist(spark, tmp_path):
    import zeppelin

    fashion = os.environ.get("KORTEX_FASHION_MNIST", "/usr/share/datasets/fashion-mnist")
    note = zeppelin.run(os.path.join(HERE, "..", "..", "notebooks", "4-pyspark-quick-start_2KORTEX04.zpln"), spark,
                        {"fashion_dir": repr(fashion), "model_dir": repr(str(tmp_path / "model")), "epochs": "3"})
    assert "training rows: 60000, test rows: 10000" in zeppelin.output(note, "Load the data")
    history = zeppelin.output(note, "Training history").splitlines()[1:]
    assert len(history) == 3
    losses = [float(line.split("\t")[1]) for line in history]
    assert losses[2] < losses[0] and float(history[2].split("\t")[2]) > 0.8, history
    accuracy = float(re.search(r"Test accuracy: ([0-9.]+) %", zeppelin.output(note, "Test accuracy")).group(1))
    assert accuracy >= 86.5, "the note reaches 87.5 %%; test accuracy %s" % accuracy
    assert "the reloaded model makes the same predictions: True" in zeppelin.output(note, "Save and reload")


def test_the_pyspark_shell_with_jars_can_fit():
    import pyspark

    shell = os.path.join(os.path.dirname(pyspark.__file__), "bin", "pyspark")
    script = ("import sys; sys.path.insert(0, %r)\n"
              "from data import blobs\n"
              "from kortexdl import KortexClassifier\n"
              "print('EPOCHS', KortexClassifier(hiddenLayers=[4], maxIter=2).fit(blobs(spark, 90)).summary.totalIterations)\n"
              % HERE)
    result = subprocess.run([shell, "--master", "local[1]", "--conf", "spark.ui.enabled=false",
                             "--jars", kortexdl.jar_path()], input=script, capture_output=True, text=True, timeout=300,
                            # -i: the shell's start-up (which creates spark) runs for piped input too
                            env=dict(os.environ, PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable,
                                     PYSPARK_DRIVER_PYTHON_OPTS="-i"))
    assert "EPOCHS 2" in result.stdout, result.stdout[-2000:] + result.stderr[-3000:]
