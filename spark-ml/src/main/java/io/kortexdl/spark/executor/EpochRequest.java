package io.kortexdl.spark.executor;

import java.io.Serializable;

/**
 * What every training task of one epoch is told.
 *
 * @param epoch 0-based epoch index, which is also the number of epochs the starting state has seen
 * @param learningRate the epoch's step size
 * @param syncInterval steps between syncs when several blocks train: 1 sums the gradients every
 *     step (exact synchronous SGD), K averages parameters and optimizer state every K steps
 */
public record EpochRequest(int epoch, float learningRate, int syncInterval) implements Serializable {
}
