package io.kortexdl.kernels;

import java.util.SplittableRandom;

/**
 * Random permutations that depend only on a seed: the row orders of training epochs. Every
 * trainer that shuffles rows draws its permutation here, so the same seed gives the same order in
 * the kernels and on every Spark executor.
 */
public final class Permutations {
    private Permutations() {
    }

    /**
     * Fills {@code order} with {@code 0 .. order.length - 1} shuffled by Fisher-Yates, drawing from a
     * {@link SplittableRandom} seeded with {@code seed}.
     */
    public static void shuffleIdentity(int[] order, long seed) {
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        shuffle(order, order.length, seed);
    }

    /**
     * Shuffles {@code values[0 .. length)} in place by the Fisher-Yates swaps of
     * {@link #shuffleIdentity} with the same seed: {@code values[i]} becomes the value that was at
     * the position {@code shuffleIdentity} puts at {@code i}.
     */
    public static void shuffle(int[] values, int length, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = values[i];
            values[i] = values[j];
            values[j] = swap;
        }
    }
}
