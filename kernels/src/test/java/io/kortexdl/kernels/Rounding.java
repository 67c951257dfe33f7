package io.kortexdl.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kortexdl.kernels.blas.Blas;

/**
 * What the tests allow where two computations run the same arithmetic in different orders (a row
 * computed alone or among others, one BLAS thread or several, another backend), and the name of
 * the kernel a test ran on, for its failure messages.
 *
 * <p>The bound: {@code |expected - actual| <= RELATIVE x max(1, |expected|)} for every value. The
 * largest differences measured in {@link ChunkingTest}'s 784-256-128-10 forward passes (a row
 * alone against the same row among 7, 64 or 300; one BLAS thread against two) were 1.0e-6 to
 * 1.5e-6 on OpenBLAS 0.3.21's Haswell kernels, 1.1e-6 on SandyBridge, 1.7e-6 on SkylakeX,
 * 2.1e-6 on Cooperlake and 1.3e-6 on MKL 2020.4: the bound leaves a margin of 5x for other CPUs,
 * and a kernel that computes a wrong product misses it by orders of magnitude.
 */
final class Rounding {
    /** The relative difference allowed between two orders of the same float32 arithmetic. */
    static final float RELATIVE = 1e-5f;

    private Rounding() {
    }

    /** The backend {@link Blas#system()} chose and the kernel it runs, e.g. OpenBLAS's {@code Haswell}. */
    static String kernel() {
        Blas blas = Blas.system();
        String coretype = System.getenv("OPENBLAS_CORETYPE");
        return blas.name() + " on " + blas.threads().library()
                + (coretype == null ? " (OPENBLAS_CORETYPE unset)" : " (OPENBLAS_CORETYPE=" + coretype + ")");
    }

    /** Asserts that every value of {@code actual} is within the bound of {@code expected}'s. */
    static void assertWithin(float[] expected, float[] actual, String what) {
        assertTrue(expected.length == actual.length, what + ": lengths " + expected.length + " and " + actual.length);
        for (int i = 0; i < expected.length; i++) {
            float allowed = RELATIVE * Math.max(1f, Math.abs(expected[i]));
            if (!(Math.abs(expected[i] - actual[i]) <= allowed)) {
                throw new AssertionError(what + ": value " + i + " is " + actual[i] + ", expected " + expected[i]
                        + " within " + allowed + ", on " + kernel());
            }
        }
    }

    /**
     * {@link #assertWithin}, then prints the largest {@code |expected - actual| / max(1, |expected|)}
     * with the kernel, so that a run records what each kernel does against the bound.
     */
    static void assertWithinAndReport(float[] expected, float[] actual, String what) {
        assertWithin(expected, actual, what);
        double largest = 0;
        for (int i = 0; i < expected.length; i++) {
            largest = Math.max(largest, Math.abs(expected[i] - actual[i]) / Math.max(1.0, Math.abs(expected[i])));
        }
        System.out.printf("largest difference, %s, on %s: %.3g%n", what, kernel(), largest);
    }
}
