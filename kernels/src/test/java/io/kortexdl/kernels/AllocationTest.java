package io.kortexdl.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import io.kortexdl.kernels.blas.VectorApiBlas;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** Once warmed up, training and the into-array forward pass allocate nothing per call. */
class AllocationTest {
    private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final int CALLS = 200;

    private static long bytesPerCall(Runnable call) {
        for (int i = 0; i < 2000; i++) {
            call.run();
        }
        long before = THREADS.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < CALLS; i++) {
            call.run();
        }
        return (THREADS.getCurrentThreadAllocatedBytes() - before) / CALLS;
    }

    @Test
    void hotPathsAllocateNothingOnceWarm() {
        int rows = 32;
        float[] x = TestData.uniform(rows * 40, 1, 1f);
        float[] t = TestData.targets(LossType.CROSS_ENTROPY, rows, 10, 2);
        float[] out = new float[rows * 10];
        Network single = Network.builder().layers(40, 64, 10).optimizer(OptimizerKind.ADAM).build();
        Network safe = Network.builder().layers(40, 64, 10).optimizer(OptimizerKind.MOMENTUM).build();
        safe.enableThreadSafety(true);
        long train = bytesPerCall(() -> single.trainBatch(x, t, LossType.CROSS_ENTROPY, 1e-4f, rows));
        long trainSafe = bytesPerCall(() -> safe.trainBatch(x, t, LossType.CROSS_ENTROPY, 1e-4f, rows));
        long forward = bytesPerCall(() -> safe.forward(x, rows, out));
        long evaluate = bytesPerCall(() -> safe.evaluate(x, t, LossType.CROSS_ENTROPY, rows));
        Network javaGemm = Network.builder().layers(40, 64, 10).blas(VectorApiBlas.get()).build();
        long trainJava = bytesPerCall(() -> javaGemm.trainBatch(x, t, LossType.CROSS_ENTROPY, 1e-4f, rows));
        String report = "bytes/call: train " + train + ", trainThreadSafe " + trainSafe + ", forward " + forward
                + ", evaluate " + evaluate + ", train on the Java GEMM " + trainJava;
        assertTrue(train < 16 && trainSafe < 16 && forward < 16 && evaluate < 16 && trainJava < 16, report);
    }
}
