package io.kortexdl.kernels.blas;

/**
 * Control of the thread count of the native BLAS under a {@link Blas} backend.
 *
 * <p>A native BLAS (OpenBLAS, Intel MKL) splits each large GEMM over threads of its own. That is
 * what a single caller wants, but KortexDL's data-parallel paths already run one thread per core
 * ({@link ParallelTrainer}, a Spark training task, batched scoring in concurrent Spark tasks): a
 * multithreaded BLAS under each of them oversubscribes the cores several times over. Those paths
 * therefore run their BLAS calls inside a {@link #singleThreaded()} section, whatever
 * {@code OPENBLAS_NUM_THREADS} or {@code MKL_NUM_THREADS} say. Outside the sections, a single
 * caller ({@link Network#trainBatch}, {@link Network#forwardBatch}) gets the library's own
 * setting, normally one thread per core.
 *
 * <p>How a section works depends on what the library offers:
 * <ul>
 *   <li>Intel MKL: {@code mkl_set_num_threads_local(1)} on the calling thread, restored when the
 *       section closes; other threads are not affected.</li>
 *   <li>OpenBLAS: its thread count is process-wide ({@code openblas_set_num_threads}), so it is
 *       set to 1 when the first section in the process opens and restored when the last one
 *       closes. A single caller running while a section is open also gets one thread.</li>
 *   <li>Pure-Java backends and unknown native libraries: sections change nothing
 *       ({@link #none()}).</li>
 * </ul>
 * Implementations are thread-safe. What a section did is logged once per JVM.
 */
public interface BlasThreads {

    /** A single-threaded section; close it on the thread that opened it. Closing twice is harmless. */
    interface Section extends AutoCloseable {
        /** Ends the section, restoring the thread count in effect before it where it was changed. */
        @Override
        void close();
    }

    /**
     * What is controlled, for logs and benchmark lines.
     *
     * @return e.g. {@code OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64 (pthreads)}
     */
    String library();

    /** Whether sections really change the library's thread count. */
    boolean controllable();

    /**
     * The most threads a BLAS call made now from the calling thread may use: 1 for pure-Java
     * backends, the library's setting for native ones (inside a section, 1), 0 for a native
     * library that does not say.
     */
    int threadsForCallingThread();

    /**
     * Opens a section in which BLAS calls from the calling thread run on one BLAS thread (see the
     * class comment for the scope on each library). Use it with try-with-resources.
     *
     * @return the section to close
     */
    Section singleThreaded();

    /** The control for backends without threads of their own: sections do nothing. */
    static BlasThreads none() {
        return NoBlasThreads.INSTANCE;
    }
}
