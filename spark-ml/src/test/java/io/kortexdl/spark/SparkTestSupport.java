package io.kortexdl.spark;

import io.kortexdl.spark.data.IdxDataFrames;
import java.io.IOException;
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

    private static final String NATIVE_LIB_PROPERTY = "dev.ludovic.netlib.blas.nativeLib";

    /** The BLAS library and CPU kernel this JVM computes on, e.g. OpenBLAS's {@code Haswell}, for failure messages. */
    static String blasKernel() {
        return io.kortexdl.kernels.blas.Blas.system().threads().library();
    }

    /** A fresh session on {@code master} with the UI off; the caller stops it. */
    static SparkSession session(String master) {
        return session(master, java.util.Map.of());
    }

    /** A fresh session on {@code master} with the UI off and {@code conf} set; the caller stops it. */
    static SparkSession session(String master, java.util.Map<String, String> conf) {
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
        // Executors of local-cluster use the native BLAS the tests run on (MKL in the intel-mkl executions).
        String nativeLib = System.getProperty(NATIVE_LIB_PROPERTY);
        SparkSession.Builder builder = SparkSession.builder();
        conf.forEach(builder::config);
        return builder.master(master).appName("kortexdl-test")
                .config("spark.executor.extraJavaOptions", nativeLib == null ? "" : "-D" + NATIVE_LIB_PROPERTY + "=" + nativeLib)
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
        return IdxDataFrames.readMnist(spark, FASHION.toAbsolutePath().toString(), train ? "train" : "t10k", partitions,
                rows).cache();
    }
}
