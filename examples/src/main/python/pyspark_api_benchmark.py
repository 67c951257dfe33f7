#!/usr/bin/env python3
"""The PySpark API's cost: the same Fashion-MNIST fit and transform called from Python (classic
PySpark, then Spark Connect) and from Java, in local[2] with a 2 GB driver.

  prepare  --fashion DIR --data DIR          IDX files -> Parquet (features array<float>, label)
  classic  --data DIR --out FILE.json        Python wrapper vs the JVM stage called directly, alternating
  connect  --data DIR --classic FILE.json    a Connect client against a server started with the jar
  accuracy --data DIR --epochs 10            KortexDL's side of the TorchDistributor comparison:
                                             epoch seconds and time to 88 % test accuracy

The Java calls run in the classic process's own JVM (py4j only starts them), so the difference
between the two is what the Python layer adds. Connect runs in another process, against a
server on the same machine with the same master and memory; its ratio is to the classic run's
Java median. One machine-readable RESULT line per figure; medians of --repetitions runs.
"""

import argparse
import gzip
import json
import os
import statistics
import sys
import time

import numpy as np

HIDDEN = [256, 128]
BATCH = 128


def read_idx(path):
    with gzip.open(path) as f:
        data = f.read()
    dims = data[3]
    shape = np.frombuffer(data, dtype=">u4", count=dims, offset=4)
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def session(builder):
    return (builder.config("spark.driver.memory", "2g").config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2").getOrCreate())


def prepare(args):
    import pandas as pd
    import kortexdl
    from pyspark.sql import SparkSession

    spark = session(SparkSession.builder.master("local[2]").config("spark.jars", kortexdl.jar_path()))
    spark.conf.set("spark.sql.execution.arrow.pyspark.enabled", "true")
    for split, name in (("train", "train"), ("t10k", "test")):
        images = read_idx(os.path.join(args.fashion, split + "-images-idx3-ubyte.gz"))
        labels = read_idx(os.path.join(args.fashion, split + "-labels-idx1-ubyte.gz"))
        frame = pd.DataFrame({"features": list(images.reshape(-1, 784).astype(np.float32) / 255),
                              "label": labels.astype(np.float64)})
        spark.createDataFrame(frame).repartition(2).write.mode("overwrite").parquet(os.path.join(args.data, name))
    spark.stop()


def timed(action):
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def noop_write(df):
    # Computes every output column of every row without keeping them (count() would prune them).
    df.write.format("noop").mode("overwrite").save()


def classic(args):
    import kortexdl
    from pyspark.sql import DataFrame, SparkSession

    spark = session(SparkSession.builder.master("local[2]").config("spark.jars", kortexdl.jar_path()))
    jvm = spark._jvm
    train = spark.read.parquet(os.path.join(args.data, "train")).cache()
    score = train  # 60,000 rows: the per-row cost of transform
    train.count()

    def java_fit():
        stage = jvm.io.kortexdl.spark.KortexClassifier()
        layers = spark.sparkContext._gateway.new_array(jvm.int, len(HIDDEN))
        for i, size in enumerate(HIDDEN):
            layers[i] = size
        stage.set(stage.getParam("hiddenLayers"), layers)
        stage.set(stage.getParam("maxIter"), args.epochs)
        stage.set(stage.getParam("batchSize"), BATCH)
        return stage.fit(train._jdf)

    def python_fit():
        return kortexdl.KortexClassifier(hiddenLayers=HIDDEN, maxIter=args.epochs, batchSize=BATCH).fit(train)

    java_s, python_s, java_t, python_t = [], [], [], []
    for _ in range(args.repetitions):
        seconds, java_model = timed(java_fit)
        java_s.append(seconds)
        seconds, python_model = timed(python_fit)
        python_s.append(seconds)
        java_t.append(timed(lambda: noop_write(DataFrame(java_model.transform(score._jdf), spark)))[0])
        python_t.append(timed(lambda: noop_write(python_model.transform(score)))[0])
    rows = score.count()
    same = python_model.transform(score).select("probability").collect() == \
        DataFrame(java_model.transform(score._jdf), spark).select("probability").collect()
    results = {"fit_java_s": statistics.median(java_s), "fit_python_s": statistics.median(python_s),
               "transform_java_s": statistics.median(java_t), "transform_python_s": statistics.median(python_t),
               "rows": rows, "same_predictions": same}
    report("classic", "python", results["fit_python_s"], results["transform_python_s"], results, args)
    with open(args.out, "w") as f:
        json.dump(results, f)
    spark.stop()


def report(mode, client, fit_s, transform_s, java, args):
    print("RESULT bench=python mode=%s what=fit epochs=%d hidden=%s batch=%d repetitions=%d %s_s=%.3f java_s=%.3f "
          "%s_over_java=%.4f" % (mode, args.epochs, "-".join(map(str, HIDDEN)), BATCH, args.repetitions, client, fit_s,
                                 java["fit_java_s"], client, fit_s / java["fit_java_s"]))
    extra_us = (transform_s - java["transform_java_s"]) / java["rows"] * 1e6
    print("RESULT bench=python mode=%s what=transform rows=%d repetitions=%d %s_s=%.4f java_s=%.4f "
          "%s_extra_us_per_row=%.3f %s_over_java=%.4f%s" % (
              mode, java["rows"], args.repetitions, client, transform_s, java["transform_java_s"], client, extra_us,
              client, transform_s / java["transform_java_s"],
              " same_predictions=%s" % str(java["same_predictions"]).lower() if mode == "classic" else ""))
    sys.stdout.flush()


def connect(args):
    import kortexdl
    from pyspark.sql import SparkSession

    sys.path.insert(0, args.test_helpers)
    from connect_server import ConnectServer

    with open(args.classic) as f:
        java = json.load(f)
    server = ConnectServer(kortexdl.jar_path())
    try:
        spark = SparkSession.builder.remote(server.url).getOrCreate()
        train = spark.read.parquet(os.path.join(args.data, "train")).cache()
        train.count()
        fit_s, transform_s = [], []
        for _ in range(args.repetitions):
            seconds, model = timed(lambda: kortexdl.KortexClassifier(
                hiddenLayers=HIDDEN, maxIter=args.epochs, batchSize=BATCH).fit(train))
            fit_s.append(seconds)
            transform_s.append(timed(lambda: noop_write(model.transform(train)))[0])
        report("connect", "connect", statistics.median(fit_s), statistics.median(transform_s), java, args)
        spark.stop()
    finally:
        server.stop()


def accuracy(args):
    """The fit TorchDistributor is compared with: the test rows as the validation set, so that
    each epoch's seconds include measuring them, as the torch side's time to 88 % does."""
    import kortexdl
    from pyspark.sql import SparkSession, functions as F

    spark = session(SparkSession.builder.master("local[2]").config("spark.jars", kortexdl.jar_path()))
    both = (spark.read.parquet(os.path.join(args.data, "train")).withColumn("isTest", F.lit(False))
            .unionByName(spark.read.parquet(os.path.join(args.data, "test")).withColumn("isTest", F.lit(True))))
    start = time.perf_counter()
    model = kortexdl.KortexClassifier(hiddenLayers=HIDDEN, maxIter=args.epochs, batchSize=BATCH,
                                      validationIndicatorCol="isTest", earlyStoppingPatience=args.epochs).fit(both)
    fit_s = time.perf_counter() - start
    seconds = model.summary.secondsHistory
    accuracies = model.summary.validationMetricHistory
    elapsed = np.cumsum(seconds)
    reached = [t for t, a in zip(elapsed, accuracies) if a >= 0.88]
    print("RESULT bench=python-torch impl=kortexdl executors=1 threads=%d epochs=%d batch=%d handoff_s=0 "
          "epoch_s=%.3f time_to_88_s=%s final_test_accuracy=%.4f fit_s=%.2f" % (
              model.summary.threadsPerExecutor, args.epochs, BATCH, statistics.median(seconds[1:] or seconds),
              "%.2f" % reached[0] if reached else "not_reached", accuracies[-1], fit_s))
    for number, (s, a, t) in enumerate(zip(seconds, accuracies, elapsed), 1):
        print("  epoch %d: %.2f s, test accuracy %.4f, %.1f s since the start" % (number, s, a, t))
    spark.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["prepare", "classic", "connect", "accuracy"])
    parser.add_argument("--fashion", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--data", required=True)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--out")
    parser.add_argument("--classic")
    parser.add_argument("--test-helpers", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                               "..", "..", "..", "..", "python", "tests"))
    args = parser.parse_args()
    {"prepare": prepare, "classic": classic, "connect": connect, "accuracy": accuracy}[args.mode](args)


if __name__ == "__main__":
    main()
