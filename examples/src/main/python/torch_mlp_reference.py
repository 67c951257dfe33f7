#!/usr/bin/python3
"""PyTorch reference for the KortexDL kernel benchmarks.

Trains the same 784-256-128-10 ReLU MLP on Fashion-MNIST with the same batch size and Adam
settings as the Java side, on CPU with a fixed number of threads, and prints one
machine-readable line per figure:

  RESULT impl=pytorch threads=1 batch=128 epoch_s=... samples_per_s=... test_accuracy=...
  RESULT impl=pytorch threads=1 forward_batch=1000 forward_samples_per_s=...
"""
import argparse
import gzip
import os
import statistics
import struct
import time

import numpy as np
import torch


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        magic = struct.unpack(">I", f.read(4))[0]
        rank = magic & 0xFF
        dims = struct.unpack(">" + "I" * rank, f.read(4 * rank))
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(dims)


def locate(directory, name):
    for candidate in (os.path.join(directory, name + ".gz"), os.path.join(directory, name)):
        if os.path.exists(candidate):
            return candidate
    raise SystemExit("missing %s[.gz] in %s" % (name, directory))


def load(directory, prefix):
    images = read_idx(locate(directory, prefix + "-images-idx3-ubyte"))
    labels = read_idx(locate(directory, prefix + "-labels-idx1-ubyte"))
    x = torch.from_numpy(images.reshape(images.shape[0], -1).astype(np.float32) / 255.0)
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs after one warm-up epoch")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--forward-batch", type=int, default=1000)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(7)
    x_train, y_train = load(args.data, "train")
    x_test, y_test = load(args.data, "t10k")
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 128), torch.nn.ReLU(),
        torch.nn.Linear(128, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    rows = x_train.shape[0]

    def epoch():
        permutation = torch.randperm(rows)
        for start in range(0, rows, args.batch):
            index = permutation[start:start + args.batch]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x_train[index]), y_train[index])
            loss.backward()
            optimizer.step()

    epoch()  # warm-up
    seconds = []
    for _ in range(args.epochs):
        start = time.perf_counter()
        epoch()
        seconds.append(time.perf_counter() - start)
    epoch_s = statistics.median(seconds)
    with torch.no_grad():
        accuracy = (model(x_test).argmax(dim=1) == y_test).float().mean().item()
        fb = args.forward_batch
        batches = [x_test[i:i + fb] for i in range(0, x_test.shape[0] - fb + 1, fb)]
        for b in batches:
            model(b)
        forward_seconds = []
        for _ in range(7):  # the Java side times 7 repetitions of 5 passes over the test set too
            start = time.perf_counter()
            for _ in range(5):
                for b in batches:
                    model(b)
            forward_seconds.append(time.perf_counter() - start)
    forward_rate = 5 * len(batches) * fb / statistics.median(forward_seconds)
    print("RESULT impl=pytorch version=%s threads=%d batch=%d epoch_s=%.4f samples_per_s=%.0f "
          "test_accuracy_after_%d_epochs=%.4f" % (torch.__version__, args.threads, args.batch, epoch_s,
                                                 rows / epoch_s, args.epochs + 1, accuracy))
    print("RESULT impl=pytorch threads=%d forward_batch=%d forward_samples_per_s=%.0f"
          % (args.threads, fb, forward_rate))


if __name__ == "__main__":
    main()
