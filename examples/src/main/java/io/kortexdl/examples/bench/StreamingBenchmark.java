package io.kortexdl.examples.bench;

import io.kortexdl.examples.Args;
import io.kortexdl.examples.data.FashionMnist;
import io.kortexdl.spark.KortexClassificationModel;
import io.kortexdl.spark.KortexClassifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.sql.types.StructType;

/**
 * {@code ./kortex bench streaming}: the same rows scored by a batch {@code transform} and by a
 * Structured Streaming query, and MLlib's MultilayerPerceptronClassifier model on the same
 * stream, in one {@code local[2]} session.
 *
 * <p>The rows are Fashion-MNIST's 60k training images repeated up to {@code --rows} (600k), written
 * once as {@code --files} Parquet files under {@code .kortex/bench}. A stream cannot read a cached
 * DataFrame, so batch and stream both read these files. Every figure is the median of
 * {@code --repetitions} runs into Spark's no-op sink, the batch and the streaming runs taking
 * turns; a streaming run is the wall time of an {@code AvailableNow} query from start to end,
 * checkpointing included. Each model
 * ({@code impl=kortexdl-spark}, and {@code impl=mllib-mlp} trained for a few iterations, which do
 * not change its speed) is measured as:
 * <ul>
 * <li>{@code mode=batch}: {@code spark.read().parquet(dir)}, transformed;</li>
 * <li>{@code mode=stream micro_batches=1}: all files in one micro-batch;</li>
 * <li>{@code mode=stream micro_batches=10}: {@code --files / 10} files a micro-batch.</li>
 * </ul>
 * {@code impl=input-only} is the same without a model: what reading costs, and what Spark's
 * streaming engine adds to it. {@code bench=streaming-latency} is the median
 * {@code triggerExecution} of micro-batches of one 1,000-row file, with and without our model.
 *
 * Arguments: {@code [--data DIR] [--rows 600000] [--files 60] [--repetitions 5] [--epochs 2] [--no-mllib]}.
 */
public final class StreamingBenchmark {
    private static final int[] HIDDEN = {256, 128};
    private static final int LATENCY_ROWS = 1_000;
    private static final int LATENCY_FILES = 12;

    private final SparkSession spark;
    private final Path work;
    private final int repetitions;

    private StreamingBenchmark(SparkSession spark, Path work, int repetitions) {
        this.spark = spark;
        this.work = work;
        this.repetitions = repetitions;
    }

    /** Runs the benchmark; see the class comment. */
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        Path dir = Path.of(args.value("--data", FashionMnist.defaultDir().toString()));
        int rows = args.intValue("--rows", 600_000);
        int files = args.intValue("--files", 60);
        int repetitions = args.intValue("--repetitions", 5);
        int epochs = args.intValue("--epochs", 2);
        boolean mllib = !args.flag("--no-mllib");
        args.finish();
        if (files < 10 || rows < files) {
            Args.fail("--files must be at least 10 and at most --rows");
        }

        SparkSession spark = SparkBench.session("local[2]");
        try {
            Dataset<Row> train = SparkBench.fashion(spark, dir, true, 2);
            StreamingBenchmark bench = new StreamingBenchmark(spark, Path.of(".kortex", "bench", "streaming"),
                    repetitions);
            Path data = bench.repeatedRows(train, rows, files);
            System.out.println("# streaming benchmark: local[2], " + rows + " Fashion-MNIST rows in " + files
                    + " Parquet files (" + data + "), 784-256-128-10, median of " + repetitions);

            Function<Dataset<Row>, Dataset<Row>> inputOnly = Function.identity();
            bench.rates("input-only", inputOnly, data, rows, files);
            KortexClassificationModel ours = new KortexClassifier().setHiddenLayers(HIDDEN).setMaxIter(epochs)
                    .setSeed(7).fit(train);
            double[] oursRates = bench.rates("kortexdl-spark", ours::transform, data, rows, files);
            Path latencyData = bench.latencyRows(train);
            bench.latency("input-only", inputOnly, latencyData);
            bench.latency("kortexdl-spark", ours::transform, latencyData);
            if (mllib) {
                double[] theirs = bench.rates("mllib-mlp", new MultilayerPerceptronClassifier()
                        .setLayers(new int[] {784, 256, 128, 10}).setMaxIter(5).setSeed(7).fit(train)::transform,
                        data, rows, files);
                SparkBench.result("bench=streaming speedup_over_mllib_batch=" + SparkBench.f(oursRates[0] / theirs[0])
                        + " speedup_over_mllib_stream_one_batch=" + SparkBench.f(oursRates[1] / theirs[1])
                        + " speedup_over_mllib_stream_micro_batches=" + SparkBench.f(oursRates[2] / theirs[2]));
            }
        } finally {
            spark.stop();
        }
    }

    /**
     * Rows/s of {@code transform} over the files as a batch, as a stream of one micro-batch and as
     * a stream of ten, run in turn; prints a RESULT line each, the stream's with the median of its
     * runs' rates over the batch run's of the same round.
     */
    private double[] rates(String impl, Function<Dataset<Row>, Dataset<Row>> transform, Path data, int rows,
                           int files) throws Exception {
        String dir = data.toString();
        StructType schema = spark.read().parquet(dir).schema();
        double[][] seconds = Timing.interleavedSeconds(1, repetitions,
                () -> SparkBench.materialiseSeconds(transform.apply(spark.read().parquet(dir))),
                () -> startStream(transform.apply(stream(schema, dir, files))),
                () -> startStream(transform.apply(stream(schema, dir, files / 10))));
        double[] rates = new double[seconds.length];
        for (int mode = 0; mode < seconds.length; mode++) {
            rates[mode] = rows / Timing.median(seconds[mode]);
        }
        String prefix = "bench=streaming impl=" + impl + " rows=" + rows;
        SparkBench.result(prefix + " mode=batch rows_per_s=" + SparkBench.f(rates[0]));
        for (int mode = 1; mode < seconds.length; mode++) {
            double[] ratios = new double[repetitions];
            for (int r = 0; r < repetitions; r++) {
                ratios[r] = seconds[0][r] / seconds[mode][r];
            }
            SparkBench.result(prefix + " mode=stream micro_batches=" + (mode == 1 ? 1 : 10) + " rows_per_s="
                    + SparkBench.f(rates[mode]) + " stream_over_batch=" + SparkBench.f(Timing.median(ratios)));
        }
        return rates;
    }

    /** The median latency of one micro-batch of {@link #LATENCY_ROWS} rows through {@code transform}. */
    private void latency(String impl, Function<Dataset<Row>, Dataset<Row>> transform, Path data) throws Exception {
        String dir = data.toString();
        StructType schema = spark.read().parquet(dir).schema();
        startStream(transform.apply(stream(schema, dir, 1))); // warm-up
        StreamingQueryProgress[] progress = startStream(transform.apply(stream(schema, dir, 1)));
        // The first micro-batch plans the query; the rest are the steady state.
        double[] ms = Arrays.stream(progress).skip(1).filter(p -> p.numInputRows() > 0)
                .mapToDouble(p -> p.durationMs().get("triggerExecution")).toArray();
        SparkBench.result("bench=streaming-latency impl=" + impl + " rows_per_micro_batch=" + LATENCY_ROWS
                + " micro_batches=" + ms.length + " trigger_ms_median=" + SparkBench.f(Timing.median(ms)));
    }

    /** {@link #LATENCY_FILES} Parquet files of {@link #LATENCY_ROWS} training rows each (written once). */
    private Path latencyRows(Dataset<Row> train) {
        Path data = work.resolve("latency-" + LATENCY_ROWS);
        if (!Files.exists(data.resolve("_SUCCESS"))) {
            train.limit(LATENCY_ROWS * LATENCY_FILES).repartition(LATENCY_FILES).write().mode("overwrite")
                    .parquet(data.toString());
        }
        return data;
    }

    private Dataset<Row> stream(StructType schema, String dir, int filesPerTrigger) {
        return spark.readStream().schema(schema).option("maxFilesPerTrigger", filesPerTrigger).parquet(dir);
    }

    /** Runs {@code scored} into the no-op sink until every file is read; its progress reports. */
    private StreamingQueryProgress[] startStream(Dataset<Row> scored) throws IOException, TimeoutException,
            StreamingQueryException {
        Path checkpoint = Files.createTempDirectory("kortexdl-stream-bench");
        try {
            StreamingQuery query = scored.writeStream().format("noop").trigger(Trigger.AvailableNow())
                    .option("checkpointLocation", checkpoint.toString()).start();
            query.awaitTermination();
            return query.recentProgress();
        } finally {
            deleteTree(checkpoint);
        }
    }

    /** The training rows repeated to {@code rows}, as {@code files} Parquet files (written once, then reused). */
    private Path repeatedRows(Dataset<Row> train, int rows, int files) {
        Path data = work.resolve("fashion-" + rows + "-" + files);
        if (!Files.exists(data.resolve("_SUCCESS"))) {
            long have = train.count();
            int copies = (int) ((rows + have - 1) / have);
            Dataset<Row> repeated = train;
            for (int i = 1; i < copies; i++) {
                repeated = repeated.union(train);
            }
            repeated.limit(rows).repartition(files).write().mode("overwrite").parquet(data.toString());
        }
        return data;
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
