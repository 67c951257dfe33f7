package io.kortexdl.kernels.blas;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.JavaBLAS;
import dev.ludovic.netlib.blas.NativeBLAS;

/**
 * {@link Blas} on {@code dev.ludovic.netlib}, the binding Spark itself uses: {@code JNIBLAS}
 * over a system library, or the Java implementations ({@code VectorBLAS}, {@code Java11BLAS}).
 *
 * <p>netlib is column-major; a row-major product {@code C = A B} is computed as the
 * column-major {@code C^T = B^T A^T}, which reads the same memory without copies.
 *
 * <p>Threads: a native BLAS starts with the count of {@code OPENBLAS_NUM_THREADS} (or
 * {@code MKL_NUM_THREADS}), by default one per core. {@link #threads()} controls it through JNA,
 * so that the engine's own parallel paths run it single-threaded whatever the environment says
 * (see {@link BlasThreads}); for MKL it also turns on bitwise reproducibility.
 */
public final class NetlibBlas implements Blas {
    private static volatile NetlibBlas systemInstance;
    private static volatile NetlibBlas javaInstance;

    private final BLAS blas;
    private final boolean nativeLibrary;
    private volatile BlasThreads threads;

    private NetlibBlas(BLAS blas) {
        this.blas = blas;
        this.nativeLibrary = blas instanceof NativeBLAS;
    }

    /**
     * The backend netlib picks (native first, then its Java implementations).
     *
     * @return a shared instance
     */
    public static NetlibBlas system() {
        NetlibBlas instance = systemInstance;
        if (instance == null) {
            synchronized (NetlibBlas.class) {
                instance = systemInstance;
                if (instance == null) {
                    instance = new NetlibBlas(BLAS.getInstance());
                    systemInstance = instance;
                }
            }
        }
        return instance;
    }

    /**
     * The pure-Java backend netlib picks, whatever native library is installed.
     *
     * @return a shared instance
     */
    public static NetlibBlas pureJava() {
        NetlibBlas instance = javaInstance;
        if (instance == null) {
            synchronized (NetlibBlas.class) {
                instance = javaInstance;
                if (instance == null) {
                    instance = new NetlibBlas(JavaBLAS.getInstance());
                    javaInstance = instance;
                }
            }
        }
        return instance;
    }

    /**
     * The BLAS thread settings of this process's environment, for logs and benchmark lines.
     *
     * @return e.g. {@code OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=unset}
     */
    public static String blasThreadsSetting() {
        return "OPENBLAS_NUM_THREADS=" + envOrUnset("OPENBLAS_NUM_THREADS")
                + " MKL_NUM_THREADS=" + envOrUnset("MKL_NUM_THREADS");
    }

    private static String envOrUnset(String name) {
        String value = System.getenv(name);
        return value == null ? "unset" : value;
    }

    @Override
    public String name() {
        return blas.getClass().getSimpleName();
    }

    @Override
    public boolean isNative() {
        return nativeLibrary;
    }

    /**
     * The native library's thread control, found on first use ({@link BlasThreads#none()} for the
     * Java implementations). For MKL, finding it also turns on Conditional Numerical
     * Reproducibility, so {@link Blas#system()} asks for it before its first GEMM.
     */
    @Override
    public BlasThreads threads() {
        BlasThreads control = threads;
        if (control == null) {
            synchronized (this) {
                control = threads;
                if (control == null) {
                    control = nativeLibrary ? NativeBlasLibrary.threadControl() : BlasThreads.none();
                    threads = control;
                }
            }
        }
        return control;
    }

    @Override
    public void gemm(boolean transposeA, boolean transposeB, int m, int n, int k, float alpha,
                     float[] a, int aOffset, float[] b, int bOffset, float beta, float[] c, int cOffset) {
        int lda = transposeA ? m : k;
        int ldb = transposeB ? k : n;
        blas.sgemm(transposeB ? "T" : "N", transposeA ? "T" : "N", n, m, k, alpha,
                b, bOffset, ldb, a, aOffset, lda, beta, c, cOffset, n);
    }

    @Override
    public String toString() {
        return name();
    }
}
