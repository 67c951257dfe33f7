package io.kortexdl.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kortexdl.spark.FailingLocalFileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults during {@code FashionMnistJob} on a standalone cluster of two one-core workers on
 * loopback, each compared with an undisturbed run of the same job: {@code kill -9} of an executor
 * JVM in the middle of the fit, and {@code kill -9} of the driver (the spark-submit JVM) after a
 * checkpoint, followed by a second submit with {@code --resume}. Both must end with the
 * undisturbed run's network, bit for bit. A run resumed with a learning rate that makes it
 * diverge must fail naming the epoch and step and leave the checkpoints as they were. A save over
 * an existing model that fails halfway (a failure injected into the writer) leaves that model
 * loadable.
 */
class ClusterFaultsTest {
    private static final int EPOCHS = 4;

    @TempDir
    static Path dir;

    private static StandaloneCluster cluster;
    private static byte[] undisturbed;

    @BeforeAll
    static void start() throws Exception {
        cluster = StandaloneCluster.start(dir.resolve("cluster"), 2, "2g");
        SparkProcesses.Result reference = SparkProcesses.run(submit("reference", "--checkpoint-dir",
                dir.resolve("reference-checkpoints").toString()), Map.of(), dir.resolve("reference.log"), 400);
        assertEquals(0, reference.exitCode(), reference.output());
        undisturbed = network("reference");
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static List<String> submit(String name, String... extra) {
        List<String> args = new ArrayList<>(List.of("--train-rows", "12000", "--test-rows", "1000", "--epochs",
                String.valueOf(EPOCHS), "--partitions", "4", "--sync-interval", "16", "--seed", "11", "--model-out",
                dir.resolve(name).toString()));
        args.addAll(List.of(extra));
        return cluster.submitFashionMnistJob("1g", args);
    }

    private static byte[] network(String name) throws Exception {
        return Files.readAllBytes(dir.resolve(name).resolve("data/network.kxdl"));
    }

    @Test
    void killingAnExecutorMidFitChangesNoBitOfTheModel() throws Exception {
        StandaloneCluster.ExecutorKill run = cluster.runKillingAnExecutor(submit("executor-kill"),
                dir.resolve("executor-kill.log"), "epoch 1/" + EPOCHS, "epoch " + EPOCHS + "/" + EPOCHS, 400);
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
                dir.resolve("driver-kill.log"), checkpoints.resolve("checkpoint-000002.kxck"), 300);
        assertTrue(!Files.exists(dir.resolve("driver-kill/data/network.kxdl")), "killed before the model was saved");

        SparkProcesses.Result resumed = SparkProcesses.run(submit("driver-kill", "--checkpoint-dir",
                checkpoints.toString(), "--resume"), Map.of(), dir.resolve("driver-resume.log"), 400);
        String out = resumed.output();
        assertEquals(0, resumed.exitCode(), out);
        assertTrue(out.contains("Resuming from the newest checkpoint in"), out);
        assertTrue(!out.contains("epoch 1/" + EPOCHS) && out.contains("epoch " + EPOCHS + "/" + EPOCHS),
                "only the epochs after the checkpoint run again:\n" + out);
        assertArrayEquals(undisturbed, network("driver-kill"), "same network as the undisturbed run\n" + out);
    }

    @Test
    void divergenceNamesEpochAndStepAndLeavesTheCheckpointsIntact() throws Exception {
        Path checkpoints = dir.resolve("reference-checkpoints");
        byte[] last = Files.readAllBytes(checkpoints.resolve("checkpoint-000004.kxck"));
        List<String> command = new ArrayList<>(submit("diverged", "--checkpoint-dir", checkpoints.toString(),
                "--resume", "--lr", "1e30"));
        command.set(command.indexOf("--epochs") + 1, "6");
        SparkProcesses.Result diverged = SparkProcesses.run(command, Map.of(), dir.resolve("diverged.log"), 400);
        String out = diverged.output();
        assertEquals(1, diverged.exitCode(), out);
        assertTrue(out.contains("error: KortexDL training diverged at epoch 5, step "), out);
        assertTrue(out.contains("Lower stepSize (it is 1.0E30)"), out);
        assertTrue(out.contains("checkpoint-000004.kxck, is intact"), out);
        assertArrayEquals(last, Files.readAllBytes(checkpoints.resolve("checkpoint-000004.kxck")));
        assertTrue(!Files.exists(checkpoints.resolve("checkpoint-000005.kxck")), "no checkpoint after the divergence");
        assertTrue(!Files.exists(dir.resolve("diverged")), "no model written");
    }

    @Test
    void aSaveThatFailsHalfwayLeavesTheOldModelInPlace() throws Exception {
        Path model = dir.resolve("saved-over");
        try (var files = Files.walk(dir.resolve("reference"))) {
            for (Path from : files.toList()) {
                Files.copy(from, model.resolve(dir.resolve("reference").relativize(from).toString()));
            }
        }
        // The save goes through a test-owned Hadoop file system that fails on the model's last file.
        List<String> command = new ArrayList<>(submit("saved-over", "--overwrite", "--epochs", "1"));
        command.set(command.indexOf("--model-out") + 1, "failing://" + model);
        String failingFs = Path.of(FailingLocalFileSystem.class.getProtectionDomain().getCodeSource().getLocation()
                .toURI()).toString();
        command = SparkProcesses.withClasspath(command, failingFs);
        command.addAll(command.indexOf("--class"), List.of("--conf", "spark.executor.extraClassPath=" + failingFs,
                "--conf", "spark.hadoop." + FailingLocalFileSystem.IMPL_KEY + "=" + FailingLocalFileSystem.class.getName(),
                "--conf", "spark.hadoop.fs.failing.impl.disable.cache=true"));
        SparkProcesses.Result failed = SparkProcesses.run(command, Map.of(), dir.resolve("saved-over.log"), 400);
        String out = failed.output();
        assertEquals(1, failed.exitCode(), out);
        assertTrue(out.contains("error: injected failure while creating") && out.contains("format.properties"), out);
        assertArrayEquals(undisturbed, network("saved-over"), "the model saved before is still there");
        try (var left = Files.list(dir)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith(".saved-over.")),
                    "no half-written model is left beside it");
        }
        org.apache.spark.sql.SparkSession spark = org.apache.spark.sql.SparkSession.builder().master("local[1]")
                .appName("reload").config("spark.ui.enabled", "false").getOrCreate();
        try {
            assertEquals(io.kortexdl.spark.KortexClassificationModel.load(dir.resolve("reference").toString()).weights(),
                    io.kortexdl.spark.KortexClassificationModel.load(model.toString()).weights(),
                    "it loads as the model it was");
        } finally {
            spark.stop();
        }
    }
}
