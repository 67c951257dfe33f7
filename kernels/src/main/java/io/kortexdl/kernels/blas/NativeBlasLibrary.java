package io.kortexdl.kernels.blas;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;

/**
 * Finds, through JNA, the native library that netlib's {@code JNIBLAS} loaded, and the
 * {@link BlasThreads} control it offers. netlib opens
 * {@code -Ddev.ludovic.netlib.blas.nativeLibPath} if set, else
 * {@code -Ddev.ludovic.netlib.blas.nativeLib}, else {@code libblas.so.3}; opening the same name
 * again returns the same handle, and symbol look-ups on it also search the libraries it links
 * (Debian's {@code libblas.so.3} of OpenBLAS links {@code libopenblas.so.0}).
 */
final class NativeBlasLibrary {
    private static final System.Logger LOG = System.getLogger(BlasThreads.class.getName());

    private NativeBlasLibrary() {
    }

    /** The name netlib's JNI part passes to {@code dlopen}. */
    static String loadedName() {
        String path = System.getProperty("dev.ludovic.netlib.blas.nativeLibPath");
        if (path != null) {
            return path;
        }
        return System.getProperty("dev.ludovic.netlib.blas.nativeLib", "libblas.so.3");
    }

    /**
     * The thread control of the library netlib loaded: MKL's, OpenBLAS's, or {@link BlasThreads#none()}
     * with the reason when it is neither or JNA cannot reach it (logged as a warning).
     */
    static BlasThreads threadControl() {
        String name = loadedName();
        NativeLibrary library;
        try {
            library = NativeLibrary.getInstance(name);
        } catch (LinkageError | RuntimeException e) {
            return unknown(name, "JNA could not open it: " + e.getMessage());
        }
        try {
            BlasThreads control = MklThreads.probe(library);
            if (control == null) {
                control = OpenBlasThreads.probe(library);
            }
            return control != null ? control
                    : unknown(name, "it exports neither OpenBLAS's nor MKL's thread functions");
        } catch (LinkageError | RuntimeException e) {
            return unknown(name, "calling it failed: " + e);
        }
    }

    /** The named function of {@code library}, or null when it does not export it. */
    static Function function(NativeLibrary library, String name) {
        try {
            return library.getFunction(name);
        } catch (UnsatisfiedLinkError e) {
            return null;
        }
    }

    private static BlasThreads unknown(String name, String why) {
        LOG.log(System.Logger.Level.WARNING, "KortexDL cannot set the thread count of the native BLAS {0}: {1}. Set "
                + "its thread variable to 1 (for OpenBLAS, OPENBLAS_NUM_THREADS=1) where KortexDL trains in parallel",
                name, why);
        return new NoBlasThreads(name + " (thread count not controlled: " + why + ")", 0);
    }
}
