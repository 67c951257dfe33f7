package io.kortexdl.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kortexdl.kernels.blas.Blas;
import io.kortexdl.kernels.blas.BlasThreads;
import io.kortexdl.kernels.blas.NetlibBlas;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The thread count a native BLAS really runs with, read through the library's own functions: one
 * thread under the parallel trainer's workers whatever the process-wide setting, that setting for a
 * single caller, and the setting restored when the workers finish.
 */
class BlasThreadsTest {
    private static final int USER_SETTING = 2;
    private NativeThreadCount nativeCount;
    private int before;

    @BeforeEach
    void nativeBlasWithAMultithreadedSetting() {
        boolean systemBlasInstalled = Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libblas.so.3"))
                || Files.exists(Path.of("/usr/lib/aarch64-linux-gnu/libblas.so.3"));
        assumeTrue(systemBlasInstalled, "no native BLAS installed");
        assertTrue(Blas.system().isNative());
        nativeCount = NativeThreadCount.forLoadedLibrary();
        before = nativeCount.forCallingThread();
        nativeCount.setProcessWide(USER_SETTING);
        assertEquals(USER_SETTING, nativeCount.forCallingThread());
    }

    @AfterEach
    void restore() {
        if (nativeCount != null) {
            nativeCount.setProcessWide(before);
        }
    }

    @Test
    void systemBackendNamesAControllableLibrary() {
        BlasThreads threads = Blas.system().threads();
        assertTrue(threads.controllable(), threads.library());
        assertTrue(threads.library().contains(nativeCount.mkl ? "Intel(R) Math Kernel Library" : "OpenBLAS"),
                threads.library());
        assertEquals(USER_SETTING, threads.threadsForCallingThread());
        if (nativeCount.mkl) {
            assertTrue(threads.library().contains("CNR branch"), "MKL reproducibility on: " + threads.library());
        }
    }

    @Test
    void parallelWorkersRunOneBlasThreadAndASingleCallerGetsTheSetting() {
        RecordingBlas recording = new RecordingBlas(Blas.system(), nativeCount);
        Network network = Network.builder().layers(64, 96, 10).optimizer(OptimizerKind.ADAM).seed(3)
                .blas(recording).build();
        int rows = 512;
        float[] x = TestData.uniform(rows * 64, 1, 1f);
        float[] t = TestData.targets(LossType.CROSS_ENTROPY, rows, 10, 2);
        try (ParallelTrainer trainer = new ParallelTrainer(network, 2, NumaTopology.singleNode(2), false)) {
            trainer.trainEpochs(x, t, LossType.CROSS_ENTROPY, 1e-3f, 64, 2, 5);
            trainer.evaluate(x, t, LossType.CROSS_ENTROPY, rows);
        }
        assertEquals(Set.of(1), recording.seen, "BLAS threads in effect during the workers' GEMMs");
        assertEquals(2, recording.callers.size(), "both workers made GEMM calls");
        assertEquals(USER_SETTING, nativeCount.forCallingThread(), "the setting comes back after training");

        recording.seen.clear();
        network.trainBatch(x, t, LossType.CROSS_ENTROPY, 1e-3f, rows);
        assertEquals(Set.of(USER_SETTING), recording.seen, "a single caller keeps the library's setting");
    }

    @Test
    void overlappingSectionsKeepOneThreadUntilTheLastCloses() throws Exception {
        BlasThreads threads = Blas.system().threads();
        CountDownLatch opened = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        int[] insideOther = new int[1];
        Thread other = new Thread(() -> {
            try (BlasThreads.Section section = threads.singleThreaded()) {
                insideOther[0] = nativeCount.forCallingThread();
                opened.countDown();
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        other.start();
        assertTrue(opened.await(10, TimeUnit.SECONDS));
        assertEquals(1, insideOther[0]);
        BlasThreads.Section mine = threads.singleThreaded();
        assertEquals(1, nativeCount.forCallingThread());
        release.countDown();
        other.join(10_000);
        assertEquals(1, nativeCount.forCallingThread(), "my section is still open");
        mine.close();
        mine.close();
        assertEquals(USER_SETTING, nativeCount.forCallingThread(), "closing twice restores once");
    }

    @Test
    void pureJavaBackendsHaveNoThreadsToControl() {
        for (Blas blas : new Blas[] {Blas.pureJava(), NetlibBlas.pureJava()}) {
            assertFalse(blas.threads().controllable());
            assertEquals(1, blas.threads().threadsForCallingThread());
        }
    }

    /** Delegates every GEMM and records the BLAS thread count in effect for each call. */
    private static final class RecordingBlas implements Blas {
        final Set<Integer> seen = ConcurrentHashMap.newKeySet();
        final Set<Long> callers = ConcurrentHashMap.newKeySet();
        private final Blas delegate;
        private final NativeThreadCount count;

        RecordingBlas(Blas delegate, NativeThreadCount count) {
            this.delegate = delegate;
            this.count = count;
        }

        @Override
        public String name() {
            return "recording " + delegate.name();
        }

        @Override
        public boolean isNative() {
            return delegate.isNative();
        }

        @Override
        public BlasThreads threads() {
            return delegate.threads();
        }

        @Override
        public void gemm(boolean transposeA, boolean transposeB, int m, int n, int k, float alpha, float[] a,
                         int aOffset, float[] b, int bOffset, float beta, float[] c, int cOffset) {
            seen.add(count.forCallingThread());
            callers.add(Thread.currentThread().getId());
            delegate.gemm(transposeA, transposeB, m, n, k, alpha, a, aOffset, b, bOffset, beta, c, cOffset);
        }
    }
}
