package io.kortexdl.kernels.blas;

/**
 * The matrix-multiply backend the engine runs its GEMMs on.
 *
 * <p>All matrices are row-major {@code float32} in plain arrays with an offset. Implementations
 * must be safe to call from many threads at once and must not keep references to the arrays.
 * {@link NetlibBlas} is the implementation the project ships; {@link #system()} picks the best
 * one available.
 */
public interface Blas {

    /** A short name of the backend, e.g. {@code JNIBLAS} (native) or {@code VectorBLAS} (Java). */
    String name();

    /** Whether the GEMMs run in a native library (OpenBLAS, MKL, ...) rather than in Java. */
    boolean isNative();

    /**
     * The control of this backend's own threads: {@link BlasThreads#none()} unless the GEMMs run
     * in a native library that splits them over threads of its own.
     */
    default BlasThreads threads() {
        return BlasThreads.none();
    }

    /**
     * Row-major {@code C = alpha * op(A) * op(B) + beta * C}, where {@code op(A)} is
     * {@code m x k}, {@code op(B)} is {@code k x n} and {@code C} is {@code m x n}, all densely
     * packed (leading dimension = row length).
     *
     * @param transposeA whether {@code A} is stored as {@code k x m} and used transposed
     * @param transposeB whether {@code B} is stored as {@code n x k} and used transposed
     */
    void gemm(boolean transposeA, boolean transposeB, int m, int n, int k, float alpha,
              float[] a, int aOffset, float[] b, int bOffset, float beta, float[] c, int cOffset);

    /**
     * The best backend of this JVM: native BLAS through netlib when a system library loads
     * (Debian's OpenBLAS, or MKL through {@code -Ddev.ludovic.netlib.blas.nativeLib=libmkl_rt.so}),
     * otherwise {@link #pureJava()}. Honours {@code -Ddev.ludovic.netlib.blas.allowNative=false}.
     */
    static Blas system() {
        return BlasSelection.SYSTEM;
    }

    /**
     * The fastest pure-Java backend: {@link VectorApiBlas} when the Vector API module is present,
     * otherwise netlib's Java implementation ({@link NetlibBlas#pureJava()}).
     */
    static Blas pureJava() {
        return VectorApiBlas.isAvailable() ? VectorApiBlas.get() : NetlibBlas.pureJava();
    }
}
