package io.kortexdl.spark.executor;

import io.kortexdl.kernels.Permutations;

/**
 * The order in which a block visits its rows in one epoch: a permutation that depends only on the
 * fit's seed, the block and the epoch, so that every attempt of an epoch, on any executor, trains
 * the same rows in the same steps.
 */
public final class EpochOrder {
    private EpochOrder() {
    }

    /** Fills {@code order} with the permutation block {@code block} trains in during {@code epoch} (0-based). */
    public static void fill(long seed, int block, int epoch, int[] order) {
        Permutations.shuffleIdentity(order, seed * 0x9E3779B97F4A7C15L + 31L * block + epoch);
    }
}
