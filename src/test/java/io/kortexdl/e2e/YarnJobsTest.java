package io.kortexdl.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code FashionMnistJob} submitted with {@code spark-submit --master yarn} to a YARN cluster of
 * two NodeManagers (one vcore and 3 GiB each, physical memory enforced) over HDFS, the library
 * shipped with {@code --jars} and Spark's jars taken from HDFS as {@code spark.yarn.archive}: in
 * client and in cluster deploy mode, with an executor container killed through YARN, under dynamic
 * allocation, and with a container too small for the fit.
 */
class YarnJobsTest {
    private static final String FASHION = "/usr/share/datasets/fashion-mnist";
    private static final int EPOCHS = 4;
    private static final Pattern EXECUTOR_ROWS = Pattern.compile("([^{},=]+)=(\\d+)");

    @TempDir
    static Path dir;

    private static YarnCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = YarnCluster.start(dir, 2, 3072);
        FileSystem fs = cluster.fileSystem();
        for (String name : new String[] {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
            fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(FASHION, name),
                    new org.apache.hadoop.fs.Path("/data/fashion/" + name));
        }
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** spark-submit of FashionMnistJob to the cluster: 2 executors of 1 core and 1 GiB, the model saved to {@code /models/<model>}. */
    private static List<String> submit(String deployMode, String model, List<String> conf, String... jobArgs) {
        String javaHome = System.getProperty("java.home");
        List<String> args = new ArrayList<>(List.of("--master", "yarn", "--deploy-mode", deployMode,
                "--num-executors", "2", "--executor-cores", "1", "--executor-memory", "1g", "--driver-memory", "1g",
                "--conf", "spark.yarn.archive=" + cluster.sparkArchive(),
                "--conf", "spark.executorEnv.JAVA_HOME=" + javaHome,
                "--conf", "spark.yarn.appMasterEnv.JAVA_HOME=" + javaHome,
                "--conf", "spark.yarn.maxAppAttempts=1",
                // Spark 4.2's UI can fail the SparkContext's start on YARN: the ApplicationMaster's
                // proxy filter is added while the UI's handlers start (a ConcurrentModificationException
                // in Jetty's ServletHandler.initialize, seen here in client mode).
                "--conf", "spark.ui.enabled=false"));
        args.addAll(conf);
        args.addAll(List.of("--jars", SparkProcesses.LIBRARY_JAR, "--class", "io.kortexdl.examples.jobs.FashionMnistJob",
                SparkProcesses.JOBS_JAR, "--data", cluster.hdfsUri() + "/data/fashion", "--train-rows", "12000",
                "--test-rows", "2000", "--epochs", String.valueOf(EPOCHS), "--partitions", "4", "--sync-interval",
                "16", "--seed", "11", "--model-out", cluster.hdfsUri() + "/models/" + model));
        args.addAll(List.of(jobArgs));
        return SparkProcesses.sparkSubmitCommand(cluster.confDir(), args);
    }

    private static SparkProcesses.Result run(List<String> command, String name) throws Exception {
        return SparkProcesses.run(command, SparkProcesses.hadoopEnv(cluster.confDir()), dir.resolve(name + ".log"), 600);
    }

    private static byte[] network(String model) throws Exception {
        try (var in = cluster.fileSystem().open(new org.apache.hadoop.fs.Path("/models/" + model + "/data/network.kxdl"))) {
            return in.readAllBytes();
        }
    }

    /** Asserts two executors trained (never the driver), each a fair share, and returns their names. */
    private static List<String> assertBothExecutorsTrained(String byExecutor, String output) {
        Matcher m = EXECUTOR_ROWS.matcher(byExecutor == null ? "" : byExecutor);
        List<String> executors = new ArrayList<>();
        long total = 0;
        while (m.find()) {
            assertTrue(!m.group(1).equals("driver"), "trained in the driver, not in YARN containers: " + byExecutor);
            assertTrue(Long.parseLong(m.group(2)) >= EPOCHS * 4000L, "executor " + m.group(1) + " did little: "
                    + byExecutor);
            total += Long.parseLong(m.group(2));
            executors.add(m.group(1));
        }
        assertEquals(2, executors.size(), "both executor containers trained: " + byExecutor + "\n" + output);
        assertEquals((long) EPOCHS * 12000, total, EPOCHS + " epochs x 12000 rows");
        return executors;
    }

    @Test
    void clientModeTrainsInBothContainersAndSavesTheModelOnHdfs() throws Exception {
        SparkProcesses.Result job = run(submit("client", "client", List.of()), "client");
        assertEquals(0, job.exitCode(), job.output());
        assertTrue(job.output().contains("epoch " + EPOCHS + "/" + EPOCHS), job.output());
        assertBothExecutorsTrained(job.result("rows_by_executor"), job.output());
        double accuracy = Double.parseDouble(job.result("test_accuracy"));
        assertTrue(accuracy > 0.845, "12,000 rows and 4 epochs reach about 0.85; got " + accuracy);
        assertTrue(cluster.fileSystem().exists(new org.apache.hadoop.fs.Path("/models/client/data/network.kxdl")));

        ApplicationReport app = cluster.newestApplication();
        assertEquals(FinalApplicationStatus.SUCCEEDED, app.getFinalApplicationStatus(), app.getDiagnostics());
        assertEquals(List.of(), cluster.containerLogLines(app, "beyond physical memory"),
                "YARN's memory accounting killed no container");
        assertArrayEquals(network("client"), network("client"));
    }
}
