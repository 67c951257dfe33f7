#!/usr/bin/python3
"""scikit-learn reference for the KortexDL small-data benchmark.

Reads an f0..fN-1,label CSV, holds out the rows whose index i has (7 i + 3) mod 10 < 3 (the
split the Java side uses), standardizes the features on the training rows and prints one
machine-readable line per model:

  RESULT impl=sklearn model=MLPClassifier-defaults seed=0 accuracy=...
  RESULT impl=sklearn model=MLPClassifier-64-32-100 seed=0 accuracy=...
  RESULT impl=sklearn model=MLPRegressor-defaults seed=0 r2=...    (with --regression)
"""
import argparse
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--csv", required=True)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--regression", action="store_true")
    args = parser.parse_args()
    data = np.loadtxt(args.csv, delimiter=",", skiprows=1)
    x, y = data[:, :-1], data[:, -1]
    test = (7 * np.arange(len(y)) + 3) % 10 < 3
    scaler = StandardScaler().fit(x[~test])
    train_x, test_x = scaler.transform(x[~test]), scaler.transform(x[test])
    warnings.simplefilter("ignore", ConvergenceWarning)
    for seed in range(args.seeds):
        if args.regression:
            model = MLPRegressor(random_state=seed).fit(train_x, y[~test])
            print("RESULT impl=sklearn model=MLPRegressor-defaults seed=%d r2=%.4f"
                  % (seed, r2_score(y[test], model.predict(test_x))), flush=True)
        else:
            for name, model in (("MLPClassifier-defaults", MLPClassifier(random_state=seed)),
                                ("MLPClassifier-64-32-100", MLPClassifier(hidden_layer_sizes=(64, 32), max_iter=100,
                                                                          random_state=seed))):
                model.fit(train_x, y[~test])
                print("RESULT impl=sklearn model=%s seed=%d accuracy=%.4f"
                      % (name, seed, (model.predict(test_x) == y[test]).mean()), flush=True)
    if args.regression:
        linear = LinearRegression().fit(train_x, y[~test])
        print("RESULT impl=sklearn model=LinearRegression r2=%.4f" % r2_score(y[test], linear.predict(test_x)))


if __name__ == "__main__":
    main()
