package io.kortexdl.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints on {@code local[2]}: a fit interrupted after an epoch and resumed ends with the same
 * bits as an uninterrupted one; files are written whole and pruned; damaged or foreign
 * checkpoints are refused or skipped by name; a divergence names its epoch and step and leaves
 * the last checkpoint intact.
 */
class CheckpointTest {
    private static SparkSession spark;
    private static Dataset<Row> data;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.session("local[2]");
        // In file order and cached: every fit sees the same rows in the same partitions.
        data = SyntheticData.blobs(spark, 1500, 6, 3, 21, 2)
                .withColumn("isValidation", functions.rand(3).lt(0.2)).cache();
        data.count();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static KortexClassifier classifier() {
        return new KortexClassifier().setHiddenLayers(16).setMaxIter(5).setBatchSize(64).setSeed(4)
                .setValidationIndicatorCol("isValidation").setEarlyStoppingPatience(10);
    }

    private static List<String> checkpoints(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".crc")).sorted().toList();
        }
    }

    /** A fit that fails, as if its driver died, once epoch {@code epoch} has been reported. */
    private static void interruptedAfter(KortexClassifier c, int epoch) {
        c.addTrainingListener(r -> {
            if (r.epoch() == epoch) {
                throw new IllegalStateException("interrupted after epoch " + epoch);
            }
        });
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.fit(data));
        assertEquals("interrupted after epoch " + epoch, e.getMessage());
    }

    @Test
    void resumedFitEqualsUninterruptedFitBitForBit() throws IOException {
        KortexClassificationModel whole = classifier().setCheckpointDir(dir.resolve("whole").toString())
                .setKeepCheckpoints(2).fit(data);
        assertEquals(List.of("checkpoint-000004.kxck", "checkpoint-000005.kxck"), checkpoints(dir.resolve("whole")),
                "the two newest are kept, nothing temporary is left");

        Path broken = dir.resolve("broken");
        // Listeners hear of an epoch after its checkpoint is written: the newest is epoch 3's.
        interruptedAfter(classifier().setCheckpointDir(broken.toString()), 3);
        assertEquals(List.of("checkpoint-000002.kxck", "checkpoint-000003.kxck"), checkpoints(broken));

        KortexClassificationModel resumed = classifier().setCheckpointDir(broken.toString())
                .setResumeFrom(broken.toString()).fit(data);
        assertArrayEquals(whole.weights().parametersView(), resumed.weights().parametersView(),
                "resumed after epoch 3, the model has the uninterrupted fit's bits, on "
                        + SparkTestSupport.blasKernel());
        assertArrayEquals(whole.summary().lossHistory(), resumed.summary().lossHistory(), "the history continues");
        assertArrayEquals(whole.summary().validationMetricHistory(), resumed.summary().validationMetricHistory());
        assertEquals(whole.summary().bestEpoch(), resumed.summary().bestEpoch());
        assertEquals(whole.summary().rowsByExecutor(), resumed.summary().rowsByExecutor());
    }

    @Test
    void aDamagedNewestCheckpointIsSkippedForTheOneBefore() throws IOException {
        KortexClassificationModel whole = classifier().fit(data);
        Path broken = dir.resolve("broken");
        interruptedAfter(classifier().setCheckpointDir(broken.toString()).setKeepCheckpoints(5), 4);
        Path newest = broken.resolve("checkpoint-000004.kxck");
        byte[] bytes = Files.readAllBytes(newest);
        bytes[bytes.length / 2] ^= 0x10;
        Files.write(newest, bytes);
        Files.deleteIfExists(broken.resolve(".checkpoint-000004.kxck.crc")); // so our own checksum must catch it

        IllegalArgumentException direct = assertThrows(IllegalArgumentException.class,
                () -> classifier().setResumeFrom(newest.toString()).fit(data));
        assertTrue(direct.getMessage().contains("checkpoint-000004.kxck is damaged: its checksum does not match"),
                direct.getMessage());
        KortexClassificationModel resumed = classifier().setResumeFrom(broken.toString()).fit(data);
        assertArrayEquals(whole.weights().parametersView(), resumed.weights().parametersView(),
                "resumed from epoch 3's checkpoint");
    }

    @Test
    void aFinishedFitResumesToTheSameModelWithoutTraining() {
        Path ck = dir.resolve("done");
        KortexClassificationModel done = classifier().setMaxIter(3).setCheckpointDir(ck.toString()).fit(data);
        List<Integer> epochsRun = new java.util.ArrayList<>();
        KortexClassificationModel again = classifier().setMaxIter(3).setResumeFrom(ck.toString())
                .addTrainingListener(r -> epochsRun.add(r.epoch())).fit(data);
        assertTrue(epochsRun.isEmpty(), "no epoch left to run: " + epochsRun);
        assertArrayEquals(done.weights().parametersView(), again.weights().parametersView());
        assertEquals(3, again.summary().totalIterations());
    }

    @Test
    void aCheckpointOfAnotherFitIsRefusedByWhatDiffers() {
        Path ck = dir.resolve("other");
        classifier().setMaxIter(1).setCheckpointDir(ck.toString()).fit(data);
        IllegalArgumentException layers = assertThrows(IllegalArgumentException.class,
                () -> classifier().setHiddenLayers(8).setResumeFrom(ck.toString()).fit(data));
        assertTrue(layers.getMessage().contains("was written by a fit with layers [6, 16, 3] (this fit: [6, 8, 3])"),
                layers.getMessage());
        IllegalArgumentException seed = assertThrows(IllegalArgumentException.class,
                () -> classifier().setSeed(5).setResumeFrom(ck.toString()).fit(data));
        assertTrue(seed.getMessage().contains("seed 4 (this fit: 5)"), seed.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> classifier().setResumeFrom(dir.resolve("nowhere").toString()).fit(data));
        assertTrue(missing.getMessage().contains("nowhere does not exist"), missing.getMessage());
    }

    @Test
    void divergenceNamesEpochAndStepAndKeepsTheLastCheckpoint() throws IOException {
        Path ck = dir.resolve("diverging");
        KortexClassifier sgd = classifier().setOptimizer("sgd").setStepSize(0.05).setStepSizeSchedule("constant");
        sgd.setMaxIter(1).setCheckpointDir(ck.toString()).fit(data);
        byte[] good = Files.readAllBytes(ck.resolve("checkpoint-000001.kxck"));

        TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                () -> classifier().setOptimizer("sgd").setStepSize(1e30).setStepSizeSchedule("constant").setMaxIter(3)
                        .setCheckpointDir(ck.toString()).setResumeFrom(ck.toString()).fit(data));
        assertEquals(2, e.epoch(), e.getMessage());
        assertTrue(e.step() >= 1 && e.step() <= (1200 + 63) / 64, e.getMessage());
        assertTrue(e.getMessage().contains("diverged at epoch 2, step " + e.step() + " of "), e.getMessage());
        assertTrue(e.getMessage().contains("Lower stepSize (it is 1.0E30)"), e.getMessage());
        assertTrue(e.lastCheckpoint().endsWith("checkpoint-000001.kxck"), e.lastCheckpoint());
        assertArrayEquals(good, Files.readAllBytes(ck.resolve("checkpoint-000001.kxck")), "the last good one is intact");
        assertEquals(List.of("checkpoint-000001.kxck"), checkpoints(ck), "nothing written after the divergence");

        TrainingDivergedException fresh = assertThrows(TrainingDivergedException.class,
                () -> classifier().setOptimizer("sgd").setStepSize(1e30).fit(data));
        assertEquals(1, fresh.epoch());
        assertNull(fresh.lastCheckpoint());
        assertFalse(fresh.getMessage().contains("checkpoint"), fresh.getMessage());
    }
}
