package io.kortexdl.examples.bench;

import io.kortexdl.spark.data.IdxDataFrames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** What the Spark benchmarks share: sessions, cached Fashion-MNIST DataFrames, result lines, peak RSS. */
final class SparkBench {
    private SparkBench() {
    }

    /** A session on {@code master} bound to loopback, with the UI off. */
    static SparkSession session(String master, String... config) {
        SparkSession.Builder builder = SparkSession.builder().master(master).appName("kortexdl-bench")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1").config("spark.sql.shuffle.partitions", "4");
        for (int i = 0; i + 1 < config.length; i += 2) {
            builder.config(config[i], config[i + 1]);
        }
        return builder.getOrCreate();
    }

    /** The Fashion-MNIST training or test set with pixels in [0, 1], cached and materialised. */
    static Dataset<Row> fashion(SparkSession spark, Path dir, boolean train, int partitions) throws IOException {
        String prefix = train ? "train" : "t10k";
        Dataset<Row> data = IdxDataFrames.read(spark, locate(dir, prefix + "-images-idx3-ubyte"),
                locate(dir, prefix + "-labels-idx1-ubyte"), 1 / 255.0, partitions).cache();
        data.count();
        return data;
    }

    private static String locate(Path dir, String name) throws IOException {
        for (String candidate : new String[] {name + ".gz", name}) {
            if (Files.exists(dir.resolve(candidate))) {
                return dir.resolve(candidate).toAbsolutePath().toString();
            }
        }
        throw new IOException(name + "[.gz] not found in " + dir + "; install it with: apt-get install dataset-fashion-mnist");
    }

    /** Prints one machine-readable result line. */
    static void result(String fields) {
        System.out.println("RESULT " + fields);
        System.out.flush();
    }

    static String f(double value) {
        return String.format(Locale.ROOT, "%.4f", value);
    }

    /** This JVM's peak resident set size in MiB (VmHWM), or -1 where /proc is missing. */
    static double peakRssMib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    /** Seconds to write every column of {@code data} to Spark's no-op sink (a full materialisation). */
    static double materialiseSeconds(Dataset<Row> data) {
        long start = System.nanoTime();
        data.write().format("noop").mode("overwrite").save();
        return (System.nanoTime() - start) / 1e9;
    }
}
