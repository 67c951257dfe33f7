package io.kortexdl.examples.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.kortexdl.examples.Args;
import io.kortexdl.examples.data.FashionMnist;
import io.kortexdl.kernels.BlasThreads;
import io.kortexdl.kernels.Network;
import io.kortexdl.kernels.onnx.OnnxExport;
import io.kortexdl.spark.KortexClassificationModel;
import io.kortexdl.spark.KortexClassifier;
import io.kortexdl.spark.NetworkWeights;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code ./kortex bench onnx}: the 10,000 Fashion-MNIST test rows scored by one trained
 * 784-256-128-10 classifier four ways, in one run, the ways taking turns in every repetition:
 * <ul>
 * <li>{@code impl=onnxruntime-java}: its ONNX export in ONNX Runtime for Java, in requests of
 *     {@code --batch} rows (256) and of all rows at once, with 1 and 2 intra-op threads, and with
 *     two callers sharing one single-threaded session (every other request each); each request
 *     makes its input tensor and reads back all three outputs (logits, probabilities,
 *     predictions), as a server does;</li>
 * <li>{@code impl=kortexdl-forward}: the kernels' {@code Network.forwardBatch} on the same requests
 *     (logits only), with the native BLAS single-threaded, from one caller and from two;</li>
 * <li>{@code impl=kortexdl-spark}: {@code transform} of the cached test DataFrame on
 *     {@code local[2]} into Spark's no-op sink (all three columns);</li>
 * <li>{@code bench=onnx-latency}: one row per request, ONNX Runtime (1 thread) against
 *     {@code Network.forward} of one row;</li>
 * <li>{@code bench=onnx-sparse}: a 2^18-wide model on rows of 40 non-zeros, its sparse export
 *     against the kernels' sparse forward pass and its dense export.</li>
 * </ul>
 * Figures are rows/s from the median of {@code --repetitions} (7) timings, and the ratios of the
 * median timings (for two threads, against ONNX Runtime's fastest two-thread way); one RESULT
 * line each.
 *
 * <p>Arguments: {@code [--data DIR] [--epochs 3] [--batch 256] [--repetitions 7]}.
 */
public final class OnnxBenchmark {
    private static final int LATENCY_ROWS = 1_000;
    private static final int SPARSE_ROWS = 10_000;
    private static final int SPARSE_NONZEROS = 40;
    private static final int SPARSE_DENSE_REQUESTS = 16;

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    /** Each request's rows in a direct buffer, made on the warm-up runs. */
    private final Map<float[], FloatBuffer> directBuffers = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<long[], LongBuffer> directLongs = new java.util.concurrent.ConcurrentHashMap<>();

    private OnnxBenchmark() {
    }

    /** Runs the benchmark; see the class comment. */
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        Path dir = Path.of(args.value("--data", FashionMnist.defaultDir().toString()));
        int epochs = args.intValue("--epochs", 3);
        int batch = args.intValue("--batch", 256);
        int repetitions = args.intValue("--repetitions", 7);
        args.finish();
        new OnnxBenchmark().run(dir, epochs, batch, repetitions);
    }

    private void run(Path dir, int epochs, int batch, int repetitions) throws Exception {
        SparkSession spark = SparkBench.session("local[2]");
        try {
            Dataset<Row> test = SparkBench.fashion(spark, dir, false, 2);
            KortexClassificationModel model = new KortexClassifier().setHiddenLayers(256, 128).setMaxIter(epochs)
                    .setSeed(7).fit(SparkBench.fashion(spark, dir, true, 2));
            float[] rows = features(test);
            int count = rows.length / 784;
            List<float[]> requests = split(rows, count, batch);
            Network network = network(model.weights());
            byte[] onnx = model.onnxWriter().toBytes();
            System.out.println("# onnx benchmark: " + count + " Fashion-MNIST test rows, 784-256-128-10, requests of "
                    + batch + " rows, ONNX opset " + OnnxExport.OPSET + " (" + onnx.length + " bytes), ONNX Runtime "
                    + env.getVersion() + ", median of " + repetitions);
            try (OrtSession one = session(onnx, 1); OrtSession two = session(onnx, 2)) {
                agreement(one, network, rows, count);
                String prefix = "bench=onnx rows=" + count + " ";
                double[][] seconds = Timing.interleavedSeconds(2, repetitions,
                        () -> score(one, requests),
                        () -> score(two, requests),
                        () -> score(one, List.of(rows)),
                        () -> score(two, List.of(rows)),
                        () -> twoCallers(requests, mine -> score(one, mine)),
                        () -> forwardOneThread(network, requests),
                        () -> twoCallers(requests, mine -> forwardOneThread(network, mine)),
                        () -> SparkBench.materialiseSeconds(model.transform(test)));
                String[] names = {
                    "impl=onnxruntime-java intra_op_threads=1 callers=1 batch=" + batch,
                    "impl=onnxruntime-java intra_op_threads=2 callers=1 batch=" + batch,
                    "impl=onnxruntime-java intra_op_threads=1 callers=1 batch=" + count,
                    "impl=onnxruntime-java intra_op_threads=2 callers=1 batch=" + count,
                    "impl=onnxruntime-java intra_op_threads=1 callers=2 batch=" + batch,
                    "impl=kortexdl-forward callers=1 batch=" + batch,
                    "impl=kortexdl-forward callers=2 batch=" + batch,
                    "impl=kortexdl-spark master=local[2] partitions=2"};
                double[] medians = new double[names.length];
                for (int i = 0; i < names.length; i++) {
                    medians[i] = Timing.median(seconds[i]);
                    SparkBench.result(prefix + names[i] + " rows_per_s=" + SparkBench.f(count / medians[i]));
                }
                // ONNX Runtime's best use of two threads: intra-op threads on either request size, or two callers.
                double bestTwoThreadOrt = Math.min(Math.min(medians[1], medians[3]), medians[4]);
                SparkBench.result(prefix
                        + "onnxruntime_over_forward_one_thread=" + SparkBench.f(medians[5] / medians[0])
                        + " onnxruntime_over_forward_two_threads=" + SparkBench.f(medians[6] / bestTwoThreadOrt)
                        + " onnxruntime_two_threads_over_spark_transform="
                        + SparkBench.f(medians[7] / bestTwoThreadOrt));
                latency(one, network, rows, repetitions);
            }
            sparse(batch, repetitions);
        } finally {
            spark.stop();
        }
    }

    /**
     * A 2^18-wide sparse model (random weights, 2^18-64-2) on rows of {@link #SPARSE_NONZEROS}
     * non-zeros: its sparse export (indices and values) in ONNX Runtime against the kernels' sparse
     * forward pass on the same requests, and its dense export on requests of 16 rows (a dense row
     * is 1 MiB).
     */
    private void sparse(int batch, int repetitions) throws Exception {
        int width = 1 << 18;
        Network network = Network.builder().layers(width, 64, 2).seed(11).build();
        network.enableThreadSafety(true);
        java.util.SplittableRandom random = new java.util.SplittableRandom(13);
        List<io.kortexdl.kernels.SparseBatch> batches = new ArrayList<>();
        List<long[]> indices = new ArrayList<>();
        List<float[]> values = new ArrayList<>();
        for (int start = 0; start < SPARSE_ROWS; start += batch) {
            int n = Math.min(batch, SPARSE_ROWS - start);
            int[] starts = new int[n + 1];
            int[] columns = new int[n * SPARSE_NONZEROS];
            float[] nonZeros = new float[n * SPARSE_NONZEROS];
            long[] padded = new long[n * SPARSE_NONZEROS];
            for (int r = 0; r < n; r++) {
                int[] row = random.ints(0, width).distinct().limit(SPARSE_NONZEROS).sorted().toArray();
                for (int k = 0; k < SPARSE_NONZEROS; k++) {
                    columns[r * SPARSE_NONZEROS + k] = row[k];
                    padded[r * SPARSE_NONZEROS + k] = row[k];
                    nonZeros[r * SPARSE_NONZEROS + k] = (float) random.nextDouble(0, 1);
                }
                starts[r + 1] = (r + 1) * SPARSE_NONZEROS;
            }
            batches.add(new io.kortexdl.kernels.SparseBatch(n, width, starts, columns, nonZeros));
            indices.add(padded);
            values.add(nonZeros);
        }
        byte[] sparseModel = OnnxExport.of(network).head(io.kortexdl.kernels.onnx.OnnxHead.MULTICLASS)
                .input(io.kortexdl.kernels.onnx.OnnxInput.SPARSE).toBytes();
        byte[] denseModel = OnnxExport.of(network).head(io.kortexdl.kernels.onnx.OnnxHead.MULTICLASS).toBytes();
        List<float[]> denseRequests = new ArrayList<>();
        for (int b = 0; b < SPARSE_DENSE_REQUESTS; b++) {
            float[] dense = new float[16 * width];
            io.kortexdl.kernels.SparseBatch source = batches.get(0);
            for (int r = 0; r < 16; r++) {
                for (int k = 0; k < SPARSE_NONZEROS; k++) {
                    int at = (b * 16 + r) % source.rows() * SPARSE_NONZEROS + k;
                    dense[r * width + (int) indices.get(0)[at]] = values.get(0)[at];
                }
            }
            denseRequests.add(dense);
        }
        try (OrtSession sparseSession = session(sparseModel, 1); OrtSession denseSession = session(denseModel, 1)) {
            double[][] seconds = Timing.interleavedSeconds(2, repetitions,
                    () -> scoreSparse(sparseSession, indices, values),
                    () -> {
                        try (BlasThreads.Section single = network.blas().threads().singleThreaded()) {
                            for (io.kortexdl.kernels.SparseBatch b : batches) {
                                network.forward(b);
                            }
                        }
                    },
                    () -> scoreDense(denseSession, denseRequests, width));
            String prefix = "bench=onnx-sparse width=" + width + " nonzeros=" + SPARSE_NONZEROS + " layers=" + width
                    + "-64-2 ";
            double ort = SPARSE_ROWS / Timing.median(seconds[0]);
            double ours = SPARSE_ROWS / Timing.median(seconds[1]);
            double dense = SPARSE_DENSE_REQUESTS * 16 / Timing.median(seconds[2]);
            SparkBench.result(prefix + "impl=onnxruntime-java input=sparse intra_op_threads=1 batch=" + batch
                    + " rows_per_s=" + SparkBench.f(ort) + " request_bytes_per_row=" + SPARSE_NONZEROS * 12);
            SparkBench.result(prefix + "impl=kortexdl-forward input=sparse callers=1 batch=" + batch + " rows_per_s="
                    + SparkBench.f(ours));
            SparkBench.result(prefix + "impl=onnxruntime-java input=dense intra_op_threads=1 batch=16 rows_per_s="
                    + SparkBench.f(dense) + " request_bytes_per_row=" + 4 * width);
            SparkBench.result(prefix + "onnxruntime_sparse_over_forward=" + SparkBench.f(ort / ours)
                    + " onnxruntime_sparse_over_dense=" + SparkBench.f(ort / dense));
        }
    }

    private long scoreSparse(OrtSession session, List<long[]> indices, List<float[]> values) throws OrtException {
        long sum = 0;
        for (int i = 0; i < indices.size(); i++) {
            long[] index = indices.get(i);
            long[] shape = {index.length / SPARSE_NONZEROS, SPARSE_NONZEROS};
            try (OnnxTensor in = OnnxTensor.createTensor(env, directLongs.computeIfAbsent(index,
                         OnnxBenchmark::direct).duplicate(), shape);
                 OnnxTensor v = OnnxTensor.createTensor(env, directBuffers.computeIfAbsent(values.get(i),
                         OnnxBenchmark::direct).duplicate(), shape);
                 OrtSession.Result result = session.run(Map.of("indices", in, "values", v))) {
                sum += ((OnnxTensor) result.get("prediction").orElseThrow()).getLongBuffer().get(0);
            }
        }
        return sum;
    }

    private long scoreDense(OrtSession session, List<float[]> requests, int width) throws OrtException {
        long sum = 0;
        for (float[] request : requests) {
            try (OnnxTensor input = OnnxTensor.createTensor(env, directBuffers.computeIfAbsent(request,
                         OnnxBenchmark::direct).duplicate(), new long[] {request.length / width, width});
                 OrtSession.Result result = session.run(Map.of("features", input))) {
                sum += ((OnnxTensor) result.get("prediction").orElseThrow()).getLongBuffer().get(0);
            }
        }
        return sum;
    }

    private static LongBuffer direct(long[] values) {
        LongBuffer buffer = ByteBuffer.allocateDirect(8 * values.length).order(ByteOrder.nativeOrder()).asLongBuffer();
        buffer.put(values).flip();
        return buffer;
    }

    /** How many of the runtime's predictions equal the argmax of the network's own logits. */
    private void agreement(OrtSession session, Network network, float[] rows, int count) throws OrtException {
        float[] logits = network.forwardBatch(rows, count);
        int same = 0;
        try (OnnxTensor input = OnnxTensor.createTensor(env, direct(rows), new long[] {count, 784});
             OrtSession.Result result = session.run(Map.of("features", input))) {
            LongBuffer predictions = ((OnnxTensor) result.get("prediction").orElseThrow()).getLongBuffer();
            for (int r = 0; r < count; r++) {
                int best = 0;
                for (int j = 1; j < 10; j++) {
                    best = logits[r * 10 + j] > logits[r * 10 + best] ? j : best;
                }
                same += predictions.get(r) == best ? 1 : 0;
            }
        }
        SparkBench.result("bench=onnx-agreement rows=" + count + " predictions_equal_to_forward=" + same);
    }

    /** Seconds per single-row request over {@link #LATENCY_ROWS} rows, both ways in turn. */
    private void latency(OrtSession session, Network network, float[] rows, int repetitions) throws Exception {
        List<float[]> single = split(rows, LATENCY_ROWS, 1);
        double[][] seconds = Timing.interleavedSeconds(2, repetitions,
                () -> score(session, single),
                () -> forwardOneThread(network, single));
        double ort = Timing.median(seconds[0]) / LATENCY_ROWS * 1e6;
        double ours = Timing.median(seconds[1]) / LATENCY_ROWS * 1e6;
        SparkBench.result("bench=onnx-latency rows_per_request=1 requests=" + LATENCY_ROWS
                + " onnxruntime_java_threads1_us=" + SparkBench.f(ort) + " kortexdl_forward_threads1_us="
                + SparkBench.f(ours) + " onnxruntime_over_forward=" + SparkBench.f(ours / ort));
    }

    private OrtSession session(byte[] onnx, int threads) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(threads);
        options.setInterOpNumThreads(1);
        options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        return env.createSession(onnx, options);
    }

    /**
     * Runs every request; returns a checksum of the predictions so no work can be skipped. The
     * inputs are direct buffers in native order, which ONNX Runtime reads in place: the fastest way
     * to feed it from Java (a heap array is copied into a new direct buffer on every call).
     */
    private long score(OrtSession session, List<float[]> requests) throws OrtException {
        long sum = 0;
        for (float[] request : requests) {
            FloatBuffer direct = directBuffers.computeIfAbsent(request, OnnxBenchmark::direct);
            try (OnnxTensor input = OnnxTensor.createTensor(env, direct.duplicate(),
                    new long[] {request.length / 784, 784});
                 OrtSession.Result result = session.run(Map.of("features", input))) {
                LongBuffer predictions = ((OnnxTensor) result.get("prediction").orElseThrow()).getLongBuffer();
                while (predictions.hasRemaining()) {
                    sum += predictions.get();
                }
            }
        }
        return sum;
    }

    private static FloatBuffer direct(float[] rows) {
        FloatBuffer buffer = ByteBuffer.allocateDirect(4 * rows.length).order(ByteOrder.nativeOrder()).asFloatBuffer();
        buffer.put(rows).flip();
        return buffer;
    }

    private static float forwardOneThread(Network network, List<float[]> requests) {
        float sum = 0;
        try (BlasThreads.Section single = network.blas().threads().singleThreaded()) {
            for (float[] request : requests) {
                sum += network.forwardBatch(request, request.length / 784)[0];
            }
        }
        return sum;
    }

    /** Work on a share of the requests, returning anything (a checksum). */
    @FunctionalInterface
    private interface Share {
        Object score(List<float[]> mine) throws Exception;
    }

    /** Two threads at once, each running {@code share} on every other request. */
    private static void twoCallers(List<float[]> requests, Share share) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Object>> halves = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                List<float[]> mine = new ArrayList<>();
                for (int i = t; i < requests.size(); i += 2) {
                    mine.add(requests.get(i));
                }
                halves.add(pool.submit(() -> share.score(mine)));
            }
            for (Future<Object> half : halves) {
                half.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    private static Network network(NetworkWeights weights) {
        Network network = Network.builder().layers(weights.layerSizes()).hiddenActivation(weights.hiddenActivation())
                .parameters(weights.parameters()).build();
        network.enableThreadSafety(true);
        return network;
    }

    private static float[] features(Dataset<Row> test) {
        List<Row> rows = test.select("features").collectAsList();
        float[] values = new float[rows.size() * 784];
        for (int r = 0; r < rows.size(); r++) {
            double[] v = ((Vector) rows.get(r).get(0)).toArray();
            for (int j = 0; j < 784; j++) {
                values[r * 784 + j] = (float) v[j];
            }
        }
        return values;
    }

    /** The first {@code count} rows in requests of {@code batch} rows (the last one shorter). */
    private static List<float[]> split(float[] rows, int count, int batch) {
        List<float[]> requests = new ArrayList<>();
        for (int start = 0; start < count; start += batch) {
            int n = Math.min(batch, count - start);
            float[] request = new float[n * 784];
            System.arraycopy(rows, start * 784, request, 0, request.length);
            requests.add(request);
        }
        return requests;
    }
}
