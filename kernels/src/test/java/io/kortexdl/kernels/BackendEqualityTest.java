package io.kortexdl.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kortexdl.kernels.blas.Blas;
import io.kortexdl.kernels.blas.NetlibBlas;
import io.kortexdl.kernels.blas.VectorApiBlas;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The native and the pure-Java backends compute the same network, and the right one is picked. */
class BackendEqualityTest {

    /** Native when a system BLAS is installed, unless netlib's {@code allowNative=false} forbids it. */
    @Test
    void nativeBackendIsUsedWhenASystemBlasIsInstalledAndAllowed() {
        boolean systemBlasInstalled = Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libblas.so.3"))
                || Files.exists(Path.of("/usr/lib/aarch64-linux-gnu/libblas.so.3"));
        boolean allowed = !"false".equals(System.getProperty("dev.ludovic.netlib.blas.allowNative"));
        assertEquals(systemBlasInstalled && allowed, Blas.system().isNative(), "system backend "
                + Blas.system().name() + " while libblas.so.3 installed=" + systemBlasInstalled + ", allowed=" + allowed);
        assertEquals(systemBlasInstalled && allowed ? "JNIBLAS" : "KortexVectorGemm", Blas.system().name());
        assertTrue(VectorApiBlas.isAvailable(), "the tests run with --add-modules=jdk.incubator.vector");
        assertEquals("KortexVectorGemm", Blas.pureJava().name());
        assertFalse(Blas.pureJava().isNative());
        assertFalse(NetlibBlas.pureJava().isNative());
    }

    /**
     * Shapes chosen to hit every edge of the blocked Java GEMM: single elements, partial
     * micro-tiles in both directions, k beyond one KC block, n beyond one NC block.
     */
    private static final int[][] SHAPES = {
        {1, 1, 1}, {7, 5, 3}, {4, 16, 8}, {5, 17, 3}, {13, 40, 300}, {9, 1100, 7}, {130, 33, 520}, {64, 10, 128}};

    @Test
    void gemmAgreesWithANaiveProductForEveryShapeTransposeAndScaling() {
        for (Blas blas : TestData.backends()) {
            for (int[] shape : SHAPES) {
                int m = shape[0];
                int n = shape[1];
                int k = shape[2];
                float[] a = TestData.uniform(m * k + 2, 1, 1f);
                float[] b = TestData.uniform(k * n + 3, 2, 1f);
                for (boolean ta : new boolean[] {false, true}) {
                    for (boolean tb : new boolean[] {false, true}) {
                        for (float[] ab : new float[][] {{1f, 0f}, {0.5f, 2f}, {1f, 1f}}) {
                            float[] c = TestData.uniform(m * n + 1, 3, 1f);
                            if (ab[1] == 0f) {
                                c[1] = Float.NaN; // beta = 0 must ignore what C held
                            }
                            float[] expected = c.clone();
                            for (int i = 0; i < m; i++) {
                                for (int j = 0; j < n; j++) {
                                    double sum = 0;
                                    for (int p = 0; p < k; p++) {
                                        float av = ta ? a[2 + p * m + i] : a[2 + i * k + p];
                                        float bv = tb ? b[3 + j * k + p] : b[3 + p * n + j];
                                        sum += (double) av * bv;
                                    }
                                    double old = ab[1] == 0f ? 0 : ab[1] * c[1 + i * n + j];
                                    expected[1 + i * n + j] = (float) (ab[0] * sum + old);
                                }
                            }
                            blas.gemm(ta, tb, m, n, k, ab[0], a, 2, b, 3, ab[1], c, 1);
                            for (int i = 0; i < c.length; i++) {
                                float tolerance = 2e-6f * (k + 1) + 1e-5f * Math.abs(expected[i]);
                                assertEquals(expected[i], c[i], tolerance, blas.name() + " " + m + "x" + n + "x" + k
                                        + " ta=" + ta + " tb=" + tb + " alpha/beta=" + ab[0] + "/" + ab[1] + " at " + i);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void trainingTrajectoriesAgreeAcrossBackends() {
        for (Blas other : new Blas[] {VectorApiBlas.get(), NetlibBlas.pureJava()}) {
            trajectoriesAgree(NetlibBlas.system(), other);
        }
    }

    private static void trajectoriesAgree(Blas first, Blas second) {
        int rows = 64;
        float[] x = TestData.uniform(rows * 30, 4, 1f);
        float[] t = TestData.targets(LossType.CROSS_ENTROPY, rows, 5, 5);
        Network nativeNet = Network.builder().layers(30, 40, 20, 5).optimizer(OptimizerKind.MOMENTUM)
                .blas(first).build();
        Network javaNet = Network.builder().layers(30, 40, 20, 5).optimizer(OptimizerKind.MOMENTUM)
                .blas(second).build();
        for (int step = 0; step < 50; step++) {
            float a = nativeNet.trainBatch(x, t, LossType.CROSS_ENTROPY, 0.05f, rows);
            float b = javaNet.trainBatch(x, t, LossType.CROSS_ENTROPY, 0.05f, rows);
            assertEquals(a, b, 1e-4f * Math.max(1f, Math.abs(a)), "loss at step " + step);
        }
        float[] pa = nativeNet.getParameters();
        float[] pb = javaNet.getParameters();
        for (int i = 0; i < pa.length; i++) {
            assertEquals(pa[i], pb[i], 1e-4f, "parameter " + i);
        }
        float[] oa = nativeNet.forwardBatch(x, rows);
        float[] ob = javaNet.forwardBatch(x, rows);
        for (int i = 0; i < oa.length; i++) {
            assertEquals(oa[i], ob[i], 1e-4f, "output " + i);
        }
    }
}
