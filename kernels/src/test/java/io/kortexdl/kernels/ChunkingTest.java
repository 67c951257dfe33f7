package io.kortexdl.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kortexdl.kernels.blas.BlasThreads;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Which results are the same bits and which agree within rounding, on whatever kernel the native
 * BLAS runs. A native BLAS may add a product's terms in an order that depends on the shape of the
 * matrices and on its thread count (OpenBLAS's Haswell and Zen kernels change a row's last bits
 * with the number of rows in the call), so the library promises equal bits only where it fixes
 * the shapes itself: every forward entry point cuts the rows into the same {@link Network#CHUNK_ROWS}
 * chunks. Everything else is held to {@link Rounding}'s bound. CI runs this class on several
 * OpenBLAS kernels, on MKL and on the pure-Java backend.
 */
class ChunkingTest {
    private static final int[] LAYERS = {784, 256, 128, 10};

    private static Network network() {
        return Network.builder().layers(LAYERS).seed(17).build();
    }

    private static float[] rows(float[] inputs, int first, int count) {
        return Arrays.copyOfRange(inputs, first * LAYERS[0], (first + count) * LAYERS[0]);
    }

    /** The outputs of {@code inputs} computed {@code per} rows per call. */
    private static float[] forwardInCalls(Network net, float[] inputs, int rows, int per) {
        float[] out = new float[rows * LAYERS[LAYERS.length - 1]];
        for (int first = 0; first < rows; first += per) {
            int n = Math.min(per, rows - first);
            float[] part = net.forward(rows(inputs, first, n), n);
            System.arraycopy(part, 0, out, first * LAYERS[LAYERS.length - 1], part.length);
        }
        return out;
    }

    @Test
    void everyForwardEntryPointRunsTheSameChunks() {
        Network net = network();
        int outputs = LAYERS[LAYERS.length - 1];
        for (int n : new int[] {1, 7, 255, 256, 257, 300, 700}) {
            float[] x = TestData.uniform(n * LAYERS[0], n, 1f);
            float[] expected = net.forward(x, n);
            String on = n + " rows on " + Rounding.kernel();
            assertArrayEquals(expected, net.forwardBatch(x, n), "forwardBatch, " + on);
            assertArrayEquals(expected, net.forwardThreadSafe(x, n), "forwardThreadSafe, " + on);
            assertArrayEquals(expected, net.forwardBatchThreadSafe(x, n), "forwardBatchThreadSafe, " + on);
            float[] into = new float[n * outputs];
            net.forward(x, n, into);
            assertArrayEquals(expected, into, "forward into an array, " + on);
            // A row's bits depend only on the chunk it falls in: each chunk alone gives the same bits.
            assertArrayEquals(expected, forwardInCalls(net, x, n, Network.CHUNK_ROWS), "chunk by chunk, " + on);
        }
    }

    @Test
    void aRowAgreesWithinRoundingWhateverRowsComeWithIt() {
        Network net = network();
        int n = 300;
        float[] x = TestData.uniform(n * LAYERS[0], 3, 1f);
        float[] alone = forwardInCalls(net, x, n, 1);
        for (int per : new int[] {7, 64, n}) {
            Rounding.assertWithinAndReport(alone, forwardInCalls(net, x, n, per), "rows alone vs " + per + " per call");
        }
    }

    @Test
    void oneBlasThreadAgreesWithinRoundingWithTheLibrarysSetting() {
        Network net = network();
        int n = 300;
        float[] x = TestData.uniform(n * LAYERS[0], 5, 1f);
        float[] t = TestData.targets(LossType.CROSS_ENTROPY, n, LAYERS[LAYERS.length - 1], 6);
        float[] libraryThreads = net.forward(x, n);
        float libraryLoss = net.evaluate(x, t, LossType.CROSS_ENTROPY, n);
        float[] oneThread;
        float oneThreadLoss;
        try (BlasThreads.Section section = net.blas().threads().singleThreaded()) {
            oneThread = net.forward(x, n);
            oneThreadLoss = net.evaluate(x, t, LossType.CROSS_ENTROPY, n);
        }
        String threads = "one BLAS thread vs " + net.blas().threads().threadsForCallingThread();
        Rounding.assertWithinAndReport(libraryThreads, oneThread, threads);
        Rounding.assertWithin(new float[] {libraryLoss}, new float[] {oneThreadLoss}, "loss, " + threads);
    }

    @Test
    void evaluateIsTheMeanOfItsChunksLosses() {
        Network net = network();
        int n = 700;
        float[] x = TestData.uniform(n * LAYERS[0], 8, 1f);
        float[] t = TestData.targets(LossType.CROSS_ENTROPY, n, LAYERS[LAYERS.length - 1], 9);
        double weighted = 0;
        for (int first = 0; first < n; first += Network.CHUNK_ROWS) {
            int rows = Math.min(Network.CHUNK_ROWS, n - first);
            float[] chunkTargets = Arrays.copyOfRange(t, first * 10, (first + rows) * 10);
            weighted += (double) rows * net.evaluate(rows(x, first, rows), chunkTargets, LossType.CROSS_ENTROPY, rows);
        }
        assertEquals((float) (weighted / n), net.evaluate(x, t, LossType.CROSS_ENTROPY, n), 0f,
                "evaluate sums the same chunks in order, on " + Rounding.kernel());
    }
}
