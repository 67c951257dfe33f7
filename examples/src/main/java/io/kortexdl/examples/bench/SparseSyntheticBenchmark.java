package io.kortexdl.examples.bench;

import io.kortexdl.examples.Args;
import io.kortexdl.spark.KortexClassificationModel;
import io.kortexdl.spark.KortexClassifier;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * {@code ./kortex bench sparse}: the shape of a {@code HashingTF} column at scale, in
 * {@code local[2]} with a 2 GB driver. Rows of 2^18 columns with 40 non-zeros each (10 from
 * their class's 200 columns, 30 others), 10 classes, generated on the executors. The 30 other
 * columns are drawn {@code --columns uniform} (every column alike: the worst case for caches,
 * each non-zero a cache miss) or {@code --columns zipf} (a column of frequency rank {@code r}
 * with probability proportional to {@code 1/(r+1)}, at hashed positions: how words spread over
 * a {@code HashingTF} space). A {@code KortexClassifier} with only {@code setHiddenLayers(64)}
 * trains {@code --epochs} epochs; a run's training rows/s is its median epoch after the first.
 * Then {@code transform} writes every output column to Spark's no-op sink, median of 3.
 *
 * <p>The machines this runs on are shared and their speed drifts from one minute to the next, so
 * the fit and the transforms are repeated {@code --runs} times on the same cached rows (each fit
 * from scratch, giving the same model): the line gives the median run and the slowest and
 * fastest ({@code _min}, {@code _max}), with the per-run figures in order ({@code _runs}).
 *
 * <p>Lines: {@code RESULT bench=sparse-synthetic ... train_rows_per_s=... transform_rows_per_s=...
 * peak_live_heap_mib=... peak_rss_mib=...}.
 *
 * <p>Arguments: {@code [--rows 200000] [--width 262144] [--nnz 40] [--epochs 4] [--columns uniform|zipf]
 * [--runs 3]}.
 */
public final class SparseSyntheticBenchmark {
    private static final int CLASSES = 10;
    private static final int TOPIC_COLUMNS = 200;
    private static final int FROM_TOPIC = 10;

    private SparseSyntheticBenchmark() {
    }

    /** Runs the benchmark; see the class comment for the arguments. */
    public static void main(String[] argv) {
        Args args = new Args(argv);
        int rows = args.intValue("--rows", 200_000);
        int width = args.intValue("--width", 1 << 18);
        int nnz = args.intValue("--nnz", 40);
        int epochs = args.intValue("--epochs", 4);
        boolean zipf = args.value("--columns", "uniform").equals("zipf");
        int runs = args.intValue("--runs", 3);
        args.finish();
        if (runs < 1) {
            throw new IllegalArgumentException("--runs: expected >= 1, got " + runs);
        }
        SparkSession spark = SparkBench.session("local[2]");
        try (LiveHeap heap = new LiveHeap()) {
            Dataset<Row> data = rows(spark, rows, width, nnz, zipf).cache();
            double generate = SparkBench.materialiseSeconds(data);
            System.out.println("generated and cached " + rows + " rows in " + SparkBench.f(generate) + " s");
            double[] fit = new double[runs];
            double[] epoch = new double[runs];
            double[] transform = new double[runs];
            KortexClassificationModel model = null;
            for (int run = 0; run < runs; run++) {
                long start = System.nanoTime();
                model = new KortexClassifier().setHiddenLayers(64).setMaxIter(epochs).fit(data);
                fit[run] = (System.nanoTime() - start) / 1e9;
                double[] seconds = model.summary().secondsHistory();
                epoch[run] = Timing.median(Arrays.copyOfRange(seconds, Math.min(1, seconds.length - 1),
                        seconds.length));
                double[] scoring = new double[3];
                for (int i = 0; i < scoring.length; i++) {
                    scoring[i] = SparkBench.materialiseSeconds(model.transform(data));
                }
                transform[run] = Timing.median(scoring);
            }
            double accuracy = model.evaluate(data).accuracy();
            SparkBench.result("bench=sparse-synthetic columns=" + (zipf ? "zipf" : "uniform") + " rows=" + rows
                    + " width=" + width + " nnz_per_row=" + nnz
                    + " hidden=64 epochs=" + epochs + " sparse_features=" + model.summary().sparseFeatures()
                    + " batch=" + model.summary().batchSize() + " runs=" + runs
                    + " epoch_s=" + SparkBench.f(Timing.median(epoch))
                    + rates("train_rows_per_s", rows, epoch) + " fit_s=" + SparkBench.f(Timing.median(fit))
                    + " transform_s=" + SparkBench.f(Timing.median(transform))
                    + rates("transform_rows_per_s", rows, transform) + " train_accuracy=" + SparkBench.f(accuracy)
                    + " peak_live_heap_mib=" + SparkBench.f(heap.peakMib()) + " peak_rss_mib="
                    + SparkBench.f(SparkBench.peakRssMib()) + " max_heap_mib="
                    + SparkBench.f(Runtime.getRuntime().maxMemory() / 1048576.0));
        } finally {
            spark.stop();
        }
    }

    /**
     * {@code " name=median name_min=slowest name_max=fastest name_runs=r1,r2,..."}: rows per second
     * of each run, from its seconds.
     */
    private static String rates(String name, int rows, double[] seconds) {
        double[] perSecond = new double[seconds.length];
        StringBuilder each = new StringBuilder();
        for (int i = 0; i < seconds.length; i++) {
            perSecond[i] = rows / seconds[i];
            each.append(i == 0 ? "" : ",").append(Math.round(perSecond[i]));
        }
        double[] sorted = perSecond.clone();
        Arrays.sort(sorted);
        return " " + name + "=" + SparkBench.f(Timing.median(perSecond)) + " " + name + "_min="
                + SparkBench.f(sorted[0]) + " " + name + "_max=" + SparkBench.f(sorted[sorted.length - 1]) + " "
                + name + "_runs=" + each;
    }

    /** The rows, made on the executors from per-row seeds so that no copy passes through the driver. */
    static Dataset<Row> rows(SparkSession spark, int rows, int width, int nnz, boolean zipf) {
        int[][] topics = new int[CLASSES][TOPIC_COLUMNS];
        SplittableRandom topicRandom = new SplittableRandom(7);
        for (int[] topic : topics) {
            for (int k = 0; k < TOPIC_COLUMNS; k++) {
                topic[k] = topicRandom.nextInt(width);
            }
        }
        JavaRDD<Row> made = JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(Arrays.asList(0, 1, 2, 3), 4).flatMap(part -> {
                    int from = (int) ((long) rows * part / 4);
                    int to = (int) ((long) rows * (part + 1) / 4);
                    java.util.List<Row> out = new java.util.ArrayList<>(to - from);
                    for (int r = from; r < to; r++) {
                        SplittableRandom random = new SplittableRandom(0x5EED_0000L + r);
                        int label = random.nextInt(CLASSES);
                        TreeMap<Integer, Double> columns = new TreeMap<>();
                        while (columns.size() < Math.min(FROM_TOPIC, nnz)) {
                            columns.put(topics[label][random.nextInt(TOPIC_COLUMNS)], 1.0);
                        }
                        while (columns.size() < nnz) {
                            columns.put(zipf ? zipfColumn(random, width) : random.nextInt(width), 1.0);
                        }
                        out.add(RowFactory.create(Vectors.sparse(width,
                                columns.keySet().stream().mapToInt(Integer::intValue).toArray(),
                                columns.values().stream().mapToDouble(Double::doubleValue).toArray()), (double) label));
                    }
                    return out.iterator();
                });
        StructType schema = new StructType(new StructField[] {
            new StructField("features", SQLDataTypes.VectorType(), false, Metadata.empty()),
            new StructField("label", DataTypes.DoubleType, false, Metadata.empty())});
        return spark.createDataFrame(made, schema);
    }

    /**
     * A column whose frequency rank {@code r} has probability about {@code 1/(r+1)} (the inverse of
     * the continuous CDF {@code ln(r+1)/ln(width+1)}), placed by an odd multiplier, a bijection of a
     * power-of-two width, so frequent columns are scattered as hashed words are.
     */
    static int zipfColumn(SplittableRandom random, int width) {
        int rank = (int) Math.min(width - 1, Math.floor(Math.pow(width + 1.0, random.nextDouble()) - 1));
        return (int) ((rank * 2654435761L) % width);
    }

    /**
     * The heap this JVM kept live: the largest sum over its heap pools of what the last
     * collection left in them (garbage not counted), sampled every 20 ms by a daemon thread.
     */
    static final class LiveHeap implements AutoCloseable {
        private final Thread sampler;
        private volatile long peak;
        private volatile boolean running = true;

        LiveHeap() {
            sampler = new Thread(() -> {
                while (running) {
                    long live = 0;
                    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                        if (pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null) {
                            live += pool.getCollectionUsage().getUsed();
                        }
                    }
                    peak = Math.max(peak, live);
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "live-heap-sampler");
            sampler.setDaemon(true);
            sampler.start();
        }

        double peakMib() {
            return peak / 1048576.0;
        }

        @Override
        public void close() {
            running = false;
            sampler.interrupt();
        }
    }
}
