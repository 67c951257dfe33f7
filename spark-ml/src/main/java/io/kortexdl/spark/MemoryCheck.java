package io.kortexdl.spark;

import java.util.Arrays;
import java.util.Locale;

/**
 * Estimates, before anything is allocated, whether a fit's packed rows and its network fit in
 * memory, and refuses with an {@code IllegalArgumentException} naming the sizes and the memory
 * they would need, instead of an {@code OutOfMemoryError} deep inside an executor.
 */
final class MemoryCheck {
    /**
     * Copies of the parameters the busiest JVM of a fit holds besides one gradient per trainer
     * thread: an executor's weights (2: the trainer's double buffer), Adam's moments (2), an
     * averaging sync's buffer of both (3) and its copy of the weights (1), the frames a sync sends
     * and receives (up to 3, off the heap), and the epoch's end state on block 0 (3). The driver
     * holds fewer: the state (3), its bytes at the rendezvous (3), a checkpoint's snapshot (3) and
     * the best epoch's weights (1).
     */
    private static final int PARAMETER_COPIES = 14;
    /** The largest Java array of floats. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;
    /** This JVM's heap limit, fixed at start-up; read once rather than for every packed row. */
    private static final long HEAP_BYTES = Runtime.getRuntime().maxMemory();

    private MemoryCheck() {
    }

    /**
     * Checks that a network of {@code layers} can be trained with {@code threads} trainer threads
     * per executor, within the driver's heap and, on a cluster, the executors' memory.
     *
     * @param column the features column, whose width is {@code layers[0]}
     * @throws IllegalArgumentException naming the column, its width, the layers, the parameter count
     *     and the memory needed
     */
    static void network(String column, int[] layers, int[] hidden, int threads, org.apache.spark.SparkContext sc) {
        long parameters = 0;
        for (int l = 1; l < layers.length; l++) {
            parameters += ((long) layers[l - 1] + 1) * layers[l];
        }
        long needed = parameters * Float.BYTES * (PARAMETER_COPIES + Math.max(1, threads));
        long driver = HEAP_BYTES;
        long executor = sc.isLocal() ? driver : (long) sc.executorMemory() * 1024 * 1024;
        long available = Math.min(driver, executor);
        if (parameters > MAX_ARRAY || needed > available) {
            throw new IllegalArgumentException("Column " + column + " has " + layers[0] + " features: with"
                    + " hiddenLayers " + Arrays.toString(hidden) + " and " + layers[layers.length - 1]
                    + " outputs that makes a network of "
                    + String.format(Locale.ROOT, "%,d", parameters) + " parameters: training it needs about "
                    + bytes(needed) + " (parameters, " + threads + " thread gradients and the optimizer state), more"
                    + " than the " + bytes(available) + " a JVM of this application may use. Use fewer features (for"
                    + " example a smaller numFeatures in HashingTF) or smaller hiddenLayers");
        }
    }

    /**
     * Checks, before packing row {@code rows} of a block densely, that the block's rows so far
     * fit one array and this JVM's heap (counting the final copy into one array).
     *
     * @throws IllegalArgumentException naming the column, the features per row and the memory needed
     */
    static void packedRows(String column, int inputSize, long rows, int block) {
        long floats = (rows + 1) * inputSize;
        long needed = floats * Float.BYTES * 2;
        long max = HEAP_BYTES;
        if (floats > MAX_ARRAY || needed > max) {
            throw new IllegalArgumentException("Column " + column + " has " + inputSize + " features per row: packing "
                    + (rows + 1) + " rows of block " + block + " as dense float32 needs " + bytes(needed)
                    + ", more than " + (floats > MAX_ARRAY ? "one Java array holds" : "the " + bytes(max)
                    + " this JVM may use") + ". Use fewer features (for example a smaller numFeatures in HashingTF),"
                    + " more executors, or more executor memory");
        }
    }

    /**
     * Checks, before reading row {@code rows} of a block into compressed sparse rows, that the
     * non-zeros so far plus one more row of at most {@code inputSize} fit one array and this JVM's
     * heap (counting the growth and the final copy, twice their 8 bytes each).
     *
     * @throws IllegalArgumentException naming the column, the non-zeros and the memory needed
     */
    static void packedNonZeros(String column, int inputSize, long rows, long nonZeros, int block) {
        long values = nonZeros + Math.min(inputSize, 1L << 16);
        long needed = values * 8 * 2 + (rows + 1) * 4 * 2;
        if (values > MAX_ARRAY || needed > HEAP_BYTES) {
            throw new IllegalArgumentException("Column " + column + ": packing block " + block + " as sparse rows needs"
                    + " more than " + String.format(Locale.ROOT, "%,d", nonZeros) + " non-zeros in " + rows + " rows, "
                    + bytes(needed) + ", more than " + (values > MAX_ARRAY ? "one Java array holds"
                    : "the " + bytes(HEAP_BYTES) + " this JVM may use") + ". Use more executors or more executor memory");
        }
    }

    /** {@code bytes} in GiB, MiB or KiB, for messages. */
    static String bytes(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
        }
        if (bytes >= 1L << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
        }
        return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }
}
