package io.kortexdl.spark;

import io.kortexdl.kernels.ParameterLayout;
import java.util.Arrays;
import java.util.Locale;
import org.apache.spark.SparkConf;

/**
 * Estimates, before anything is allocated, whether a fit's packed rows and its network fit in
 * memory (the heap, and on YARN and Kubernetes the executor containers' memory outside it), and
 * refuses with an {@code IllegalArgumentException} naming the sizes and the memory they would
 * need, instead of an {@code OutOfMemoryError} deep inside an executor or a container killed by
 * its cluster manager.
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
    /**
     * The heap Spark keeps for itself in every JVM before its memory pools
     * ({@code UnifiedMemoryManager}'s reserved system memory); a fit's arrays get the rest.
     */
    static final long SPARK_RESERVED_BYTES = 300L << 20;
    /** The largest Java array of floats. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;
    /**
     * What an executor JVM uses outside its heap for itself and Spark: metaspace, code, threads,
     * GC structures, symbols and Spark's network buffers. Measured with native memory tracking in
     * 1 GiB executors on YARN during a fit: 238-242 MiB committed outside the heap.
     */
    static final long JVM_NATIVE_BYTES = 256L << 20;
    /** The work buffer a native BLAS maps for each thread calling it (OpenBLAS's BUFFER_SIZE on x86-64). */
    static final long BLAS_BUFFER_BYTES = 32L << 20;
    /** Copies of the parameters a sync sends and receives outside the heap (direct buffers). */
    static final int SYNC_FRAME_COPIES = 3;
    private static final String OVERHEAD = "spark.executor.memoryOverhead";
    private static final String OVERHEAD_FACTOR = "spark.executor.memoryOverheadFactor";
    private static final String MIN_OVERHEAD = "spark.executor.minMemoryOverhead";
    /** Spark's default of {@link #MIN_OVERHEAD}, the floor of the derived overhead. */
    private static final String MIN_OVERHEAD_DEFAULT = "384m";
    /** This JVM's heap limit, fixed at start-up; read once rather than for every packed row. */
    private static final long HEAP_BYTES = Runtime.getRuntime().maxMemory();

    private MemoryCheck() {
    }

    /**
     * Checks that a network of {@code layers} can be trained with {@code threads} trainer threads
     * per executor, within the driver's heap and, on a cluster, the executors' memory (their heap,
     * and on YARN or Kubernetes their containers' overhead: {@link #executorOverhead}).
     *
     * @param column the features column, whose width is {@code layers[0]}
     * @param outputsKnown whether {@code layers}' last size is the fit's (else a lower bound, before the classes are counted)
     * @return the heap the training state takes in each JVM that trains, in bytes (the packed rows come on top)
     * @throws IllegalArgumentException naming the column, its width, the layers, the parameter count
     *     and the memory needed
     */
    static long network(String column, int[] layers, int[] hidden, boolean outputsKnown, int threads,
                        org.apache.spark.SparkContext sc) {
        long parameters = ParameterLayout.parameterCount(layers);
        long needed = parameters * Float.BYTES * (PARAMETER_COPIES + Math.max(1, threads));
        long driver = HEAP_BYTES;
        long executor = sc.isLocal() ? driver : (long) sc.executorMemory() * 1024 * 1024;
        long available = Math.max(0, Math.min(driver, executor) - SPARK_RESERVED_BYTES);
        if (parameters > MAX_ARRAY || needed > available) {
            throw new IllegalArgumentException("Column " + column + " has " + layers[0] + " features: with"
                    + " hiddenLayers " + Arrays.toString(hidden) + " and " + (outputsKnown ? "" : "at least ")
                    + layers[layers.length - 1]
                    + " outputs that makes a network of "
                    + String.format(Locale.ROOT, "%,d", parameters) + " parameters: training it needs about "
                    + bytes(needed) + " (parameters, " + threads + " thread gradients and the optimizer state), more"
                    + " than the " + bytes(available) + " a JVM of this application may use (its heap less the "
                    + bytes(SPARK_RESERVED_BYTES) + " Spark reserves). Use fewer features (for"
                    + " example a smaller numFeatures in HashingTF) or smaller hiddenLayers");
        }
        executorOverhead(column, parameters, threads, sc.master(), sc.getConf());
        return needed;
    }

    /**
     * Checks, on a cluster manager that runs executors in containers of a fixed size (YARN,
     * Kubernetes), that what a fit needs outside an executor's heap fits the container's memory
     * overhead: the JVM's own {@link #JVM_NATIVE_BYTES}, the native BLAS's buffer for each of the
     * {@code threads} trainer threads, and the sync's {@link #SYNC_FRAME_COPIES} direct buffers of
     * the {@code parameters}. The overhead is {@code spark.executor.memoryOverhead} when set, else
     * Spark's default: {@code spark.executor.memoryOverheadFactor} (0.1) of the executor memory,
     * at least {@code spark.executor.minMemoryOverhead} (384 MiB). Other masters are not checked.
     *
     * @throws IllegalArgumentException naming the column, the parameter count, the memory needed and
     *     the overhead to set, instead of the container being killed by its cluster manager mid-fit
     */
    static void executorOverhead(String column, long parameters, int threads, String master, SparkConf conf) {
        if (!master.startsWith("yarn") && !master.startsWith("k8s://")) {
            return;
        }
        long overhead = executorOverheadBytes(conf);
        long frames = parameters * Float.BYTES * SYNC_FRAME_COPIES;
        long needed = JVM_NATIVE_BYTES + BLAS_BUFFER_BYTES * Math.max(1, threads) + frames;
        if (needed > overhead) {
            throw new IllegalArgumentException("Column " + column + ": a network of "
                    + String.format(Locale.ROOT, "%,d", parameters) + " parameters needs about " + bytes(needed)
                    + " of each executor's memory outside its heap (the JVM's own " + bytes(JVM_NATIVE_BYTES) + ", "
                    + Math.max(1, threads) + " x " + bytes(BLAS_BUFFER_BYTES) + " of native BLAS buffers and "
                    + bytes(frames) + " of sync buffers), more than the " + bytes(overhead) + " of"
                    + " spark.executor.memoryOverhead its container allows" + (conf.contains(OVERHEAD) ? ""
                    : " by default (" + OVERHEAD_FACTOR + " x spark.executor.memory, at least " + MIN_OVERHEAD + ")")
                    + ", so the cluster manager would kill the container. Set spark.executor.memoryOverhead to at least "
                    + ((needed + (1 << 20) - 1) >> 20) + "m, or use a smaller network");
        }
    }

    /** The memory an executor's container holds beyond its heap, as Spark's cluster managers size it. */
    static long executorOverheadBytes(SparkConf conf) {
        if (conf.contains(OVERHEAD)) {
            return conf.getSizeAsMb(OVERHEAD, "0") << 20;
        }
        long executorMb = conf.getSizeAsMb("spark.executor.memory", "1g");
        long derivedMb = (long) (conf.getDouble(OVERHEAD_FACTOR, 0.1) * executorMb);
        return Math.max(derivedMb, conf.getSizeAsMb(MIN_OVERHEAD, MIN_OVERHEAD_DEFAULT)) << 20;
    }

    /**
     * What an executor's heap allows a block of packed rows, fixed on the driver from the
     * application's settings, so that every executor (and every rerun of a block) decides alike.
     *
     * @param heap an executor's heap: {@code spark.executor.memory}, or this JVM's in local mode
     * @param taken what the fit needs of it besides the packed rows: Spark's reservation and the training state
     * @param memoryLimit the most a block may hold on the heap under {@code blockStorage=memory}:
     *     the heap less what is taken
     * @param autoLimit the most it holds on the heap under {@code auto} before it goes to disk: the
     *     memory Spark manages ({@code spark.memory.fraction} of the heap beyond its reservation)
     *     less the training state, so that the block fits where Spark caches it
     */
    record Budget(long heap, long taken, long memoryLimit, long autoLimit) implements java.io.Serializable {

        /** "an executor heap of 1.0 GiB (Spark reserves 300.0 MiB, the training state takes 17.0 MiB)". */
        String describe() {
            return "an executor heap of " + bytes(heap) + " (Spark reserves " + bytes(SPARK_RESERVED_BYTES)
                    + ", the training state takes " + bytes(taken - SPARK_RESERVED_BYTES) + ")";
        }
    }

    /**
     * The block budget of a fit whose training state takes {@code trainingHeap} bytes of each JVM.
     */
    static Budget blockBudget(org.apache.spark.SparkContext sc, long trainingHeap) {
        long heap = sc.isLocal() ? HEAP_BYTES : (long) sc.executorMemory() << 20;
        long taken = SPARK_RESERVED_BYTES + trainingHeap;
        double fraction = sc.getConf().getDouble("spark.memory.fraction", 0.6);
        long managed = (long) (Math.max(0, heap - SPARK_RESERVED_BYTES) * fraction);
        return new Budget(heap, taken, Math.max(0, heap - taken), Math.max(0, managed - trainingHeap));
    }

    /**
     * Checks that the two windows a block streamed from disk keeps on the heap fit {@code budget}.
     *
     * @param windowBytes bytes of one window of packed rows and their targets
     * @throws IllegalArgumentException naming {@code diskWindowInMB} and the memory it needs
     */
    static void diskWindows(long windowBytes, int windowInMB, Budget budget) {
        if (2 * windowBytes > budget.memoryLimit()) {
            throw new IllegalArgumentException("diskWindowInMB is " + windowInMB + ": a block streamed from local disk"
                    + " keeps two windows on the heap, " + bytes(2 * windowBytes) + " with their targets, more than"
                    + " the " + bytes(budget.memoryLimit()) + " left of " + budget.describe() + ". Lower"
                    + " diskWindowInMB, or give the executors more memory");
        }
    }

    /** {@code bytes} in GiB, MiB, KiB or bytes, for messages. */
    static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
        }
        if (bytes >= 1L << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
        }
        return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }
}
