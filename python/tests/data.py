"""Small deterministic datasets for the Python suites (the same rows in every process)."""

import math
import random
from typing import List, Tuple

from pyspark.ml.linalg import Vectors
from pyspark.sql import DataFrame, SparkSession


def blob_rows(rows: int, features: int = 4, classes: int = 3, seed: int = 7) -> List[Tuple[int, object, float]]:
    """Gaussian blobs, one centre per class on a circle of radius 3: (id, features, label)."""
    rng = random.Random(seed)
    out = []
    for i in range(rows):
        label = i % classes
        angle = 2 * math.pi * label / classes
        centre = [3 * math.cos(angle), 3 * math.sin(angle)] + [0.0] * (features - 2)
        out.append((i, Vectors.dense([c + rng.gauss(0, 1) for c in centre]), float(label)))
    return out


def blobs(spark: SparkSession, rows: int = 600, **kwargs) -> DataFrame:
    """The rows of :func:`blob_rows` in 2 partitions, with a boolean ``held`` column (every 5th row)."""
    df = spark.createDataFrame(blob_rows(rows, **kwargs), ["id", "features", "label"]).repartition(2, "id")
    return df.withColumn("held", (df.id % 5 == 0)).sortWithinPartitions("id")


def curve(spark: SparkSession, rows: int = 400, seed: int = 3) -> DataFrame:
    """y = 1000 + 400 sin(2 x0) + 150 x1 + noise: a nonlinear label in the thousands."""
    rng = random.Random(seed)
    out = []
    for i in range(rows):
        x0, x1 = rng.uniform(-1.5, 1.5), rng.uniform(-1, 1)
        out.append((i, Vectors.dense([x0, x1]), 1000 + 400 * math.sin(2 * x0) + 150 * x1 + rng.gauss(0, 10)))
    return spark.createDataFrame(out, ["id", "features", "label"]).repartition(2, "id").sortWithinPartitions("id")
