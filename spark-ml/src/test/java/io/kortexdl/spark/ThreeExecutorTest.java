package io.kortexdl.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kortexdl.kernels.OptimizerKind;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Three executor JVMs (local-cluster[3,1,1024]) syncing among themselves: both sync modes against
 * a naive serial reimplementation, bitwise reproducibility, and a block read from another
 * executor's cache.
 */
class ThreeExecutorTest {
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.session("local-cluster[3,1,1024]");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** Blocks of unequal size (3 partitions of 301 rows), so some blocks run out of rows before others. */
    private static Dataset<Row> data() {
        return SyntheticData.blobs(spark, 301, 5, 3, 14, 3).cache();
    }

    @Test
    void exactModeEqualsSerialStepsOverTheUnionOfTheThreeShares() {
        Dataset<Row> data = data();
        KortexClassificationModel model = new KortexClassifier().setHiddenLayers(6).setOptimizer("adam")
                .setStepSize(0.01).setStepSizeSchedule("constant").setBatchSize(32).setMaxIter(2).setSyncInterval(1)
                .setSeed(4).fit(data);
        assertEquals(3, model.summary().executors());
        assertEquals(3, model.summary().rowsByExecutor().size(), "all three trained: " + model.summary());
        List<List<Row>> blocks = data.select("features", "label").javaRDD().glom().collect();
        float[] reference = SerialReference.train(blocks, 5, 6, 3, OptimizerKind.ADAM, 0.01f, 32, 2, 1, 4);
        assertArrayEquals(reference, model.weights().parameters(), 2e-5f);
        assertEquals(2L * ((301 + 31) / 32), model.summary().syncs(), "one sync per step");
        // 57 gradient sums and a flag in thirds of 19, 19 and 20 floats.
        assertEquals((19 + 20 + 2 * 19) * 4 + 4 * 8, model.summary().bytesPerSync(), "bytes block 0 sent per step");
    }

    @Test
    void averagingEqualsTheSerialReferenceAndRepeatsBitForBit() {
        Dataset<Row> data = data();
        KortexClassifier estimator = new KortexClassifier().setHiddenLayers(6).setOptimizer("adam").setStepSize(0.01)
                .setStepSizeSchedule("constant").setBatchSize(24).setMaxIter(3).setSyncInterval(4).setSeed(6);
        KortexClassificationModel first = estimator.fit(data);
        KortexClassificationModel second = estimator.fit(data);
        assertEquals(first.weights(), second.weights(), "same seed, data and executors: the same bits");
        List<List<Row>> blocks = data.select("features", "label").javaRDD().glom().collect();
        float[] reference = SerialReference.train(blocks, 5, 6, 3, OptimizerKind.ADAM, 0.01f, 24, 3, 4, 6);
        assertArrayEquals(reference, first.weights().parameters(), 2e-5f);
        float[] exact = SerialReference.train(blocks, 5, 6, 3, OptimizerKind.ADAM, 0.01f, 24, 3, 1, 6);
        assertNotEquals(java.util.Arrays.toString(exact), java.util.Arrays.toString(first.weights().parameters()),
                "averaging is not the exact mode (the reference can tell them apart)");
        long expectedSyncs = 3L * (((301 + 23) / 24 + 3) / 4);
        assertEquals(expectedSyncs, first.summary().syncs(), "one sync every 4 steps");
        // 57 parameters, 114 Adam moments and a flag in thirds of 57, 57 and 58 floats: block 0 sends the other
        // two thirds to their owners, then its own third, summed, to both; 8 header bytes a message.
        assertEquals((57 + 58 + 2 * 57) * 4 + 4 * 8, first.summary().bytesPerSync(), "bytes block 0 sent per sync");
    }

    @Test
    void aDivergenceOnTheExecutorsNamesTheEpochStepBlockAndExecutorInBothModes() {
        Dataset<Row> data = data();
        for (int interval : new int[] {1, 4}) {
            TrainingDivergedException e = org.junit.jupiter.api.Assertions.assertThrowsExactly(
                    TrainingDivergedException.class, () -> new KortexClassifier().setHiddenLayers(6).setOptimizer("sgd")
                            .setStepSize(1e30).setStepSizeSchedule("constant").setBatchSize(24).setMaxIter(3)
                            .setSyncInterval(interval).setSeed(6).fit(data), "syncInterval " + interval);
            assertEquals(1, e.epoch(), e.getMessage());
            assertTrue(e.step() >= 1 && e.step() <= (301 + 23) / 24, e.getMessage());
            assertTrue(e.getMessage().matches("(?s).*diverged at epoch 1, step " + e.step() + " of 13 \\(block [0-2]"
                    + " on executor [0-2]: the batch loss is .*"), e.getMessage());
            assertTrue(e.getMessage().contains("Lower stepSize (it is 1.0E30)"), e.getMessage());
        }
    }

    @Test
    void tooFewExecutorsForTheBlocksFailNamingThemAndTheCheckpoint() {
        long start = System.nanoTime();
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrowsExactly(IllegalStateException.class,
                () -> ExecutorSlots.await(spark.sparkContext(), 4, "/ck/checkpoint-000003.kxck", 500));
        assertTrue(e.getMessage().contains("trains its 4 blocks together") && e.getMessage().contains("only 3 executors")
                && e.getMessage().contains("resume from /ck/checkpoint-000003.kxck"), e.getMessage());
        assertTrue((System.nanoTime() - start) / 1e9 < 10, "waited about the given half second");
        ExecutorSlots.await(spark.sparkContext(), 3, null, 500); // three are there: returns at once
    }

    @Test
    void aBlockWithoutRowsWaitsOutEachEpochOnHeapAndOnDisk() {
        // The first input partition's rows filtered away: block 0 has none (a filter on a partitioned table).
        Dataset<Row> data = data().where(org.apache.spark.sql.functions.spark_partition_id().notEqual(0));
        assertEquals(3, data.rdd().getNumPartitions());
        KortexClassifier classifier = new KortexClassifier().setHiddenLayers(6).setMaxIter(2).setSeed(4);
        KortexClassificationModel memory = classifier.setBlockStorage("memory").fit(data);
        KortexClassificationModel disk = classifier.setBlockStorage("disk").fit(data);
        assertEquals(2, memory.summary().rowsByExecutor().size(), "two blocks trained: " + memory.summary());
        assertEquals(memory.weights(), disk.weights());
    }

    /**
     * Three blocks of 300 rows of 4,000 features on disk: 5 chunks each, streamed in 2 windows, so
     * every epoch reads every chunk. After the first epoch a byte of one chunk is flipped on its
     * executor's disk: the barrier stage that reads it fails, the driver runs the epoch again, finds
     * the block gone, packs it again from the source, and the model keeps every bit.
     */
    @Test
    void aChunkCorruptedOnAnExecutorIsPackedAgainAndTheEpochRunsAgain() throws Exception {
        Dataset<Row> wide = SyntheticData.blobs(spark, 900, 4000, 3, 8, 3).cache();
        KortexClassifier classifier = new KortexClassifier().setHiddenLayers(8).setMaxIter(3).setSeed(4)
                .setBlockStorage("disk").setDiskWindowInMB(1);
        KortexClassificationModel clean = classifier.fit(wide);
        java.util.Set<Integer> cached = JavaSparkContext.fromSparkContext(spark.sparkContext()).getPersistentRDDs()
                .keySet();
        java.nio.file.Path[] flipped = new java.nio.file.Path[1];
        KortexClassificationModel healed = classifier.copy(new org.apache.spark.ml.param.ParamMap())
                .addTrainingListener(record -> {
                    if (record.epoch() == 1) {
                        flipped[0] = chunkFiles(cached).stream().sorted().findFirst().orElseThrow();
                        try {
                            byte[] bytes = java.nio.file.Files.readAllBytes(flipped[0]);
                            bytes[bytes.length / 2] ^= 0x01;
                            java.nio.file.Files.write(flipped[0], bytes);
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }
                }).fit(wide);
        assertTrue(flipped[0] != null, "a chunk was flipped");
        assertEquals(clean.weights(), healed.weights(), "no row of the corrupt chunk was trained on");
        assertEquals(List.of(), chunkFiles(cached), "the fit left no chunk behind");
        wide.unpersist();
    }

    /** The chunk files in the executors' block manager directories (under the temporary directory). */
    private static List<java.nio.file.Path> chunkFiles(java.util.Set<Integer> cachedRdds) {
        List<java.nio.file.Path> files = new java.util.ArrayList<>();
        java.nio.file.Path tmp = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"));
        try (var walk = java.nio.file.Files.find(tmp, 6, (path, attributes) -> attributes.isRegularFile()
                && path.getFileName().toString().matches("rdd_\\d+_\\d+") && path.toString().contains("/blockmgr-"))) {
            walk.filter(path -> !cachedRdds.contains(Integer.parseInt(path.getFileName().toString().split("_")[1])))
                    .forEach(files::add);
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            // a directory that vanished while walking (another JVM's): its files are not this test's
        }
        return files;
    }

    @ParameterizedTest
    @EnumSource(value = BlockStorage.class, names = {"MEMORY", "DISK"})
    void aTaskReadsABlockCachedOnAnotherExecutor(BlockStorage storage) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Dataset<Row> data = SyntheticData.blobs(spark, 300, 4, 3, 2, 3);
        FeatureColumn features = FeatureColumn.of(data.schema(), "features");
        DataPacker.Packed packed = DataPacker.pack(data, new DataPacker.Columns(features, "label", true, null, null,
                FeatureStorage.DENSE, 16, storage, Packing.unlimited()), 3);
        assertEquals(storage == BlockStorage.DISK, packed.onDisk());
        try {
            BlockPlacement placement = BlockPlacement.of(jsc, packed.blocks());
            int rddId = packed.blocks().id();
            // Where each block is cached, and a checksum of each as its own executor reads it.
            Map<Integer, String> holders = new java.util.TreeMap<>();
            Map<Integer, Double> local = new java.util.TreeMap<>();
            for (String line : placement.indices().map(i -> i + " " + org.apache.spark.SparkEnv.get().executorId()
                    + " " + checksum(BlockPlacement.fetch(rddId, i))).collect()) {
                String[] f = line.split(" ");
                holders.put(Integer.parseInt(f[0]), f[1]);
                local.put(Integer.parseInt(f[0]), Double.parseDouble(f[2]));
            }
            // Every executor reads every block: two of the three reads are remote.
            List<String> reads = jsc.parallelize(List.of(0, 1, 2, 3, 4, 5), 6).flatMap(ignored -> {
                List<String> out = new java.util.ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    out.add(i + " " + org.apache.spark.SparkEnv.get().executorId() + " "
                            + checksum(BlockPlacement.fetch(rddId, i)));
                }
                return out.iterator();
            }).collect();
            int remote = 0;
            for (String line : reads) {
                String[] f = line.split(" ");
                int block = Integer.parseInt(f[0]);
                assertEquals(local.get(block), Double.parseDouble(f[2]), "block " + block + " read on executor " + f[1]);
                if (!f[1].equals(holders.get(block))) {
                    remote++;
                }
            }
            assertTrue(remote > 0, "some reads were remote: " + reads + " holders " + holders);
        } finally {
            packed.release();
        }
    }

    /** A checksum of the block's training rows, read chunk by chunk (from another executor's disk when there). */
    private static double checksum(PackedBlock block) {
        double sum = block.block * 1e6 + block.train.rows;
        int i = 0;
        for (int c = 0; c < block.train.chunkCount(); c++) {
            RowChunk chunk = block.train.chunk(c, block.block, null, null);
            for (int v = 0; v < chunk.rows() * 4; v++) {
                sum += chunk.features()[v] * (1 + i++ % 7);
            }
        }
        return sum;
    }
}
