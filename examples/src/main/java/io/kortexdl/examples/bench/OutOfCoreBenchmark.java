package io.kortexdl.examples.bench;

import io.kortexdl.examples.Args;
import io.kortexdl.examples.data.FashionMnist;
import io.kortexdl.examples.data.FashionMnistParquet;
import io.kortexdl.spark.KortexClassificationModel;
import io.kortexdl.spark.KortexClassifier;
import io.kortexdl.spark.KortexTrainingSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code ./kortex bench out-of-core}: training from local disk against training from the heap, on
 * the launcher's standalone cluster of two one-core executors at Spark's default 1 GiB, with
 * Fashion-MNIST's 60,000 training rows repeated to at least {@code --heap-multiple} times what the
 * executors' heaps hold, read from Parquet and not cached, as a table on HDFS or S3 would be.
 *
 * <p>Each configuration is an application of its own (its executors' peak RSS is its own); every
 * fit prints each epoch's seconds, and rows/s is over the median of the steady epochs, those after
 * the first two (the executors' JIT warms up over the first; a block on disk also allocates its
 * windows' buffers over the first two).
 * <ul>
 *   <li><b>Warm</b>: {@code --subset-copies} copies (a block that fits the heap), trained with
 *       {@code blockStorage=memory} and with {@code disk}, whose chunks stay in the page cache:
 *       {@code disk_over_memory}, the goal at least 0.9.</li>
 *   <li><b>Cold</b>: every copy with the default {@code blockStorage=auto}, which puts the blocks on
 *       disk; as root the page cache is dropped after every epoch, so each epoch reads the disk.
 *       The disk's sequential read rate (a 2 GiB file in the same file system, read cold in 4 MiB
 *       reads) is measured in the same run: {@code over_reference} is the rows/s over the smaller
 *       of the warm memory rate and the disk's rate in rows, the goal at least 0.8.</li>
 *   <li>Each fit's test accuracy, packing seconds (the fit's time before its first epoch) and the
 *       executors' peak RSS against heap plus the two resident windows.</li>
 *   <li><b>Accuracy</b>: 10 epochs of Fashion-MNIST (784-256-128-10) from the heap and from disk
 *       (each block streamed in its windows), for seeds 7, 8 and 9, with the rows in the files'
 *       order and sorted by label: {@code disk_minus_memory} per seed, its median and largest
 *       magnitude.</li>
 *   <li>Read methods: 1 MiB chunks read into float arrays through a pooled direct buffer
 *       (what the trainer does), a pooled heap buffer, a memory map and a stream, warm and cold.</li>
 * </ul>
 *
 * <p>Arguments: {@code --master spark://127.0.0.1:7077 [--data DIR] [--work DIR] [--heap-multiple 4]
 * [--subset-copies 2] [--epochs 8] [--executor-memory 1g] [--no-read-methods | --read-methods-only]
 * [--no-accuracy]}.
 */
public final class OutOfCoreBenchmark {
    private static final long MIB = 1L << 20;
    /** Bytes of a packed Fashion-MNIST row: 784 float32 pixels and the label. */
    private static final long ROW_BYTES = 785L * Float.BYTES;

    private OutOfCoreBenchmark() {
    }

    /** Runs the benchmark; see the class comment. */
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        String master = args.value("--master", "spark://127.0.0.1:7077");
        Path fashion = Path.of(args.value("--data", FashionMnist.defaultDir().toString()));
        Path work = Path.of(args.value("--work", ".kortex/bench-out-of-core")).toAbsolutePath();
        int heapMultiple = args.intValue("--heap-multiple", 4);
        int subsetCopies = args.intValue("--subset-copies", 2);
        int epochs = args.intValue("--epochs", 8);
        String executorMemory = args.value("--executor-memory", "1g");
        boolean readMethods = args.values("--no-read-methods") == null;
        boolean onlyReadMethods = args.values("--read-methods-only") != null;
        boolean accuracy = args.values("--no-accuracy") == null;
        args.finish();

        long heapBytes = 2 * parseMib(executorMemory) * MIB;
        int copies = (int) Math.ceil(heapMultiple * (double) heapBytes / (60_000 * ROW_BYTES));
        boolean root = Files.isWritable(Path.of("/proc/sys/vm/drop_caches"));
        if (readMethods || onlyReadMethods) {
            ChunkReads.compare(work.resolve("read-methods"), root);
        }
        if (onlyReadMethods) {
            return;
        }
        if (accuracy) {
            accuracy(master, executorMemory, fashion, prepare(fashion, work, 1));
        }
        Path parquet = prepare(fashion, work, copies);
        System.out.printf(Locale.ROOT, "# %d copies of Fashion-MNIST (%,d rows, %.2f GiB as float32) against two"
                + " executors of %s: %.1fx their heaps%n", copies, copies * 60_000L,
                copies * 60_000L * ROW_BYTES / (double) (1L << 30), executorMemory,
                copies * 60_000L * ROW_BYTES / (double) heapBytes);

        Fit memory = fit(master, executorMemory, fashion, parquet, subsetCopies, "memory", epochs, false);
        Fit disk = fit(master, executorMemory, fashion, parquet, subsetCopies, "disk", epochs, false);
        SparkBench.result("bench=out-of-core what=warm rows=" + memory.rows + " disk_rows_per_s=" + SparkBench.f(disk.rate)
                + " memory_rows_per_s=" + SparkBench.f(memory.rate) + " disk_over_memory="
                + SparkBench.f(disk.rate / memory.rate) + " goal=0.9");

        double diskBytesPerSecond = root ? sequentialRead(work) : Double.NaN;
        Fit cold = fit(master, executorMemory, fashion, parquet, copies, "auto", epochs, root);
        double diskRows = diskBytesPerSecond / ROW_BYTES;
        double reference = Double.isNaN(diskRows) ? memory.rate : Math.min(memory.rate, diskRows);
        SparkBench.result("bench=out-of-core what=cold rows=" + cold.rows + " page_cache="
                + (root ? "dropped_every_epoch" : "not_dropped_(needs_root)") + " rows_per_s=" + SparkBench.f(cold.rate)
                + " memory_rows_per_s=" + SparkBench.f(memory.rate) + " disk_read_mb_per_s="
                + SparkBench.f(diskBytesPerSecond / 1e6) + " disk_rows_per_s=" + SparkBench.f(diskRows)
                + " over_reference=" + SparkBench.f(cold.rate / reference) + " goal=0.8");
    }

    /**
     * Test accuracy after 10 epochs from the heap and from disk, seeds 7, 8 and 9, with the rows in
     * the files' order and sorted by label ({@code sorted}, one copy of {@link FashionMnistParquet}).
     */
    private static void accuracy(String master, String executorMemory, Path fashion, Path sorted) throws IOException {
        SparkSession spark = SparkBench.session(master, "spark.cores.max", "2", "spark.executor.cores", "1",
                "spark.executor.memory", executorMemory);
        try {
            Dataset<Row> test = SparkBench.fashion(spark, fashion, false, 2);
            Dataset<Row> fileOrder = SparkBench.fashion(spark, fashion, true, 4);
            Dataset<Row> bySorted = spark.read().parquet(sorted.toString()).select("features", "label");
            for (String order : new String[] {"file", "label_sorted"}) {
                Dataset<Row> train = order.equals("file") ? fileOrder : bySorted;
                double[] differences = new double[3];
                for (int i = 0; i < differences.length; i++) {
                    int seed = 7 + i;
                    double[] byStorage = new double[2];
                    for (int s = 0; s < 2; s++) {
                        String storage = s == 0 ? "memory" : "disk";
                        KortexClassificationModel model = new KortexClassifier().setHiddenLayers(256, 128)
                                .setMaxIter(10).setSeed(seed).setBlockStorage(storage).fit(train);
                        byStorage[s] = model.evaluate(test).accuracy();
                        SparkBench.result("bench=out-of-core-accuracy order=" + order + " seed=" + seed + " storage="
                                + storage + " epochs=10 test_accuracy=" + SparkBench.f(byStorage[s]));
                    }
                    differences[i] = 100 * (byStorage[1] - byStorage[0]);
                }
                SparkBench.result("bench=out-of-core-accuracy order=" + order + " disk_minus_memory_points="
                        + Arrays.stream(differences).mapToObj(SparkBench::f).collect(Collectors.joining(","))
                        + " median=" + SparkBench.f(Timing.median(differences.clone())) + " largest_magnitude="
                        + SparkBench.f(Arrays.stream(differences).map(Math::abs).max().orElse(Double.NaN)) + " goal=0.3");
            }
        } finally {
            spark.stop();
        }
    }

    /** One fit's figures. */
    private record Fit(long rows, double rate) {
    }

    /**
     * A fit of {@code copies} copies from Parquet in an application of its own, printing one
     * RESULT line; with {@code dropCaches}, the page cache is dropped after every epoch.
     */
    private static Fit fit(String master, String executorMemory, Path fashion, Path parquet, int copies,
                           String storage, int epochs, boolean dropCaches) throws IOException {
        SparkSession spark = SparkBench.session(master, "spark.cores.max", "2", "spark.executor.cores", "1",
                "spark.executor.memory", executorMemory, "spark.sql.files.maxPartitionBytes", "64m");
        try {
            Dataset<Row> train = spark.read().parquet(parquet.toString()).where("copy < " + copies)
                    .select("features", "label");
            Dataset<Row> test = SparkBench.fashion(spark, fashion, false, 2);
            List<Double> dropSeconds = new ArrayList<>();
            KortexClassifier classifier = new KortexClassifier().setHiddenLayers(256, 128)
                    .setMaxIter(epochs).setSeed(7).setBlockStorage(storage);
            if (dropCaches) {
                classifier.addTrainingListener(record -> dropSeconds.add(dropPageCache()));
            }
            long start = System.nanoTime();
            KortexClassificationModel model = classifier.fit(train);
            double fitSeconds = (System.nanoTime() - start) / 1e9;
            KortexTrainingSummary summary = model.summary();
            double[] seconds = summary.secondsHistory();
            long rows = summary.rowsByExecutor().values().stream().mapToLong(Long::longValue).sum() / seconds.length;
            double steady = Timing.median(Arrays.copyOfRange(seconds, Math.min(2, seconds.length - 1), seconds.length));
            double packSeconds = fitSeconds - Arrays.stream(seconds).sum()
                    - dropSeconds.stream().mapToDouble(Double::doubleValue).sum();
            SparkBench.result("bench=out-of-core fit=" + storage + " copies=" + copies + " rows=" + rows
                    + " gib=" + SparkBench.f(rows * ROW_BYTES / (double) (1L << 30)) + " executors=" + summary.executors()
                    + " executor_memory=" + executorMemory + " epochs=" + epochs + " epoch_s=" + SparkBench.f(steady)
                    + " rows_per_s=" + SparkBench.f(rows / steady) + " epoch_s_all=" + Arrays.stream(seconds)
                    .mapToObj(SparkBench::f).collect(Collectors.joining(",")) + " pack_s=" + SparkBench.f(packSeconds)
                    + " test_accuracy=" + SparkBench.f(model.evaluate(test).accuracy()) + " executor_peak_rss_mib="
                    + executorPeakRss() + " heap_mib=" + parseMib(executorMemory) + " windows_mib="
                    + 2 * new KortexClassifier().getDiskWindowInMB());
            return new Fit(rows, rows / steady);
        } finally {
            spark.stop();
        }
    }

    /** Writes the copies once as Parquet ({@link FashionMnistParquet}); reuses them after. */
    private static Path prepare(Path fashion, Path work, int copies) throws IOException {
        Path parquet = work.resolve("fashion-x" + copies + ".parquet");
        if (Files.exists(parquet.resolve("_SUCCESS"))) {
            return parquet;
        }
        Files.createDirectories(work);
        SparkSession spark = SparkBench.session("local[2]");
        try {
            long start = System.nanoTime();
            FashionMnistParquet.write(spark, fashion.toString(), parquet.toString(), copies);
            System.out.printf(Locale.ROOT, "# wrote %s in %.1f s%n", parquet, (System.nanoTime() - start) / 1e9);
        } finally {
            spark.stop();
        }
        return parquet;
    }

    /** Drops the page cache (root only); returns the seconds it took. */
    static double dropPageCache() {
        long start = System.nanoTime();
        try {
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "1");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("dropping the page cache needs root", e);
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /** Bytes per second of a cold sequential read of a 2 GiB file in {@code work}'s file system, 4 MiB at a time. */
    private static double sequentialRead(Path work) throws IOException {
        Path file = work.resolve("sequential-read.bin");
        ChunkReads.writeFile(file, 2L << 30);
        try {
            dropPageCache();
            long start = System.nanoTime();
            long read = ChunkReads.readAll(file);
            double seconds = (System.nanoTime() - start) / 1e9;
            SparkBench.result("bench=out-of-core what=disk_sequential_read bytes=" + read + " mb_per_s="
                    + SparkBench.f(read / seconds / 1e6));
            return read / seconds;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** The peak resident set (VmHWM, MiB) of each executor JVM on this machine, joined by "/". */
    private static String executorPeakRss() {
        List<String> peaks = new ArrayList<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String cmdline = Files.readString(proc.resolve("cmdline"));
                    if (!cmdline.contains("CoarseGrainedExecutorBackend")) {
                        continue;
                    }
                    for (String line : Files.readAllLines(proc.resolve("status"))) {
                        if (line.startsWith("VmHWM:")) {
                            peaks.add(Long.toString(Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024));
                        }
                    }
                } catch (IOException e) {
                    // a process that ended meanwhile
                }
            }
        } catch (IOException e) {
            return "unknown";
        }
        return peaks.isEmpty() ? "unknown" : String.join("/", peaks);
    }

    private static long parseMib(String memory) {
        String m = memory.trim().toLowerCase(Locale.ROOT);
        long value = Long.parseLong(m.replaceAll("[^0-9]", ""));
        return m.endsWith("g") ? value * 1024 : value;
    }
}
