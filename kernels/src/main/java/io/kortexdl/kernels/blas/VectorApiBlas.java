package io.kortexdl.kernels.blas;

/**
 * {@link Blas} on KortexDL's own GEMM written with the JDK's Vector API: pure Java, yet close to
 * native OpenBLAS speed on AVX2/AVX-512 machines (several times netlib's {@code VectorBLAS} on
 * the shapes an MLP uses). Needs the incubating {@code jdk.incubator.vector} module
 * ({@code --add-modules=jdk.incubator.vector}, which Spark's launcher also passes);
 * {@link #isAvailable()} says whether this JVM has it.
 */
public final class VectorApiBlas implements Blas {
    private static final VectorApiBlas INSTANCE = new VectorApiBlas();

    private VectorApiBlas() {
    }

    /** Whether the Vector API module is present in this JVM. */
    public static boolean isAvailable() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /**
     * The shared instance.
     *
     * @throws IllegalStateException if the Vector API module is absent (start the JVM with
     *     {@code --add-modules=jdk.incubator.vector})
     */
    public static VectorApiBlas get() {
        if (!isAvailable()) {
            throw new IllegalStateException("VectorApiBlas needs the jdk.incubator.vector module: start the JVM with"
                    + " --add-modules=jdk.incubator.vector");
        }
        return INSTANCE;
    }

    @Override
    public String name() {
        return "KortexVectorGemm";
    }

    @Override
    public boolean isNative() {
        return false;
    }

    @Override
    public void gemm(boolean transposeA, boolean transposeB, int m, int n, int k, float alpha,
                     float[] a, int aOffset, float[] b, int bOffset, float beta, float[] c, int cOffset) {
        VectorGemm.gemm(transposeA, transposeB, m, n, k, alpha, a, aOffset, b, bOffset, beta, c, cOffset);
    }

    @Override
    public String toString() {
        return name();
    }
}
