package io.kortexdl.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.util.HasTrainingSummary;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.Summary;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What Spark Connect's ML server needs of our stages, checked the way it uses them: ServiceLoader
 * finds them, empty models fail clearly, the summary is reachable through the calls the server
 * allows ({@code hasSummary}, {@code summary}, {@code toString}) and survives the server moving
 * the model to disk and back.
 */
class ConnectRegistrationTest {

    @Test
    void serviceLoaderFindsEveryStageAndCanConstructIt() {
        Set<String> estimators = ServiceLoader.load(Estimator.class).stream().map(p -> p.type().getName())
                .collect(Collectors.toSet());
        Set<String> transformers = ServiceLoader.load(Transformer.class).stream().map(p -> p.type().getName())
                .collect(Collectors.toSet());
        assertTrue(estimators.containsAll(List.of(KortexClassifier.class.getName(), KortexRegressor.class.getName())),
                "estimators found: " + estimators);
        assertTrue(transformers.containsAll(List.of(KortexClassificationModel.class.getName(),
                KortexRegressionModel.class.getName())), "transformers found: " + transformers);
        // Spark's own stages are still found: one bad entry would hide them all.
        assertTrue(estimators.contains("org.apache.spark.ml.classification.LogisticRegression"), estimators.toString());
        // The server reads the types only, but a provider of ours must also construct.
        ServiceLoader.load(Transformer.class).stream()
                .filter(p -> p.type().getName().startsWith("io.kortexdl."))
                .forEach(p -> assertTrue(p.get().uid().startsWith("kortex"), p.type().getName()));
    }

    @Test
    void anEmptyModelKeepsItsParamsAndRefusesEverythingElse() {
        KortexClassificationModel classifier = new KortexClassificationModel();
        assertEquals("prediction", classifier.getPredictionCol());
        assertTrue(classifier.uid().startsWith("kortexClassificationModel_"), classifier.uid());
        IllegalStateException error = assertThrows(IllegalStateException.class, classifier::numClasses);
        assertTrue(error.getMessage().contains("KortexClassificationModel " + classifier.uid() + " has no weights"),
                error.getMessage());
        assertThrows(IllegalStateException.class, () -> classifier.predictRaw(org.apache.spark.ml.linalg.Vectors.dense(1)));
        assertFalse(classifier.hasSummary());
        assertTrue(classifier.toString().contains("no weights"), classifier.toString());
        KortexRegressionModel regressor = new KortexRegressionModel();
        assertThrows(IllegalStateException.class, regressor::numFeatures);
        assertThrows(IllegalStateException.class, regressor::write);
        assertEquals(regressor.uid(), regressor.copy(new org.apache.spark.ml.param.ParamMap()).uid());
    }

    @Test
    void theSummaryTravelsAsJsonAndSurvivesOffloading(@TempDir Path dir) throws Exception {
        SparkSession spark = SparkTestSupport.session("local[2]");
        try {
            Dataset<Row> data = SyntheticData.blobs(spark, 300, 4, 3, 7, 2);
            Dataset<Row> withValidation = data.withColumn("held", org.apache.spark.sql.functions.expr("id % 5 = 0"));
            KortexClassificationModel model = new KortexClassifier().setHiddenLayers(8).setMaxIter(3).fit(data);
            HasTrainingSummary<?> asSpark = model;
            assertTrue(asSpark.hasSummary());
            KortexTrainingSummary summary = model.summary();
            assertTrue(summary instanceof Summary && summary instanceof Identifiable,
                    "Spark Connect caches only Summary objects and calls toString only on Identifiable ones");
            assertEquals(summary.toJson(), summary.toString());
            KortexTrainingSummary back = KortexTrainingSummary.fromJson(summary.toJson());
            assertSameFigures(summary, back);
            assertTrue(Double.isNaN(back.epochs().get(0).validationMetric()), "NaN without a validation set");

            KortexTrainingSummary validated = new KortexClassifier().setHiddenLayers(8).setMaxIter(2)
                    .setValidationIndicatorCol("held").fit(withValidation).summary();
            assertSameFigures(validated, KortexTrainingSummary.fromJson(validated.toString()));
            assertTrue(Double.isFinite(validated.epochs().get(1).validationMetric()), validated.toString());

            // What the Connect server does when it moves a model out of memory and back.
            Path saved = dir.resolve("model");
            model.write().saveToLocal(saved.toString());
            model.saveSummary(saved.resolve("summary").toString());
            KortexClassificationModel reloaded = KortexClassificationModel.read().loadFromLocal(saved.toString());
            assertFalse(reloaded.hasSummary());
            reloaded.loadSummary(saved.resolve("summary").toString(), data);
            assertSameFigures(summary, reloaded.summary());
            assertEquals(model.transform(data).select("probability").collectAsList(),
                    reloaded.transform(data).select("probability").collectAsList());

            assertThrows(IllegalStateException.class, () -> KortexClassificationModel.load(saved.toString()).summary());
            Files.writeString(dir.resolve("later"), summary.toJson().replace("\"format\":1", "\"format\":2"));
            IllegalArgumentException later = assertThrows(IllegalArgumentException.class,
                    () -> KortexTrainingSummary.fromJson(Files.readString(dir.resolve("later"))));
            assertTrue(later.getMessage().contains("format 2"), later.getMessage());
        } finally {
            spark.stop();
        }
    }

    private static void assertSameFigures(KortexTrainingSummary expected, KortexTrainingSummary actual) {
        assertEquals(expected.epochs(), actual.epochs());
        assertEquals(expected.stopReason(), actual.stopReason());
        assertEquals(expected.bestEpoch(), actual.bestEpoch());
        assertEquals(expected.executors(), actual.executors());
        assertEquals(expected.threadsPerExecutor(), actual.threadsPerExecutor());
        assertEquals(expected.rowsByExecutor(), actual.rowsByExecutor());
        assertEquals(expected.batchSize(), actual.batchSize());
        assertEquals(expected.syncs(), actual.syncs());
        assertEquals(expected.millisPerSync(), actual.millisPerSync());
        assertEquals(expected.bytesPerSync(), actual.bytesPerSync());
        assertEquals(expected.sparseFeatures(), actual.sparseFeatures());
    }
}
