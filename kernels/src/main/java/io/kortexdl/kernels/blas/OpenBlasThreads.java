package io.kortexdl.kernels.blas;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;

/**
 * {@link BlasThreads} for OpenBLAS, whose thread count is one process-wide setting
 * ({@code openblas_set_num_threads}): the first open section sets it to 1 and the last one to
 * close restores the value it found.
 */
final class OpenBlasThreads extends NativeBlasThreads {
    private static final System.Logger LOG = System.getLogger(BlasThreads.class.getName());
    private static final String[] PARALLEL_KINDS = {"sequential", "pthreads", "OpenMP"};

    private final Function setThreads;
    private final Object lock = new Object();
    private int openSections;
    private int restoreTo;
    private boolean logged;

    private OpenBlasThreads(NativeLibrary native_, String description) {
        super(description, native_.getFunction("openblas_get_num_threads"));
        this.setThreads = native_.getFunction("openblas_set_num_threads");
    }

    /** The control for {@code library}, or null when it is not OpenBLAS. */
    static OpenBlasThreads probe(NativeLibrary library) {
        Function config = NativeBlasLibrary.function(library, "openblas_get_config");
        if (config == null || NativeBlasLibrary.function(library, "openblas_set_num_threads") == null
                || NativeBlasLibrary.function(library, "openblas_get_num_threads") == null) {
            return null;
        }
        Function parallel = NativeBlasLibrary.function(library, "openblas_get_parallel");
        int kind = parallel == null ? -1 : parallel.invokeInt(new Object[0]);
        String threading = kind >= 0 && kind < PARALLEL_KINDS.length ? PARALLEL_KINDS[kind] : "parallel=" + kind;
        return new OpenBlasThreads(library, String.valueOf(config.invokeString(new Object[0], false)).trim()
                + " (" + threading + ")");
    }

    @Override
    public Section singleThreaded() {
        synchronized (lock) {
            if (openSections++ == 0) {
                restoreTo = threadsForCallingThread();
                if (restoreTo != 1) {
                    setThreads.invokeVoid(new Object[] {1});
                }
                if (!logged) {
                    logged = true;
                    LOG.log(System.Logger.Level.INFO, "KortexDL native BLAS threads: {0} runs 1 thread per call while "
                            + "KortexDL worker threads own the cores ({1} otherwise; the setting is process-wide and "
                            + "restored when they finish)", library(), restoreTo);
                }
            }
        }
        return closingOnce(() -> {
            synchronized (lock) {
                if (--openSections == 0 && restoreTo != 1) {
                    setThreads.invokeVoid(new Object[] {restoreTo});
                }
            }
        });
    }
}
