package io.kortexdl.spark.executor;

import io.kortexdl.kernels.LossType;

/**
 * How every block of one fit trains, fixed for the fit.
 *
 * @param threads worker threads of a block's trainer (the executor's cores)
 * @param loss the loss its targets are for
 * @param seed the fit's seed, from which every epoch's row order follows ({@link EpochOrder})
 * @param globalBatch rows of one step over all blocks
 * @param stepsPerEpoch steps of every block in an epoch
 */
public record TrainerSettings(int threads, LossType loss, long seed, int globalBatch, int stepsPerEpoch) {
}
