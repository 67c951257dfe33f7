package io.kortexdl.spark.executor;

import io.kortexdl.kernels.Permutations;

/**
 * The order in which a block visits its rows in one epoch: a permutation that depends only on the
 * fit's seed, the block and the epoch (and on how the block's rows are cut into chunks), so that
 * every attempt of an epoch, on any executor, trains the same rows in the same steps.
 *
 * <p>A block held whole ({@link #fill}) is shuffled whole. A block streamed from local disk in
 * windows of about {@code windowChunks} chunks ({@link #fillWindowed}) is shuffled in two
 * stages. First each epoch deals the chunks to its {@code G} windows, stratified: the block's
 * chunks are cut into runs of {@code G} consecutive chunks, and each run's chunks go one to each
 * window in an order drawn for that run and epoch. So every window holds chunks spread evenly over
 * the whole block, whatever order the input had (sorted by label or by time, say), and a window
 * holds other chunks every epoch. Then each window's rows are shuffled among themselves, and the
 * windows are trained in turn. A window that holds every chunk gives exactly the whole-block order.
 */
public final class EpochOrder {
    /** Mixed into the epoch's seed for dealing chunks to windows, so it is drawn apart from any row shuffle. */
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
     * streamed in windows of about {@code windowChunks} chunks; equal to {@link #fill} when one
     * window holds every chunk.
     */
    public static void fillWindowed(long seed, int block, int epoch, int rowsPerChunk, int windowChunks, int[] order) {
        int rows = order.length;
        int chunks = (int) ((rows + (long) rowsPerChunk - 1) / rowsPerChunk);
        if (windowChunks >= chunks) {
            fill(seed, block, epoch, order);
            return;
        }
        int[][] windows = windows(seed, block, epoch, chunks, windowChunks);
        int at = 0;
        for (int window = 0; window < windows.length; window++) {
            int start = at;
            for (int chunk : windows[window]) {
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

    /** Windows of {@code epoch} for a block of {@code chunks} chunks streamed in windows of about {@code windowChunks}. */
    static int windowCount(int chunks, int windowChunks) {
        return (chunks + windowChunks - 1) / windowChunks;
    }

    /**
     * The chunks of each window of {@code epoch}, each window's in increasing order (its rows are
     * numbered in that order): each run of {@link #windowCount} consecutive chunks is dealt one
     * chunk to a window, in an order drawn for the run.
     */
    static int[][] windows(long seed, int block, int epoch, int chunks, int windowChunks) {
        int count = windowCount(chunks, windowChunks);
        int runs = (chunks + count - 1) / count;
        int[][] windows = new int[count][];
        int[] sizes = new int[count];
        int[][] dealt = new int[count][runs];
        java.util.SplittableRandom random = new java.util.SplittableRandom(epochSeed(seed, block, epoch) ^ CHUNK_STREAM);
        int[] deal = new int[count];
        for (int run = 0; run < runs; run++) {
            for (int w = 0; w < count; w++) {
                deal[w] = w;
            }
            for (int i = count - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int swap = deal[i];
                deal[i] = deal[j];
                deal[j] = swap;
            }
            for (int k = 0; k < count && run * count + k < chunks; k++) {
                int window = deal[k];
                dealt[window][sizes[window]++] = run * count + k;
            }
        }
        for (int w = 0; w < count; w++) {
            windows[w] = java.util.Arrays.copyOf(dealt[w], sizes[w]); // increasing: runs are dealt in order
        }
        return windows;
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
