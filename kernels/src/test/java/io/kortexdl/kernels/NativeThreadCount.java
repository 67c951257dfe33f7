package io.kortexdl.kernels;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;

/**
 * Reads and sets the native BLAS's thread count straight through its own functions, apart from
 * the library's {@link BlasThreads}: the tests' independent view of what is in effect.
 */
final class NativeThreadCount {
    private final Function get;
    private final Function setGlobal;
    final boolean mkl;

    private NativeThreadCount(NativeLibrary library, boolean mkl) {
        this.mkl = mkl;
        this.get = library.getFunction(mkl ? "MKL_Get_Max_Threads" : "openblas_get_num_threads");
        this.setGlobal = library.getFunction(mkl ? "MKL_Set_Num_Threads" : "openblas_set_num_threads");
    }

    /** The reader for the library netlib loaded (the same name resolution as netlib's). */
    static NativeThreadCount forLoadedLibrary() {
        String name = System.getProperty("dev.ludovic.netlib.blas.nativeLib", "libblas.so.3");
        return new NativeThreadCount(NativeLibrary.getInstance(name), name.contains("mkl"));
    }

    /** The count a BLAS call from the calling thread would use now. */
    int forCallingThread() {
        return get.invokeInt(new Object[0]);
    }

    /** Sets the process-wide count, as a user's environment variable would. */
    void setProcessWide(int threads) {
        setGlobal.invokeVoid(new Object[] {threads});
    }
}
