package io.kortexdl.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamPair;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Save/load of models and estimators, Pipelines with Spark's own stages, CrossValidator, and the checked-in fixture. */
class PersistenceTest {
    static final Path FIXTURE = Path.of("src/test/resources/fixtures/classifier-0.1.0");
    private static SparkSession spark;
    private static Dataset<Row> blobs;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.session("local[2]");
        blobs = SyntheticData.blobs(spark, 600, 4, 3, 17, 2).cache();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private String path(String name) {
        return dir.resolve(name).toString();
    }

    @Test
    void aSaveThatFailsHalfwayLeavesThePreviousModelLoadable() throws IOException {
        KortexClassificationModel first = new KortexClassifier().setHiddenLayers(8).setMaxIter(2).setSeed(1).fit(blobs);
        KortexClassificationModel second = new KortexClassifier().setHiddenLayers(8).setMaxIter(2).setSeed(2).fit(blobs);
        first.write().save(path("kept"));
        org.apache.hadoop.conf.Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        hadoop.set(FailingLocalFileSystem.IMPL_KEY, FailingLocalFileSystem.class.getName());
        hadoop.setBoolean("fs.failing.impl.disable.cache", true);
        IOException e = assertThrows(IOException.class,
                () -> second.write().overwrite().save("failing://" + path("kept")));
        assertTrue(e.getMessage().contains("injected failure while creating") && e.getMessage().contains(".kept.writing-")
                && e.getMessage().contains("format.properties"), "the save broke in its staging directory, after the"
                + " metadata and the network were written: " + e.getMessage());
        KortexClassificationModel loaded = KortexClassificationModel.load(path("kept"));
        assertEquals(first.weights(), loaded.weights(), "the model saved before the failed save is still there");
        try (java.util.stream.Stream<java.nio.file.Path> left = java.nio.file.Files.list(dir)) {
            assertEquals(List.of("kept"), left.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no half-written directory is left next to it");
        }
        second.write().overwrite().save(path("kept"));
        assertEquals(second.weights(), KortexClassificationModel.load(path("kept")).weights(), "a later save replaces it");
        first.write().save(path("fresh"));
        assertEquals(first.weights(), KortexClassificationModel.load(path("fresh")).weights());
    }

    @Test
    void modelsRoundTripWithIdenticalPredictions() throws IOException {
        KortexClassificationModel model = new KortexClassifier().setHiddenLayers(8, 4).setActivation("tanh")
                .setMaxIter(3).setProbabilityCol("p").fit(blobs);
        model.write().save(path("clf"));
        assertThrows(IOException.class, () -> model.write().save(path("clf")), "saving over a model needs overwrite()");
        model.write().overwrite().save(path("clf"));
        KortexClassificationModel loaded = KortexClassificationModel.load(path("clf"));
        assertEquals(model.uid(), loaded.uid());
        assertEquals(model.weights(), loaded.weights());
        assertEquals("p", loaded.getProbabilityCol());
        assertEquals("tanh", loaded.getActivation());
        assertFalse(loaded.hasSummary());
        assertEquals(model.transform(blobs).collectAsList(), loaded.transform(blobs).collectAsList());
        for (org.apache.spark.ml.param.Param<?> param : model.params()) {
            assertEquals(model.isDefined(param), loaded.isDefined(param), param.name());
        }

        Dataset<Row> curve = SyntheticData.curve(spark, 300, 2, 2).cache();
        KortexRegressionModel regression = new KortexRegressor().setHiddenLayers(5).setMaxIter(2).fit(curve);
        regression.write().save(path("reg"));
        KortexRegressionModel reloaded = KortexRegressionModel.load(path("reg"));
        assertEquals(regression.transform(curve).collectAsList(), reloaded.transform(curve).collectAsList());

        IOException wrongKind = assertThrows(IOException.class, () -> KortexClassificationModel.load(path("reg")));
        assertTrue(wrongKind.getMessage().contains("holds a regressor model, not a classifier"), wrongKind.getMessage());
        IOException missing = assertThrows(IOException.class, () -> KortexClassificationModel.load(path("nothing")));
        assertTrue(missing.getMessage().contains("not a KortexDL model"), missing.getMessage());

        Path network = dir.resolve("clf").resolve(ModelIO.NETWORK_FILE);
        byte[] bytes = Files.readAllBytes(network);
        bytes[bytes.length / 2] ^= 0x10;
        Files.write(network, bytes);
        Files.deleteIfExists(network.resolveSibling(".network.kxdl.crc"));
        IOException damaged = assertThrows(IOException.class, () -> KortexClassificationModel.load(path("clf")));
        assertTrue(damaged.getMessage().contains("network.kxdl"), damaged.getMessage());
    }

    @Test
    void estimatorsRoundTripWithEveryParam() throws IOException {
        KortexClassifier estimator = new KortexClassifier().setHiddenLayers(32, 16).setOptimizer("momentum")
                .setStepSize(0.02).setMaxIter(7).setBatchSize(64).setSeed(99).setRegParam(1e-4).setNumThreads(1)
                .setSyncInterval(4).setValidationIndicatorCol("v").setEarlyStoppingPatience(3);
        KortexClassificationModel warm = new KortexClassifier().setHiddenLayers(3).setMaxIter(1).fit(blobs);
        estimator.setInitialModel(warm.weights());
        estimator.write().save(path("est"));
        KortexClassifier loaded = KortexClassifier.load(path("est"));
        assertEquals(estimator.uid(), loaded.uid());
        for (ParamPair<?> pair : estimator.extractParamMap().toList()) {
            Object expected = pair.value();
            Object actual = loaded.getOrDefault(pair.param());
            if (expected instanceof int[] a) {
                assertArrayEquals(a, (int[]) actual, pair.param().name());
            } else {
                assertEquals(expected, actual, pair.param().name());
            }
        }
        KortexRegressor regressor = new KortexRegressor().setHiddenLayers(3).setStepSizeSchedule("constant");
        regressor.write().save(path("regEst"));
        assertEquals("constant", KortexRegressor.load(path("regEst")).getStepSizeSchedule());
    }

    @Test
    void worksInAPipelineWithSparkStagesAndSurvivesSaveLoad() throws IOException {
        Dataset<Row> columns = blobs.withColumn("f", org.apache.spark.ml.functions.vector_to_array(
                blobs.col("features"), "float64")).selectExpr("id", "label", "f[0] * 100 as a", "f[1] - 50 as b", "f[2] as c", "f[3] * 0.01 as d");
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
            new VectorAssembler().setInputCols(new String[] {"a", "b", "c", "d"}).setOutputCol("raw"),
            new StandardScaler().setInputCol("raw").setOutputCol("features").setWithMean(true),
            new KortexClassifier().setHiddenLayers(16).setStepSize(0.02).setBatchSize(32).setMaxIter(10)});
        PipelineModel model = pipeline.fit(columns);
        double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy")
                .evaluate(model.transform(columns));
        assertTrue(accuracy > 0.95, "accuracy " + accuracy);
        model.write().save(path("pipeline"));
        PipelineModel loaded = PipelineModel.load(path("pipeline"));
        assertInstanceOf(KortexClassificationModel.class, loaded.stages()[2]);
        assertEquals(model.transform(columns).select("prediction", "probability").collectAsList(),
                loaded.transform(columns).select("prediction", "probability").collectAsList());
        pipeline.write().save(path("pipelineEstimator"));
        assertEquals(3, Pipeline.load(path("pipelineEstimator")).getStages().length);
    }

    @Test
    void crossValidatorTunesKortexParamsAndSavesTheBestModel() throws IOException {
        KortexClassifier classifier = new KortexClassifier().setHiddenLayers(8).setOptimizer("sgd");
        ParamMap[] grid = new ParamGridBuilder().addGrid(classifier.stepSize(), new double[] {1e-5, 0.1})
                .addGrid(classifier.maxIter(), new int[] {1, 3}).build();
        CrossValidator cv = new CrossValidator().setEstimator(classifier).setEstimatorParamMaps(grid)
                .setEvaluator(new MulticlassClassificationEvaluator().setMetricName("accuracy")).setNumFolds(2)
                .setSeed(1);
        CrossValidatorModel model = cv.fit(blobs);
        double[] metrics = model.avgMetrics();
        assertEquals(4, metrics.length);
        KortexClassificationModel best = (KortexClassificationModel) model.bestModel();
        assertEquals(0.1, best.getStepSize(), "the tiny rate cannot win");
        assertEquals(3, best.getMaxIter());
        model.write().save(path("cv"));
        CrossValidatorModel loaded = CrossValidatorModel.load(path("cv"));
        assertArrayEquals(metrics, loaded.avgMetrics());
        assertEquals(model.transform(blobs).select("prediction").collectAsList(),
                loaded.transform(blobs).select("prediction").collectAsList());
        cv.write().save(path("cvEstimator"));
        assertEquals(4, CrossValidator.load(path("cvEstimator")).getEstimatorParamMaps().length);
    }

    /** Inputs whose predictions the fixture stores; the fixture was written by {@link #writeFixture}. */
    static Dataset<Row> fixtureInput(SparkSession session) {
        return SyntheticData.blobs(session, 50, 4, 3, 5, 1).orderBy("id");
    }

    @Test
    void theCheckedInModelOfRelease010StillLoadsAndPredictsTheSame() throws IOException {
        KortexClassificationModel model = KortexClassificationModel.load(FIXTURE.resolve("model").toString());
        List<String> expected = Files.readAllLines(FIXTURE.resolve("predictions.txt"));
        List<Row> rows = model.transform(fixtureInput(spark)).select("prediction", "probability").collectAsList();
        assertEquals(expected.size(), rows.size());
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(expected.get(i), rows.get(i).getDouble(0) + " " + rows.get(i).get(1), "row " + i);
        }
    }

    /** Regenerates the fixture; run with {@code -Dkortexdl.writeFixtures=true} only when the format changes on purpose. */
    @Test
    @org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "kortexdl.writeFixtures", matches = "true")
    void writeFixture() throws IOException {
        KortexClassificationModel model = new KortexClassifier().setHiddenLayers(6).setMaxIter(3).setSeed(1)
                .fit(SyntheticData.blobs(spark, 300, 4, 3, 5, 2));
        model.write().overwrite().save(FIXTURE.resolve("model").toString());
        StringBuilder out = new StringBuilder();
        for (Row row : model.transform(fixtureInput(spark)).select("prediction", "probability").collectAsList()) {
            out.append(row.getDouble(0)).append(' ').append(row.get(1)).append('\n');
        }
        Files.writeString(FIXTURE.resolve("predictions.txt"), out);
    }
}
