package io.kortexdl.spark;

/**
 * Which rows every block trains in each step of an epoch, known alike to every block from the
 * blocks' row counts: block {@code b} takes {@code share(b)} rows per step (its part of the global
 * batch) until its rows run out; syncs come every {@link #interval()} steps.
 */
final class EpochPlan {
    private final int[] blockRows;
    private final int[] shares;
    private final int steps;
    private final int interval;
    private final boolean exact;

    /**
     * @param blockRows training rows of each block, in block order
     * @param syncInterval the requested steps between syncs (ignored with one block, which syncs never)
     */
    EpochPlan(TrainingSpec spec, int[] blockRows, int syncInterval) {
        this.blockRows = blockRows.clone();
        this.shares = new int[blockRows.length];
        for (int b = 0; b < blockRows.length; b++) {
            shares[b] = spec.localBatch(blockRows[b]);
        }
        this.steps = spec.stepsPerEpoch();
        this.interval = blockRows.length == 1 ? steps : Math.max(1, Math.min(syncInterval, steps));
        this.exact = blockRows.length > 1 && interval == 1;
    }

    int steps() {
        return steps;
    }

    int interval() {
        return interval;
    }

    /** Whether gradients are summed every step (several blocks, {@code syncInterval = 1}). */
    boolean exact() {
        return exact;
    }

    /** Rows block {@code b} takes per step. */
    int share(int b) {
        return shares[b];
    }

    /** Rows block {@code b} trains in steps {@code [first, first + count)}. */
    long rowsInSteps(int b, int first, int count) {
        long from = (long) first * shares[b];
        return Math.max(0, Math.min((long) count * shares[b], blockRows[b] - from));
    }

    /** Rows all blocks train in steps {@code [first, first + count)}. */
    long rowsInSteps(int first, int count) {
        long total = 0;
        for (int b = 0; b < blockRows.length; b++) {
            total += rowsInSteps(b, first, count);
        }
        return total;
    }

    /** Steps of {@code [first, first + count)} in which block {@code b} has rows. */
    int stepsWithRows(int b, int first, int count) {
        return (int) ((rowsInSteps(b, first, count) + shares[b] - 1) / shares[b]);
    }

    /** The most steps any block takes in {@code [first, first + count)}: the optimizer's count after averaging. */
    int maxStepsWithRows(int first, int count) {
        int most = 0;
        for (int b = 0; b < blockRows.length; b++) {
            most = Math.max(most, stepsWithRows(b, first, count));
        }
        return most;
    }
}
