package io.kortexdl.spark;

import io.kortexdl.spark.data.IdxDataFrames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Spark sessions and Fashion-MNIST subsets for the tests. */
final class SparkTestSupport {
    static final Path FASHION = Path.of(System.getenv().getOrDefault("KORTEX_FASHION_MNIST",
            "/usr/share/datasets/fashion-mnist"));

    private SparkTestSupport() {
    }

    /** A fresh session on {@code master} with the UI off; the caller stops it. */
    static SparkSession session(String master) {
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
        return SparkSession.builder().master(master).appName("kortexdl-test")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .getOrCreate();
    }

    /**
     * The first {@code rows} rows of the Fashion-MNIST training ({@code train}) or test set, pixels in
     * [0, 1], in file order (a {@code limit} would take rows in shuffle-arrival order on a cluster).
     */
    static Dataset<Row> fashion(SparkSession spark, boolean train, int rows, int partitions) throws IOException {
        String prefix = train ? "train" : "t10k";
        return IdxDataFrames.read(spark, file(prefix + "-images-idx3-ubyte"), file(prefix + "-labels-idx1-ubyte"),
                1 / 255.0, partitions, rows).cache();
    }

    private static String file(String name) throws IOException {
        for (String candidate : new String[] {name + ".gz", name}) {
            Path path = FASHION.resolve(candidate);
            if (Files.exists(path)) {
                return path.toAbsolutePath().toString();
            }
        }
        throw new IOException("Fashion-MNIST file " + name + " not found in " + FASHION
                + " (install the Debian package dataset-fashion-mnist)");
    }
}
