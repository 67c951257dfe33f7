"""Prints, as one JSON line, what classic PySpark predicts for the fits of
test_connect.test_predictions_equal_classic_modes_bit_for_bit (same rows, params and seeds)."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import kortexdl  # noqa: E402
from pyspark.sql import SparkSession  # noqa: E402
from data import blobs, curve  # noqa: E402

spark = (SparkSession.builder.master("local[2]").config("spark.jars", kortexdl.jar_path())
         .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate())
data = blobs(spark, 300)
model = kortexdl.KortexClassifier(hiddenLayers=[16, 8], maxIter=5, seed=21).fit(data)
probability = [[float(x) for x in r.probability] for r in model.transform(data).orderBy("id").collect()]
regression = kortexdl.KortexRegressor(hiddenLayers=[8], maxIter=20, seed=4).fit(curve(spark, 200))
predictions = [r.prediction for r in regression.transform(curve(spark, 200)).orderBy("id").collect()]
print(json.dumps({"probability": probability, "regression": predictions}))
spark.stop()
