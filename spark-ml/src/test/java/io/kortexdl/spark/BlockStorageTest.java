package io.kortexdl.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.spark.SparkEnv;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code blockStorage} in {@code local[2]}, one block of Fashion-MNIST rows: a block on local
 * disk trains the bits of the same block on the heap when it fits one window, and a block
 * streamed in windows gives the same bits run to run and the accuracy of a whole-block shuffle; a
 * chunk corrupted mid-fit is packed again from the source without changing a bit; and no fit,
 * finished, failed or cancelled, leaves a chunk file behind.
 */
class BlockStorageTest {
    private static SparkSession spark;
    private static Dataset<Row> train;
    private static Dataset<Row> test;

    @BeforeAll
    static void start() throws IOException {
        spark = SparkTestSupport.session("local[2]");
        train = SparkTestSupport.fashion(spark, true, 6000, 2);
        test = SparkTestSupport.fashion(spark, false, 2000, 2);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static KortexClassifier classifier(String storage) {
        return new KortexClassifier().setHiddenLayers(64).setMaxIter(4).setSeed(7).setBlockStorage(storage);
    }

    private static double accuracy(KortexClassificationModel model) {
        return new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(model.transform(test));
    }

    /**
     * The chunk files on this JVM's local disk: Spark blocks {@code rdd_<spill>_<chunk>} of an id no
     * RDD of the application has (the cached datasets' own blocks are not counted).
     */
    static List<Path> chunkFiles() {
        java.util.Set<Integer> rdds = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext())
                .getPersistentRDDs().keySet();
        List<Path> files = new ArrayList<>();
        for (java.io.File dir : SparkEnv.get().blockManager().diskBlockManager().localDirs()) {
            try (Stream<Path> walk = Files.walk(dir.toPath())) {
                walk.filter(Files::isRegularFile).forEach(file -> {
                    String name = file.getFileName().toString();
                    if (name.startsWith("rdd_") && !rdds.contains(Integer.parseInt(name.split("_")[1]))) {
                        files.add(file);
                    }
                });
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return files;
    }

    @Test
    void aBlockOnDiskInOneWindowTrainsTheBitsOfTheHeap() {
        KortexClassificationModel memory = classifier("memory").fit(train);
        AtomicInteger filesDuringFit = new AtomicInteger();
        KortexClassificationModel disk = classifier("disk")
                .addTrainingListener(record -> filesDuringFit.set(chunkFiles().size())).fit(train);
        assertTrue(filesDuringFit.get() >= 6, "6,000 rows of 784 features in chunks of 1,024 rows were on disk: "
                + filesDuringFit.get());
        assertEquals(memory.weights(), disk.weights(), "the same rows in the same order");
        assertEquals(List.of(), chunkFiles(), "the fit deleted its chunks");
        assertTrue(accuracy(disk) > 0.78, "accuracy " + accuracy(disk));
    }

    @Test
    void aBlockStreamedInWindowsGivesTheSameBitsTwiceAndTheAccuracyOfTheHeap() {
        // 1 MiB windows: each epoch streams the 6 chunks in 3 windows of 2, shuffling within each.
        KortexClassificationModel first = classifier("disk").setDiskWindowInMB(1).fit(train);
        KortexClassificationModel second = classifier("disk").setDiskWindowInMB(1).fit(train);
        assertEquals(first.weights(), second.weights(), "same bits run to run");
        KortexClassificationModel memory = classifier("memory").fit(train);
        assertFalse(memory.weights().equals(first.weights()), "windows give their own order");
        double windowed = accuracy(first);
        double whole = accuracy(memory);
        assertTrue(Math.abs(windowed - whole) < 0.02, "windowed " + windowed + " against whole " + whole);
        assertTrue(first.summary().epochs().size() == 4 && first.summary().lossHistory()[3] < 0.6,
                "the loss fell: " + java.util.Arrays.toString(first.summary().lossHistory()));
        assertEquals(List.of(), chunkFiles());
    }

    @Test
    void sparseBlocksOnDiskTrainTheBitsOfTheHeap() {
        Dataset<Row> topics = SyntheticData.xorTopics(spark, 1500, 20_000, 1, 2).cache();
        KortexClassifier estimator = new KortexClassifier().setHiddenLayers(16).setMaxIter(3).setSeed(5);
        KortexClassificationModel memory = estimator.copy(new org.apache.spark.ml.param.ParamMap())
                .setBlockStorage("memory").fit(topics);
        KortexClassificationModel disk = estimator.setBlockStorage("disk").fit(topics);
        assertTrue(disk.summary().sparseFeatures(), "packed as sparse rows");
        assertEquals(memory.weights(), disk.weights());
        assertEquals(List.of(), chunkFiles());
        topics.unpersist();
    }

    @Test
    void aChunkCorruptedMidFitIsPackedAgainWithoutChangingABit() throws Exception {
        KortexClassificationModel clean = classifier("disk").setDiskWindowInMB(1).fit(train);
        byte[][] original = new byte[1][];
        Path[] corrupted = new Path[1];
        boolean[] restored = {false};
        KortexClassificationModel healed = classifier("disk").setDiskWindowInMB(1).addTrainingListener(record -> {
            try {
                if (record.epoch() == 1) {
                    corrupted[0] = chunkFiles().stream().sorted().findFirst().orElseThrow();
                    original[0] = Files.readAllBytes(corrupted[0]);
                    byte[] flipped = original[0].clone();
                    flipped[flipped.length / 2] ^= 0x10;
                    Files.write(corrupted[0], flipped);
                } else if (record.epoch() == 3) {
                    restored[0] = java.util.Arrays.equals(original[0], Files.readAllBytes(corrupted[0]));
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).fit(train);
        assertTrue(restored[0], "the block was packed again from its source: the chunk holds its bytes again");
        assertEquals(clean.weights(), healed.weights(), "no row of the corrupt chunk was trained on");
        assertEquals(List.of(), chunkFiles());
    }

    @Test
    void noFitFinishedFailedOrCancelledLeavesAChunkBehind() throws Exception {
        Dataset<Row> small = train.limit(1500).cache();
        for (int i = 0; i < 20; i++) {
            new KortexClassifier().setHiddenLayers(8).setMaxIter(1).setSeed(i).setBlockStorage("disk").fit(small);
            assertEquals(List.of(), chunkFiles(), "after fit " + (i + 1));
        }
        // Failed: the last row's label is not a class, found after the other rows' chunks were written.
        Dataset<Row> one = small.coalesce(1);
        Dataset<Row> badLast = one.withColumn("label", functions.when(functions.monotonically_increasing_id()
                .equalTo(small.count() - 1), functions.lit(-1.0)).otherwise(functions.col("label")));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> classifier("disk").fit(badLast));
        assertTrue(bad.getMessage().contains("class labels must be whole numbers"), bad.getMessage());
        assertEquals(List.of(), chunkFiles(), "after a fit refused for a bad row");
        // Failed: a listener throws after the first epoch.
        assertThrows(IllegalStateException.class, () -> classifier("disk").addTrainingListener(record -> {
            throw new IllegalStateException("stop");
        }).fit(train));
        assertEquals(List.of(), chunkFiles(), "after a fit a listener failed");
        // Cancelled: the job group of a fit is cancelled as the job of its third epoch starts.
        org.apache.spark.scheduler.SparkListener canceller = new org.apache.spark.scheduler.SparkListener() {
            @Override
            public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart start) {
                String description = start.properties().getProperty("spark.job.description", "");
                if (description.endsWith("epoch 3/50")) {
                    spark.sparkContext().cancelJobGroup("kortexdl-cancelled");
                }
            }
        };
        spark.sparkContext().addSparkListener(canceller);
        try {
            Exception cancelled = assertThrows(Exception.class, () -> {
                spark.sparkContext().setJobGroup("kortexdl-cancelled", "a fit to cancel", true);
                try {
                    classifier("disk").setMaxIter(50).setDiskWindowInMB(1).fit(train);
                } finally {
                    spark.sparkContext().clearJobGroup();
                }
            });
            assertTrue(String.valueOf(cancelled.getMessage()).contains("cancel"), String.valueOf(cancelled));
        } finally {
            spark.sparkContext().removeSparkListener(canceller);
        }
        assertEquals(List.of(), chunkFiles(), "after a cancelled fit");
        small.unpersist();
    }
}
