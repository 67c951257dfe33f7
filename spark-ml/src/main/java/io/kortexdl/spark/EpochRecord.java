package io.kortexdl.spark;

import java.io.Serializable;

/**
 * What one training epoch did.
 *
 * @param epoch 1-based epoch number
 * @param maxIter epochs planned
 * @param loss mean training loss of the epoch (each batch measured before its update)
 * @param validationLoss mean loss on the validation rows after the epoch, NaN without a validation set
 * @param validationMetric accuracy (classifier) or RMSE (regressor) on the validation rows, NaN without them
 * @param seconds wall-clock seconds of the epoch, validation included
 * @param samplesPerSecond training rows per second of the epoch
 */
public record EpochRecord(int epoch, int maxIter, double loss, double validationLoss, double validationMetric,
                          double seconds, double samplesPerSecond) implements Serializable {
}
