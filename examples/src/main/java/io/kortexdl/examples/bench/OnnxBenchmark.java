package io.kortexdl.examples.bench;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.kortexdl.examples.Args;
import io.kortexdl.examples.data.FashionMnist;
import io.kortexdl.kernels.Network;
import io.kortexdl.kernels.onnx.OnnxExport;
import io.kortexdl.spark.KortexClassificationModel;
import io.kortexdl.spark.KortexClassifier;
import io.kortexdl.spark.NetworkWeights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 *     predictions), as a server does ({@link OrtRequests});</li>
 * <li>{@code impl=kortexdl-forward}: the kernels' {@code Network.forwardBatch} on the same requests
 *     (logits only), with the native BLAS single-threaded, from one caller and from two;</li>
 * <li>{@code impl=kortexdl-spark}: {@code transform} of the cached test DataFrame on
 *     {@code local[2]} into Spark's no-op sink (all three columns);</li>
 * <li>{@code bench=onnx-latency}: one row per request, ONNX Runtime (1 thread) against
 *     {@code Network.forward} of one row;</li>
 * <li>{@code bench=onnx-sparse}: a 2^18-wide model on rows of 40 non-zeros, its sparse export
 *     against the kernels' sparse forward pass and its dense export ({@link OnnxSparseBenchmark}).</li>
 * </ul>
 * Figures are rows/s from the median of {@code --repetitions} (7) timings, and the ratios of the
 * median timings (for two threads, against ONNX Runtime's fastest two-thread way); one RESULT
 * line each.
 *
 * <p>Arguments: {@code [--data DIR] [--epochs 3] [--batch 256] [--repetitions 7]}.
 */
public final class OnnxBenchmark {
    private static final int WIDTH = 784;
    private static final int LATENCY_ROWS = 1_000;

    private final OrtRequests ort = new OrtRequests();

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
            int count = rows.length / WIDTH;
            List<float[]> requests = split(rows, count, batch);
            Network network = network(model.weights());
            byte[] onnx = model.onnxWriter().toBytes();
            System.out.println("# onnx benchmark: " + count + " Fashion-MNIST test rows, 784-256-128-10, requests of "
                    + batch + " rows, ONNX opset " + OnnxExport.OPSET + " (" + onnx.length + " bytes), ONNX Runtime "
                    + ort.version() + ", median of " + repetitions);
            try (OrtSession one = ort.session(onnx, 1); OrtSession two = ort.session(onnx, 2)) {
                agreement(one, network, rows, count);
                String prefix = "bench=onnx rows=" + count + " ";
                double[][] seconds = Timing.interleavedSeconds(2, repetitions,
                        () -> ort.scoreDense(one, requests, WIDTH),
                        () -> ort.scoreDense(two, requests, WIDTH),
                        () -> ort.scoreDense(one, List.of(rows), WIDTH),
                        () -> ort.scoreDense(two, List.of(rows), WIDTH),
                        () -> OrtRequests.twoCallers(requests, mine -> ort.scoreDense(one, mine, WIDTH)),
                        () -> OrtRequests.forward(network, requests),
                        () -> OrtRequests.twoCallers(requests, mine -> OrtRequests.forward(network, mine)),
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
            OnnxSparseBenchmark.run(ort, batch, repetitions);
        } finally {
            spark.stop();
        }
    }

    /** How many of the runtime's predictions equal the argmax of the network's own logits. */
    private void agreement(OrtSession session, Network network, float[] rows, int count) throws OrtException {
        float[] logits = network.forwardBatch(rows, count);
        long[] predictions = ort.run(session, Map.of("features", rows), count, WIDTH);
        int same = 0;
        for (int r = 0; r < count; r++) {
            int best = 0;
            for (int j = 1; j < 10; j++) {
                best = logits[r * 10 + j] > logits[r * 10 + best] ? j : best;
            }
            same += predictions[r] == best ? 1 : 0;
        }
        SparkBench.result("bench=onnx-agreement rows=" + count + " predictions_equal_to_forward=" + same);
    }

    /** Seconds per single-row request over {@link #LATENCY_ROWS} rows, both ways in turn. */
    private void latency(OrtSession session, Network network, float[] rows, int repetitions) throws Exception {
        List<float[]> single = split(rows, LATENCY_ROWS, 1);
        double[][] seconds = Timing.interleavedSeconds(2, repetitions,
                () -> ort.scoreDense(session, single, WIDTH),
                () -> OrtRequests.forward(network, single));
        double runtimeUs = Timing.median(seconds[0]) / LATENCY_ROWS * 1e6;
        double forwardUs = Timing.median(seconds[1]) / LATENCY_ROWS * 1e6;
        SparkBench.result("bench=onnx-latency rows_per_request=1 requests=" + LATENCY_ROWS
                + " onnxruntime_java_threads1_us=" + SparkBench.f(runtimeUs) + " kortexdl_forward_threads1_us="
                + SparkBench.f(forwardUs) + " onnxruntime_over_forward=" + SparkBench.f(forwardUs / runtimeUs));
    }

    private static Network network(NetworkWeights weights) {
        Network network = Network.builder().layers(weights.layerSizes()).hiddenActivation(weights.hiddenActivation())
                .parameters(weights.parameters()).build();
        network.enableThreadSafety(true);
        return network;
    }

    private static float[] features(Dataset<Row> test) {
        List<Row> rows = test.select("features").collectAsList();
        float[] values = new float[rows.size() * WIDTH];
        for (int r = 0; r < rows.size(); r++) {
            double[] v = ((Vector) rows.get(r).get(0)).toArray();
            for (int j = 0; j < WIDTH; j++) {
                values[r * WIDTH + j] = (float) v[j];
            }
        }
        return values;
    }

    /** The first {@code count} rows in requests of {@code batch} rows (the last one shorter). */
    private static List<float[]> split(float[] rows, int count, int batch) {
        List<float[]> requests = new ArrayList<>();
        for (int start = 0; start < count; start += batch) {
            int n = Math.min(batch, count - start);
            float[] request = new float[n * WIDTH];
            System.arraycopy(rows, start * WIDTH, request, 0, request.length);
            requests.add(request);
        }
        return requests;
    }
}
