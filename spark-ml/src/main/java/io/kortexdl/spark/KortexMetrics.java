package io.kortexdl.spark;

import java.io.Serializable;

/**
 * Metrics of a model over a dataset, computed in one distributed pass, with each row counted
 * by its weight when a weight column is set.
 *
 * @param rows rows scored
 * @param loss mean loss: softmax cross-entropy (natural log) for classifiers, squared error for regressors
 * @param accuracy fraction of rows whose highest-scoring class is the label (classifiers; NaN for regressors)
 * @param rmse root mean squared error (regressors; NaN for classifiers)
 * @param r2 coefficient of determination (regressors; NaN for classifiers or a constant label)
 */
public record KortexMetrics(long rows, double loss, double accuracy, double rmse, double r2) implements Serializable {
}
