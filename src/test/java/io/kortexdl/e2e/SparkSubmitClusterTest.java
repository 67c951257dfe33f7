package io.kortexdl.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kortexdl.spark.KortexClassificationModel;
import io.kortexdl.spark.data.IdxDataFrames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code FashionMnistJob} submitted with spark-submit to a standalone cluster of two one-core
 * workers on loopback, the library shipped with {@code --jars kortexdl-spark-VERSION-all.jar}:
 * the job succeeds, both executors trained, and the saved model reloads and scores the test rows
 * exactly as the job reported.
 */
class SparkSubmitClusterTest {
    private static final Pattern EXECUTOR_ROWS = Pattern.compile("([^{},=]+)=(\\d+)");

    @TempDir
    Path dir;

    @Test
    void fashionMnistJobTrainsOnBothExecutorsAndItsModelReloads() throws Exception {
        Path model = dir.resolve("model");
        SparkProcesses.Result job;
        try (StandaloneCluster cluster = StandaloneCluster.start(dir.resolve("cluster"), 2, "2g")) {
            job = SparkProcesses.sparkSubmit(List.of("--master", cluster.masterUrl(), "--deploy-mode", "client",
                    "--executor-memory", "1g", "--executor-cores", "1", "--total-executor-cores", "2",
                    "--jars", SparkProcesses.LIBRARY_JAR, "--class", "io.kortexdl.examples.jobs.FashionMnistJob",
                    SparkProcesses.JOBS_JAR, "--train-rows", "12000", "--test-rows", "2000", "--epochs", "2",
                    "--partitions", "4", "--model-out", model.toString()), dir.resolve("submit.log"), 400);
        }
        assertEquals(0, job.exitCode(), job.output());
        assertTrue(job.output().contains("epoch 2/2"), job.output());

        String byExecutor = job.result("rows_by_executor");
        Matcher m = EXECUTOR_ROWS.matcher(byExecutor == null ? "" : byExecutor);
        long total = 0;
        int executors = 0;
        while (m.find()) {
            assertTrue(!m.group(1).equals("driver"), "trained in the driver, not on the cluster: " + byExecutor);
            assertTrue(Long.parseLong(m.group(2)) >= 2 * 4000, "executor " + m.group(1) + " did little: " + byExecutor);
            total += Long.parseLong(m.group(2));
            executors++;
        }
        assertEquals(2, executors, "both executors trained: " + byExecutor + "\n" + job.output());
        assertEquals(2L * 12000, total, "2 epochs x 12000 rows");
        List<String> executorLogs;
        try (var files = Files.walk(dir.resolve("cluster"))) {
            executorLogs = files.filter(p -> p.getFileName().toString().equals("stderr")).map(p -> {
                try {
                    return Files.readString(p);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
        }
        assertEquals(2, executorLogs.stream().filter(log -> log.contains("KortexDL BLAS backend: JNIBLAS (native: true; "
                + "library: OpenBLAS") && log.contains("OPENBLAS_NUM_THREADS=unset")
                && log.contains("KortexDL native BLAS threads: OpenBLAS") && log.contains("runs 1 thread per call")).count(),
                "both executors trained on native OpenBLAS, run with one BLAS thread by the library with no variable "
                + "set (./kortex test installs OpenBLAS):\n" + String.join("\n----\n", executorLogs));

        double reported = Double.parseDouble(job.result("test_accuracy"));
        assertTrue(reported > 0.835, "12,000 rows and 2 epochs reach 0.8435; test accuracy " + reported);
        assertTrue(Files.isRegularFile(model.resolve("data/network.kxdl")), "model written");
        SparkSession spark = SparkSession.builder().master("local[1]").appName("reload")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            KortexClassificationModel loaded = KortexClassificationModel.load(model.toString());
            double accuracy = loaded.evaluate(IdxDataFrames.readMnist(spark, "/usr/share/datasets/fashion-mnist",
                    "t10k", 2, 2000)).accuracy();
            assertEquals(reported, accuracy, 1e-4, "the reloaded model scores the test rows as the job did");
        } finally {
            spark.stop();
        }
    }
}
