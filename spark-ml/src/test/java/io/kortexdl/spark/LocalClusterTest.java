package io.kortexdl.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kortexdl.kernels.OptimizerKind;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.storage.RDDInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two executor JVMs (local-cluster[2,1,1024]): one block per executor, exact sync SGD, averaging, determinism. */
class LocalClusterTest {
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.session("local-cluster[2,1,1024]");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void trainsFashionMnistOnBothExecutorsWithCompactBlocks() throws Exception {
        Dataset<Row> train = SparkTestSupport.fashion(spark, true, 6000, 4);
        Dataset<Row> test = SparkTestSupport.fashion(spark, false, 2000, 2);
        Set<String> trainingExecutors = ConcurrentHashMap.newKeySet();
        Set<Integer> trainingStages = ConcurrentHashMap.newKeySet();
        SparkListener tasks = new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart start) {
                String description = start.properties() == null ? null
                        : start.properties().getProperty("spark.job.description");
                if (description != null && description.matches("KortexClassifier .*: epoch \\d+/3")) {
                    for (Object stage : scala.jdk.javaapi.CollectionConverters.asJava(start.stageIds())) {
                        trainingStages.add((Integer) stage);
                    }
                }
            }

            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                if (trainingStages.contains(end.stageId())) {
                    trainingExecutors.add(end.taskInfo().executorId());
                }
            }
        };
        spark.sparkContext().addSparkListener(tasks);
        double[] cachedRatio = {0};
        KortexClassificationModel model = new KortexClassifier().setHiddenLayers(128).setMaxIter(3).setSyncInterval(8)
                .addTrainingListener(record -> {
                    for (RDDInfo info : spark.sparkContext().getRDDStorageInfo()) {
                        if (info.name().startsWith("KortexDL packed")) {
                            cachedRatio[0] = (info.memSize() + info.diskSize()) / (6000.0 * (784 + 1) * 4);
                        }
                    }
                }).fit(train);
        long deadline = System.currentTimeMillis() + 10_000;
        while (trainingExecutors.size() < 2 && System.currentTimeMillis() < deadline) {
            Thread.sleep(50); // listener events arrive asynchronously
        }
        spark.sparkContext().removeSparkListener(tasks);

        assertEquals(2, model.summary().executors(), "one block per executor");
        assertEquals(1, model.summary().threadsPerExecutor());
        assertTrue(model.evaluate(test).accuracy() >= 0.78, "3 epochs reach 0.79 (softmax regression: 0.716); accuracy " + model.evaluate(test));
        assertTrue(cachedRatio[0] > 0.99 && cachedRatio[0] < 1.1, "cached bytes / raw float32 bytes = " + cachedRatio[0]);
        assertEquals(Set.of("0", "1"), trainingExecutors, "training tasks ran on both executors");
        Map<String, Long> rows = model.summary().rowsByExecutor();
        assertEquals(Set.of("0", "1"), rows.keySet(), "summary names the executors that trained: " + rows);
        assertEquals(3L * 6000, rows.values().stream().mapToLong(Long::longValue).sum(), "3 epochs x 6000 rows");
        assertTrue(rows.values().stream().allMatch(n -> n >= 3L * 2000), "both did a real share: " + rows);
    }

    @Test
    void exactModeSumsBothExecutorsGradientsEveryStep() {
        Dataset<Row> data = SyntheticData.blobs(spark, 203, 4, 3, 6, 2).cache();
        KortexClassificationModel model = new KortexClassifier().setHiddenLayers(5).setOptimizer("sgd")
                .setStepSize(0.1).setStepSizeSchedule("constant").setBatchSize(40).setMaxIter(2).setSyncInterval(1)
                .setSeed(8).fit(data);

        // Reference: each global step is one serial step over the union of both blocks' shares.
        List<List<Row>> blocks = data.select("features", "label").javaRDD().glom().collect();
        float[] reference = SerialReference.train(blocks, 4, 5, 3, OptimizerKind.SGD, 0.1f, 40, 2, 1, 8);
        assertArrayEquals(reference, model.weights().parameters(), 2e-5f);
    }

    @Test
    void executorsRunTheNativeBlasOfTheTestsWithItsThreadsUnderControl() {
        boolean mkl = System.getProperty("dev.ludovic.netlib.blas.nativeLib", "").contains("mkl");
        List<String> libraries = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(List.of(0, 1, 2, 3), 4)
                .map(i -> io.kortexdl.kernels.blas.Blas.system().threads().controllable() + " "
                        + io.kortexdl.kernels.blas.Blas.system().threads().library())
                .collect();
        // The executors inherit the kernel the openblas-* executions choose (OpenBLAS names it in its config).
        String coretype = System.getenv().getOrDefault("OPENBLAS_CORETYPE", "");
        boolean chosenByTheBuild = List.of("haswell", "zen", "sandybridge").contains(coretype.toLowerCase(Locale.ROOT));
        for (String library : libraries) {
            assertTrue(library.startsWith("true " + (mkl ? "Intel(R) Math Kernel Library" : "OpenBLAS")), library);
            assertTrue(!mkl || library.contains("CNR branch"), "MKL reproducibility on in the executor: " + library);
            assertTrue(mkl || !chosenByTheBuild || library.toLowerCase(Locale.ROOT).contains(" " + coretype.toLowerCase(
                    Locale.ROOT) + " "), "the executor runs OPENBLAS_CORETYPE=" + coretype + ": " + library);
        }
    }

    @Test
    void averagingModeIsReproducibleAndLearns() {
        Dataset<Row> data = SyntheticData.blobs(spark, 2000, 8, 4, 12, 3).cache();
        KortexClassifier estimator = new KortexClassifier().setHiddenLayers(16).setStepSize(0.01).setBatchSize(64)
                .setMaxIter(4).setSyncInterval(4).setSeed(3);
        KortexClassificationModel first = estimator.fit(data);
        KortexClassificationModel second = estimator.fit(data);
        assertEquals(first.weights(), second.weights(),
                "same seed, data and cluster: same bits, on " + SparkTestSupport.blasKernel());
        assertTrue(first.evaluate(data).accuracy() > 0.95, "accuracy " + first.evaluate(data));
    }

    @Test
    void aSinglePartitionInputIsSpreadOverBothExecutorsInOrder() {
        Dataset<Row> data = SyntheticData.blobs(spark, 1000, 6, 3, 4, 1).cache();
        KortexClassifier estimator = new KortexClassifier().setHiddenLayers(8).setStepSize(0.01).setBatchSize(50)
                .setMaxIter(3).setSyncInterval(2).setSeed(2);
        KortexClassificationModel first = estimator.fit(data);
        assertEquals(2, first.summary().executors(), "one input partition still makes one block per executor");
        assertEquals(first.weights(), estimator.fit(data).weights(), "rows are spread by index, so reproducibly");
        assertTrue(first.evaluate(data).accuracy() > 0.95, "accuracy " + first.evaluate(data));
    }

    @Test
    void losingAnExecutorMidFitChangesNoBit() {
        // A local relation recomputes its lost partitions row for row; a shuffle's output (as
        // from repartition) may come back in another row order, and the model with it.
        Dataset<Row> data = spark.createDataFrame(SyntheticData.blobs(spark, 2000, 8, 4, 21, 4).collectAsList(),
                SyntheticData.SCHEMA).cache();
        KortexClassifier estimator = new KortexClassifier().setHiddenLayers(16).setStepSize(0.01).setBatchSize(64)
                .setMaxIter(3).setSyncInterval(4).setSeed(5);
        float[] undisturbed = estimator.fit(data).weights().parameters();

        boolean[] killed = {false};
        KortexClassificationModel disturbed = estimator.copy(new org.apache.spark.ml.param.ParamMap())
                .addTrainingListener(record -> {
                    if (record.epoch() == 1) {
                        killed[0] = ProcessHandle.current().descendants().filter(LocalClusterTest::isExecutor)
                                .findFirst().map(ProcessHandle::destroyForcibly).orElse(false);
                    }
                }).fit(data);
        assertTrue(killed[0], "an executor JVM was killed after epoch 1");
        assertArrayEquals(undisturbed, disturbed.weights().parameters(),
                "the lost block is recomputed and its round rerun from the same state, on "
                        + SparkTestSupport.blasKernel());
    }

    /** Whether {@code process} is an executor JVM (its command line names Spark's executor backend). */
    private static boolean isExecutor(ProcessHandle process) {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + process.pid() + "/cmdline"))
                    .contains("CoarseGrainedExecutorBackend");
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    void executorsScoreAStreamAsTheyScoreEachOfItsFiles(@TempDir Path dir) throws Exception {
        KortexClassificationModel model = new KortexClassifier().setHiddenLayers(8).setMaxIter(2).setSeed(3)
                .fit(SyntheticData.blobs(spark, 400, 4, 3, 1, 2));
        Path input = FileStreams.write(spark, dir, "blobs", SyntheticData.blobs(spark, 600, 4, 3, 2, 1)
                .collectAsList(), SyntheticData.SCHEMA, 3);
        StreamingQuery query = model.transform(FileStreams.read(spark, input, SyntheticData.SCHEMA)).writeStream()
                .format("memory").queryName("cluster_scores").trigger(Trigger.AvailableNow())
                .option("checkpointLocation", dir.resolve("checkpoint").toString()).start();
        query.awaitTermination();
        assertEquals(FileStreams.batchOfEachFile(spark, model, input).collectAsList(),
                spark.table("cluster_scores").collectAsList(), "executor JVMs score each micro-batch as a batch");
    }
}
