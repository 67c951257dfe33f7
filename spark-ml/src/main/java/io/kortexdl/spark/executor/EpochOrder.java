package io.kortexdl.spark.executor;

import io.kortexdl.kernels.Permutations;

/**
 * The order in which a block visits its rows in one epoch: a permutation that depends only on the
 * fit's seed, the block and the epoch (and on how the block's rows are cut into chunks), so that
 * every attempt of an epoch, on any executor, trains the same rows in the same steps.
 *
 * <p>A block held whole ({@link #fill}) is shuffled whole. A block streamed from local disk in
 * windows of {@code windowChunks} chunks ({@link #fillWindowed}) is shuffled in two stages: the
 * chunks are permuted, consecutive runs of {@code windowChunks} permuted chunks form the
 * epoch's windows, and each window's rows are shuffled among themselves. A window that holds
 * every chunk gives exactly the whole-block order.
 */
public final class EpochOrder {
    /** Mixed into the epoch's seed for the chunk permutation, so it is drawn apart from any row shuffle. */
    private static final long CHUNK_STREAM = 0xC2B2AE3D27D4EB4FL;
    /** Multiplied by the window's number and added to the epoch's seed for that window's row shuffle. */
    private static final long WINDOW_STREAM = 0x165667B19E3779F9L;

    private EpochOrder() {
    }

    /** Fills {@code order} with the permutation block {@code block} trains in during {@code epoch} (0-based). */
    public static void fill(long seed, int block, int epoch, int[] order) {
        Permutations.shuffleIdentity(order, epochSeed(seed, block, epoch));
    }

    /**
     * Fills {@code order} (one entry per row) with the rows of a block of {@code order.length}
     * rows, cut into chunks of {@code rowsPerChunk}, in the order of {@code epoch} when it is
     * streamed in windows of {@code windowChunks} chunks; equal to {@link #fill} when one window
     * holds every chunk.
     */
    public static void fillWindowed(long seed, int block, int epoch, int rowsPerChunk, int windowChunks, int[] order) {
        int rows = order.length;
        int chunks = (int) ((rows + (long) rowsPerChunk - 1) / rowsPerChunk);
        if (windowChunks >= chunks) {
            fill(seed, block, epoch, order);
            return;
        }
        int[] chunkOrder = chunkOrder(seed, block, epoch, chunks);
        int at = 0;
        for (int window = 0; window * windowChunks < chunks; window++) {
            int[] members = windowChunks(chunkOrder, window, windowChunks);
            int start = at;
            for (int chunk : members) {
                int first = chunk * rowsPerChunk;
                int end = Math.min(rows, first + rowsPerChunk);
                for (int row = first; row < end; row++) {
                    order[at++] = row;
                }
            }
            int[] part = java.util.Arrays.copyOfRange(order, start, at);
            shuffleWindow(seed, block, epoch, window, part, part.length);
            System.arraycopy(part, 0, order, start, part.length);
        }
    }

    /** The permutation of a block's {@code chunks} chunks in {@code epoch}: chunk {@code chunkOrder[i]} comes i-th. */
    static int[] chunkOrder(long seed, int block, int epoch, int chunks) {
        int[] order = new int[chunks];
        Permutations.shuffleIdentity(order, epochSeed(seed, block, epoch) ^ CHUNK_STREAM);
        return order;
    }

    /** The chunks of window {@code window}, in increasing order: the window's rows are numbered in that order. */
    static int[] windowChunks(int[] chunkOrder, int window, int windowChunks) {
        int from = window * windowChunks;
        int[] members = java.util.Arrays.copyOfRange(chunkOrder, from, Math.min(chunkOrder.length, from + windowChunks));
        java.util.Arrays.sort(members);
        return members;
    }

    /**
     * Shuffles the first {@code length} entries of {@code rows}, the window's rows in increasing
     * order (in any numbering that keeps that order), into the order window {@code window} of
     * {@code epoch} trains them in.
     */
    static void shuffleWindow(long seed, int block, int epoch, int window, int[] rows, int length) {
        Permutations.shuffle(rows, length, epochSeed(seed, block, epoch) + WINDOW_STREAM * (window + 1));
    }

    private static long epochSeed(long seed, int block, int epoch) {
        return seed * 0x9E3779B97F4A7C15L + 31L * block + epoch;
    }
}
