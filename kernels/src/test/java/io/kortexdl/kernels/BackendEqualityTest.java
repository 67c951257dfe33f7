package io.kortexdl.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The native and the pure-Java backends compute the same network, and the right one is picked. */
class BackendEqualityTest {

    @Test
    void nativeBackendIsUsedWhenASystemBlasIsInstalled() {
        boolean systemBlasInstalled = Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libblas.so.3"))
                || Files.exists(Path.of("/usr/lib/aarch64-linux-gnu/libblas.so.3"));
        assertEquals(systemBlasInstalled, Blas.system().isNative(),
                "system backend " + Blas.system().name() + " while libblas.so.3 installed=" + systemBlasInstalled);
        assertFalse(Blas.pureJava().isNative());
        assertTrue(Blas.pureJava().name().endsWith("BLAS"), Blas.pureJava().name());
    }

    @Test
    void gemmAgreesWithANaiveProductForEveryTransposeCombination() {
        int m = 7;
        int n = 5;
        int k = 3;
        float[] a = TestData.uniform(m * k + 2, 1, 1f);
        float[] b = TestData.uniform(k * n + 3, 2, 1f);
        for (Blas blas : TestData.backends()) {
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    float[] c = TestData.uniform(m * n + 1, 3, 1f);
                    float[] expected = c.clone();
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            double sum = 0;
                            for (int p = 0; p < k; p++) {
                                float av = ta ? a[2 + p * m + i] : a[2 + i * k + p];
                                float bv = tb ? b[3 + j * k + p] : b[3 + p * n + j];
                                sum += av * bv;
                            }
                            expected[1 + i * n + j] = (float) (0.5 * sum + 2.0 * c[1 + i * n + j]);
                        }
                    }
                    blas.gemm(ta, tb, m, n, k, 0.5f, a, 2, b, 3, 2f, c, 1);
                    for (int i = 0; i < c.length; i++) {
                        assertEquals(expected[i], c[i], 1e-5f, blas.name() + " ta=" + ta + " tb=" + tb + " at " + i);
                    }
                }
            }
        }
    }

    @Test
    void trainingTrajectoriesAgreeAcrossBackends() {
        int rows = 64;
        float[] x = TestData.uniform(rows * 30, 4, 1f);
        float[] t = TestData.targets(LossType.CROSS_ENTROPY, rows, 5, 5);
        Network nativeNet = Network.builder().layers(30, 40, 20, 5).optimizer(OptimizerKind.MOMENTUM)
                .blas(Blas.system()).build();
        Network javaNet = Network.builder().layers(30, 40, 20, 5).optimizer(OptimizerKind.MOMENTUM)
                .blas(Blas.pureJava()).build();
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
