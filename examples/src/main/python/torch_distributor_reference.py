#!/usr/bin/env python3
"""What a PySpark user would otherwise run: PyTorch DDP through Spark's TorchDistributor, with 2
local processes of one thread each, on the same 784-256-128-10 ReLU MLP, global batch, epochs and
learning-rate schedule (Adam 0.001, cosine over the epochs) as the KortexDL fit, and on the same
Parquet rows (pyspark_api_benchmark.py prepare).

The data handoff is what TorchDistributor leaves to the user: the DataFrame is collected to the
driver through Arrow and written as NumPy files that each process reads its shard of. Prints:

  RESULT bench=python-torch impl=torch-distributor processes=2 epochs=... handoff_s=... epoch_s=...
         time_to_88_s=... final_test_accuracy=...
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

import numpy as np


def handoff(spark, data, directory):
    """DataFrame -> NumPy files on the driver's disk; returns the seconds it took."""
    start = time.perf_counter()
    for name in ("train", "test"):
        frame = spark.read.parquet(os.path.join(data, name)).toPandas()
        np.save(os.path.join(directory, name + "_x.npy"), np.stack(frame["features"].to_numpy()).astype(np.float32))
        np.save(os.path.join(directory, name + "_y.npy"), frame["label"].to_numpy().astype(np.int64))
    return time.perf_counter() - start


def train(directory, epochs, global_batch):
    """One DDP process: its shard of the rows, one thread; rank 0 measures test accuracy per epoch
    and shares it, so that every process returns the same history."""
    import time

    import numpy as np
    import torch
    import torch.distributed as dist
    from torch import nn

    torch.set_num_threads(1)
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    x = np.load(os.path.join(directory, "train_x.npy"), mmap_mode="r")
    y = np.load(os.path.join(directory, "train_y.npy"), mmap_mode="r")
    xs = torch.from_numpy(np.ascontiguousarray(x[rank::world]))
    ys = torch.from_numpy(np.ascontiguousarray(y[rank::world]))
    test_x = torch.from_numpy(np.load(os.path.join(directory, "test_x.npy")))
    test_y = torch.from_numpy(np.load(os.path.join(directory, "test_y.npy")))
    torch.manual_seed(7)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    ddp = nn.parallel.DistributedDataParallel(model)
    optimizer = torch.optim.Adam(ddp.parameters(), lr=0.001)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    loss_fn = nn.CrossEntropyLoss()
    batch = global_batch // world
    steps = len(xs) // batch
    generator = torch.Generator().manual_seed(7 + rank)
    history = []
    start = time.perf_counter()
    for _ in range(epochs):
        epoch_start = time.perf_counter()
        order = torch.randperm(len(xs), generator=generator)
        for step in range(steps):
            index = order[step * batch:(step + 1) * batch]
            optimizer.zero_grad()
            loss_fn(ddp(xs[index]), ys[index]).backward()
            optimizer.step()
        schedule.step()
        epoch_s = time.perf_counter() - epoch_start
        accuracy = torch.zeros(1)
        if rank == 0:
            with torch.no_grad():
                accuracy[0] = (model(test_x).argmax(1) == test_y).float().mean()
        # Every rank returns the same history: TorchDistributor hands back one process's result.
        dist.broadcast(accuracy, 0)
        history.append((epoch_s, accuracy.item(), time.perf_counter() - start))
    dist.destroy_process_group()
    return history


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch", type=int, default=128)
    args = parser.parse_args()

    from pyspark.ml.torch.distributor import TorchDistributor
    from pyspark.sql import SparkSession

    # Debian's torch 1.13 under Python 3.11 reads torchrun's default "0" (no redirection) as None
    # (3.11 no longer iterates the flag's zero member) and fails to start the workers; any
    # single-stream value parses. Workers' stdout goes to torchrun's log files, stderr to both.
    os.environ.setdefault("PET_REDIRECTS", "1")
    os.environ.setdefault("PET_TEE", "2")

    spark = (SparkSession.builder.master("local[2]").config("spark.driver.memory", "2g")
             .config("spark.ui.enabled", "false").getOrCreate())
    with tempfile.TemporaryDirectory(prefix="kortex-torch-") as directory:
        handoff_s = handoff(spark, args.data, directory)
        history = TorchDistributor(num_processes=2, local_mode=True, use_gpu=False).run(
            train, directory, args.epochs, args.batch)
    epoch_s = statistics.median(h[0] for h in history[1:] or history)
    reached = [h[2] for h in history if h[1] >= 0.88]
    print("RESULT bench=python-torch impl=torch-distributor processes=2 threads_per_process=1 epochs=%d batch=%d "
          "handoff_s=%.3f epoch_s=%.3f time_to_88_s=%s final_test_accuracy=%.4f" % (
              args.epochs, args.batch, handoff_s, epoch_s, "%.2f" % reached[0] if reached else "not_reached",
              history[-1][1]))
    for number, (seconds, accuracy, elapsed) in enumerate(history, 1):
        print("  epoch %d: %.2f s, test accuracy %.4f, %.1f s since the start" % (number, seconds, accuracy, elapsed))
    spark.stop()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
