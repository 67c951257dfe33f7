package io.kortexdl.examples.bench;

import ai.onnxruntime.OrtSession;
import io.kortexdl.kernels.Network;
import io.kortexdl.kernels.SparseBatch;
import io.kortexdl.kernels.blas.BlasThreads;
import io.kortexdl.kernels.onnx.OnnxExport;
import io.kortexdl.kernels.onnx.OnnxHead;
import io.kortexdl.kernels.onnx.OnnxInput;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The sparse part of {@code ./kortex bench onnx}: a 2^18-64-2 network (random weights) on rows of
 * {@value #NONZEROS} non-zeros, as hashed text gives. Its sparse export (padded indices and values)
 * in ONNX Runtime against the kernels' sparse forward pass on the same requests, and its dense
 * export on requests of {@value #DENSE_BATCH} rows (a dense row is 1 MiB), all on one thread.
 */
final class OnnxSparseBenchmark {
    private static final int WIDTH = 1 << 18;
    private static final int ROWS = 10_000;
    private static final int NONZEROS = 40;
    private static final int DENSE_BATCH = 16;
    private static final int DENSE_REQUESTS = 16;

    private OnnxSparseBenchmark() {
    }

    /** One request: the same rows as a CSR batch for the kernels and as padded arrays for the runtime. */
    private record Request(SparseBatch batch, long[] indices, float[] values) {
    }

    static void run(OrtRequests ort, int batch, int repetitions) throws Exception {
        Network network = Network.builder().layers(WIDTH, 64, 2).seed(11).build();
        network.enableThreadSafety(true);
        List<Request> requests = requests(batch);
        List<float[]> dense = denseRequests(requests.get(0));
        byte[] sparseModel = OnnxExport.of(network).head(OnnxHead.MULTICLASS).input(OnnxInput.SPARSE).toBytes();
        byte[] denseModel = OnnxExport.of(network).head(OnnxHead.MULTICLASS).toBytes();
        try (OrtSession sparseSession = ort.session(sparseModel, 1);
             OrtSession denseSession = ort.session(denseModel, 1)) {
            double[][] seconds = Timing.interleavedSeconds(2, repetitions,
                    () -> {
                        for (Request r : requests) {
                            ort.run(sparseSession, Map.of("indices", r.indices(), "values", r.values()),
                                    r.batch().rows(), NONZEROS);
                        }
                    },
                    () -> {
                        try (BlasThreads.Section single = network.blas().threads().singleThreaded()) {
                            for (Request r : requests) {
                                network.forward(r.batch());
                            }
                        }
                    },
                    () -> ort.scoreDense(denseSession, dense, WIDTH));
            String prefix = "bench=onnx-sparse width=" + WIDTH + " nonzeros=" + NONZEROS + " layers=" + WIDTH
                    + "-64-2 ";
            double ortSparse = ROWS / Timing.median(seconds[0]);
            double ours = ROWS / Timing.median(seconds[1]);
            double ortDense = DENSE_REQUESTS * DENSE_BATCH / Timing.median(seconds[2]);
            SparkBench.result(prefix + "impl=onnxruntime-java input=sparse intra_op_threads=1 batch=" + batch
                    + " rows_per_s=" + SparkBench.f(ortSparse) + " request_bytes_per_row=" + NONZEROS * 12);
            SparkBench.result(prefix + "impl=kortexdl-forward input=sparse callers=1 batch=" + batch + " rows_per_s="
                    + SparkBench.f(ours));
            SparkBench.result(prefix + "impl=onnxruntime-java input=dense intra_op_threads=1 batch=" + DENSE_BATCH
                    + " rows_per_s=" + SparkBench.f(ortDense) + " request_bytes_per_row=" + 4 * WIDTH);
            SparkBench.result(prefix + "onnxruntime_sparse_over_forward=" + SparkBench.f(ortSparse / ours)
                    + " onnxruntime_sparse_over_dense=" + SparkBench.f(ortSparse / ortDense));
        }
    }

    /** {@link #ROWS} random rows of {@link #NONZEROS} distinct columns, in requests of {@code batch}. */
    private static List<Request> requests(int batch) {
        SplittableRandom random = new SplittableRandom(13);
        List<Request> requests = new ArrayList<>();
        for (int start = 0; start < ROWS; start += batch) {
            int n = Math.min(batch, ROWS - start);
            int[] starts = new int[n + 1];
            int[] columns = new int[n * NONZEROS];
            long[] indices = new long[n * NONZEROS];
            float[] values = new float[n * NONZEROS];
            for (int r = 0; r < n; r++) {
                int[] row = random.ints(0, WIDTH).distinct().limit(NONZEROS).sorted().toArray();
                for (int k = 0; k < NONZEROS; k++) {
                    columns[r * NONZEROS + k] = row[k];
                    indices[r * NONZEROS + k] = row[k];
                    values[r * NONZEROS + k] = (float) random.nextDouble(0, 1);
                }
                starts[r + 1] = (r + 1) * NONZEROS;
            }
            requests.add(new Request(new SparseBatch(n, WIDTH, starts, columns, values), indices, values));
        }
        return requests;
    }

    /** {@link #DENSE_REQUESTS} requests of {@link #DENSE_BATCH} dense rows, taken from {@code source}'s rows. */
    private static List<float[]> denseRequests(Request source) {
        List<float[]> requests = new ArrayList<>();
        for (int b = 0; b < DENSE_REQUESTS; b++) {
            float[] dense = new float[DENSE_BATCH * WIDTH];
            for (int r = 0; r < DENSE_BATCH; r++) {
                int row = (b * DENSE_BATCH + r) % source.batch().rows();
                for (int k = 0; k < NONZEROS; k++) {
                    int at = row * NONZEROS + k;
                    dense[r * WIDTH + (int) source.indices()[at]] = source.values()[at];
                }
            }
            requests.add(dense);
        }
        return requests;
    }
}
