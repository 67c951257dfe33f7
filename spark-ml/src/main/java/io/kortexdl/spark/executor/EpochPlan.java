package io.kortexdl.spark.executor;

/**
 * Which rows every block trains in each step of an epoch, known alike to every block from the
 * blocks' row counts: block {@code b} takes {@code share(b)} rows per step (its part of the global
 * batch) until its rows run out; syncs come every {@link #interval()} steps.
 */
public final class EpochPlan {
    private final int[] blockRows;
    private final int[] shares;
    private final int steps;
    private final int interval;
    private final boolean exact;

    /**
     * @param globalBatch rows of one step over all blocks; a single block takes exactly this many
     * @param stepsPerEpoch steps of every block in the epoch, at least 1
     * @param blockRows training rows of each block, in block order
     * @param syncInterval the requested steps between syncs (ignored with one block, which syncs never)
     * @throws IllegalArgumentException when a count is not positive or a block has negative rows
     */
    public EpochPlan(int globalBatch, int stepsPerEpoch, int[] blockRows, int syncInterval) {
        if (globalBatch < 1 || stepsPerEpoch < 1 || syncInterval < 1 || blockRows.length == 0) {
            throw new IllegalArgumentException("an epoch plan needs a positive batch (" + globalBatch + "), steps ("
                    + stepsPerEpoch + "), sync interval (" + syncInterval + ") and at least one block");
        }
        this.blockRows = blockRows.clone();
        this.shares = new int[blockRows.length];
        for (int b = 0; b < blockRows.length; b++) {
            if (blockRows[b] < 0) {
                throw new IllegalArgumentException("block " + b + " has " + blockRows[b] + " rows");
            }
            // A block's part of the global batch: its rows spread evenly over the epoch's steps.
            shares[b] = blockRows.length == 1 ? globalBatch
                    : Math.max(1, (blockRows[b] + stepsPerEpoch - 1) / stepsPerEpoch);
        }
        this.steps = stepsPerEpoch;
        this.interval = blockRows.length == 1 ? steps : Math.min(syncInterval, steps);
        this.exact = blockRows.length > 1 && interval == 1;
    }

    /** Steps in the epoch. */
    public int steps() {
        return steps;
    }

    /** Steps between syncs; the whole epoch with one block. */
    public int interval() {
        return interval;
    }

    /** Whether gradients are summed every step (several blocks, {@code syncInterval = 1}). */
    public boolean exact() {
        return exact;
    }

    /** Rows block {@code b} takes per step. */
    public int share(int b) {
        return shares[b];
    }

    /** Rows block {@code b} trains in steps {@code [first, first + count)}. */
    public long rowsInSteps(int b, int first, int count) {
        long from = (long) first * shares[b];
        return Math.max(0, Math.min((long) count * shares[b], blockRows[b] - from));
    }

    /** Rows all blocks train in steps {@code [first, first + count)}. */
    public long rowsInSteps(int first, int count) {
        long total = 0;
        for (int b = 0; b < blockRows.length; b++) {
            total += rowsInSteps(b, first, count);
        }
        return total;
    }

    /** Steps of {@code [first, first + count)} in which block {@code b} has rows. */
    public int stepsWithRows(int b, int first, int count) {
        return (int) ((rowsInSteps(b, first, count) + shares[b] - 1) / shares[b]);
    }

    /** The most steps any block takes in {@code [first, first + count)}: the optimizer's count after averaging. */
    public int maxStepsWithRows(int first, int count) {
        int most = 0;
        for (int b = 0; b < blockRows.length; b++) {
            most = Math.max(most, stepsWithRows(b, first, count));
        }
        return most;
    }
}
