package io.kortexdl.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kortexdl.examples.data.FashionMnistParquet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training data larger than the executors' memory, on a standalone cluster of two one-core
 * workers whose executors get 512 MiB (Spark's floor is 450): Fashion-MNIST's training rows 12
 * times over in Parquet, each copy sorted by label (720,000 rows, 2.1 GiB as float32), read as
 * they are, not cached. Each executor's block, 1.05 GiB packed, is twice its heap and five times
 * the 200 MiB that {@code blockStorage=memory} lets it hold, so the default {@code auto} puts every
 * block on local disk; each epoch streams it in windows.
 *
 * <p>{@code FashionMnistJob} runs undisturbed, then with an executor JVM killed ({@code kill -9})
 * in the middle of its second epoch (the lost block is packed again from the Parquet files), then
 * with the driver killed after the first epoch's checkpoint and a second submit that resumes: all
 * three end with the same network, bit for bit. The rows of a label sit together in the input, so
 * a shuffle that failed to mix chunks from across the block would train on one or two classes at
 * a time; the test accuracy stays above a floor such training does not reach.
 */
class OutOfCoreClusterTest {
    private static final int EPOCHS = 2;
    private static final int COPIES = 12;
    /**
     * The recipe reaches 0.880 in two epochs; windows of consecutive chunks (the shuffle without its
     * dealing of chunks over the block) reach 0.634.
     */
    private static final double ACCURACY_FLOOR = 0.85;

    @TempDir
    static Path dir;

    private static StandaloneCluster cluster;
    private static Path parquet;
    private static String undisturbedOut;
    /** The undisturbed run's executor logs (Spark's own log settings: INFO). */
    private static String undisturbedExecutors;
    private static byte[] undisturbed;

    @BeforeAll
    static void start() throws Exception {
        parquet = dir.resolve("fashion-x" + COPIES + ".parquet");
        SparkSession spark = SparkSession.builder().master("local[2]").appName("write-parquet")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
        try {
            FashionMnistParquet.write(spark, System.getenv().getOrDefault("KORTEX_FASHION_MNIST",
                    "/usr/share/datasets/fashion-mnist"), parquet.toString(), COPIES);
        } finally {
            spark.stop();
        }
        cluster = StandaloneCluster.start(dir.resolve("cluster"), 2, "1g");
        SparkProcesses.Result reference = SparkProcesses.run(submit("reference", "--checkpoint-dir",
                dir.resolve("reference-checkpoints").toString()), Map.of(), dir.resolve("reference.log"), 500);
        undisturbedOut = reference.output();
        undisturbedExecutors = executorLogs();
        assertEquals(0, reference.exitCode(), undisturbedOut);
        undisturbed = network("reference");
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static List<String> submit(String name, String... extra) {
        List<String> args = new ArrayList<>(List.of("--train-parquet", parquet.toString(), "--test-rows", "5000",
                "--epochs", String.valueOf(EPOCHS), "--hidden", "64", "--seed", "11", "--model-out",
                dir.resolve(name).toString()));
        args.addAll(List.of(extra));
        return cluster.submitFashionMnistJob("512m", args);
    }

    /** What the executors of the applications so far wrote to stderr, in the workers' directories. */
    private static String executorLogs() throws Exception {
        StringBuilder logs = new StringBuilder();
        try (var files = Files.walk(dir.resolve("cluster"))) {
            for (Path log : files.filter(p -> p.getFileName().toString().equals("stderr")).sorted().toList()) {
                logs.append(Files.readString(log));
            }
        }
        return logs.toString();
    }

    private static byte[] network(String name) throws Exception {
        return Files.readAllBytes(dir.resolve(name).resolve("data/network.kxdl"));
    }

    private static double accuracy(String out) {
        Matcher m = Pattern.compile("RESULT job=fashion-mnist test_accuracy=([0-9.]+)").matcher(out);
        assertTrue(m.find(), out);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void everyBlockGoesToLocalDiskAndTrainsPastTheAccuracyFloor() {
        assertEquals(2, Pattern.compile("KortexDL: block \\d passed [0-9.]+ MiB of packed rows, more than the"
                + " [0-9.]+ MiB block budget of an executor heap of 512.0 MiB .*: it goes to local disk")
                .matcher(undisturbedExecutors).results().count(), undisturbedExecutors);
        assertEquals(2, Pattern.compile("KortexDL: block \\d writes its packed rows to Spark's local directory \\S*"
                + "/blockmgr-").matcher(undisturbedExecutors).results().count(),
                "the block manager's directories the worker gave its executor:\n" + undisturbedExecutors);
        double accuracy = accuracy(undisturbedOut);
        assertTrue(accuracy > ACCURACY_FLOOR, "test accuracy " + accuracy + "\n" + undisturbedOut);
    }

    @Test
    void killingAnExecutorMidFitChangesNoBitOfTheModel() throws Exception {
        StandaloneCluster.ExecutorKill run = cluster.runKillingAnExecutor(submit("executor-kill"),
                dir.resolve("executor-kill.log"), "epoch 1/" + EPOCHS, "epoch " + EPOCHS + "/" + EPOCHS, 500);
        String out = run.result().output();
        assertEquals(0, run.result().exitCode(), out);
        assertTrue(run.killedBefore(), "the executor died before the last epoch:\n" + out);
        assertTrue(out.contains("exited with code 137"), "Spark saw the executor die:\n" + out);
        assertArrayEquals(undisturbed, network("executor-kill"), "same network as the undisturbed run\n" + out);
    }

    @Test
    void aDriverKilledAfterACheckpointResumesToTheSameModel() throws Exception {
        Path checkpoints = dir.resolve("driver-kill-checkpoints");
        StandaloneCluster.runKillingTheDriverAt(submit("driver-kill", "--checkpoint-dir", checkpoints.toString()),
                dir.resolve("driver-kill.log"), checkpoints.resolve("checkpoint-000001.kxck"), 400);
        SparkProcesses.Result resumed = SparkProcesses.run(submit("driver-kill", "--checkpoint-dir",
                checkpoints.toString(), "--resume"), Map.of(), dir.resolve("driver-resume.log"), 500);
        String out = resumed.output();
        assertEquals(0, resumed.exitCode(), out);
        assertTrue(!out.contains("epoch 1/" + EPOCHS) && out.contains("epoch " + EPOCHS + "/" + EPOCHS),
                "only the epoch after the checkpoint runs again:\n" + out);
        assertArrayEquals(undisturbed, network("driver-kill"), "same network as the undisturbed run\n" + out);
    }
}
