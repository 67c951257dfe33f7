package io.kortexdl.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import io.kortexdl.kernels.Release;
import io.kortexdl.kernels.onnx.OnnxBound;
import io.kortexdl.kernels.onnx.OnnxInput;
import io.kortexdl.kernels.onnx.OrtModel;
import io.kortexdl.kernels.onnx.SparkRule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.feature.Tokenizer;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spark models exported to ONNX and run in ONNX Runtime score as their {@code transform} does:
 * the vectors within {@link OnnxBound}, the predictions identical wherever the two best classes are
 * not a near tie (see {@link SparkRule}), thresholds, label scaling and sparse features included.
 */
class OnnxExportTest {
    private static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.session("local[2]");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void fashionMnistClassifierScoresInOnnxRuntimeAsTransformDoes() throws IOException, OrtException {
        KortexClassificationModel model = new KortexClassifier().setHiddenLayers(64).setMaxIter(3).setSeed(7)
                .fit(SparkTestSupport.fashion(spark, true, 6000, 2));
        double[] thresholds = {0.5, 1, 0.2, 1, 1, 0.3, 2, 1, 1, 0.8};
        model.setThresholds(thresholds);
        String path = dir.resolve("fashion.onnx").toString();
        model.writeOnnx(path);
        Scored expected = Scored.of(model.transform(SparkTestSupport.fashion(spark, false, 2000, 2)), 10);
        try (OrtModel ort = new OrtModel(Files.readAllBytes(Path.of(path)))) {
            OrtModel.Outputs out = ort.dense(expected.features(), expected.rows(), 784);
            OnnxBound.assertClose(expected.raw(), out.floats("rawPrediction"), "rawPrediction");
            OnnxBound.assertClose(expected.probability(), out.floats("probability"), "probability");
            int nearTies = SparkRule.assertPredictions(expected.raw(), 10, thresholds, out.longs("prediction"),
                    "prediction");
            assertTrue(differences(expected.prediction(), out.longs("prediction")) <= nearTies,
                    "the runtime's predictions are transform's but for near ties");
            Map<String, String> metadata = ort.session().getMetadata().getCustomMetadata();
            assertEquals(Release.version(), metadata.get("kortexdl.version"));
            assertEquals("784", metadata.get("numFeatures"));
            assertEquals("10", metadata.get("numClasses"));
            assertEquals("[64]", metadata.get("spark.param.hiddenLayers"));
            assertEquals("3", metadata.get("spark.param.maxIter"));
            assertEquals(KortexClassificationModel.class.getName(), metadata.get("kortexdl.modelClass"));
            assertEquals(model.uid(), metadata.get("kortexdl.uid"));
        }
    }

    @Test
    void regressionPredictsInTheLabelsUnits() throws OrtException {
        Dataset<Row> data = SyntheticData.curve(spark, 800, 3, 2)
                .withColumn("label", functions.col("label").multiply(1000).plus(5000));
        KortexRegressionModel model = new KortexRegressor().setHiddenLayers(16).setMaxIter(30).setSeed(5).fit(data);
        List<Row> rows = model.transform(data).select("features", "prediction").collectAsList();
        float[] features = new float[rows.size() * 3];
        float[] expected = new float[rows.size()];
        for (int r = 0; r < rows.size(); r++) {
            copy(((Vector) rows.get(r).get(0)).toArray(), features, r * 3);
            expected[r] = (float) rows.get(r).getDouble(1);
        }
        try (OrtModel ort = new OrtModel(model.onnxWriter().toBytes())) {
            float[] predicted = ort.dense(features, rows.size(), 3).floats("prediction");
            OnnxBound.assertClose(expected, predicted, "regression prediction");
            double mean = 0;
            for (float p : predicted) {
                mean += p / predicted.length;
            }
            assertTrue(Math.abs(mean - 5000) < 200, "predictions in the label's units (around 5000), not "
                    + "standardized ones (around 0): mean " + mean);
        }
    }

    @Test
    void theModelOfRelease010ExportsAndPredictsAsItsFixtureRecords() throws IOException, OrtException {
        KortexClassificationModel model = KortexClassificationModel.load(
                PersistenceTest.FIXTURE.resolve("model").toString());
        List<String> recorded = Files.readAllLines(PersistenceTest.FIXTURE.resolve("predictions.txt"));
        List<Row> rows = PersistenceTest.fixtureInput(spark).select("features").collectAsList();
        float[] features = new float[rows.size() * 4];
        float[] probability = new float[rows.size() * 3];
        long[] prediction = new long[rows.size()];
        for (int r = 0; r < rows.size(); r++) {
            copy(((Vector) rows.get(r).get(0)).toArray(), features, r * 4);
            String[] line = recorded.get(r).split(" ", 2);
            prediction[r] = (long) Double.parseDouble(line[0]);
            String[] values = line[1].replaceAll("[\\[\\]]", "").split(",");
            for (int j = 0; j < 3; j++) {
                probability[r * 3 + j] = Float.parseFloat(values[j]);
            }
        }
        try (OrtModel ort = new OrtModel(model.onnxWriter().toBytes())) {
            OrtModel.Outputs out = ort.dense(features, rows.size(), 4);
            OnnxBound.assertClose(probability, out.floats("probability"), "fixture probability");
            assertArrayEquals(prediction, out.longs("prediction"), "the fixture's predictions");
        }
    }

    @Test
    void wideSparseModelTakesTheNonZerosOfEachRow() throws IOException, OrtException {
        Dataset<Row> text = SyntheticData.topicSentences(spark, 800, 11, 2);
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
            new Tokenizer().setInputCol("text").setOutputCol("words"),
            new HashingTF().setInputCol("words").setOutputCol("features").setNumFeatures(1 << 18),
            new KortexClassifier().setHiddenLayers(16).setMaxIter(8).setSeed(3)});
        PipelineModel fitted = pipeline.fit(text);
        KortexClassificationModel model = (KortexClassificationModel) fitted.stages()[2];
        String path = dir.resolve("text.onnx").toString();
        model.onnxWriter().input(OnnxInput.SPARSE).save(path);
        List<Row> rows = fitted.transform(SyntheticData.topicSentences(spark, 300, 12, 2))
                .select("features", "rawPrediction", "prediction").collectAsList();
        int k = rows.stream().mapToInt(r -> ((SparseVector) r.get(0)).numNonzeros()).max().orElseThrow();
        long[] indices = new long[rows.size() * k];
        float[] values = new float[rows.size() * k];
        float[] raw = new float[rows.size() * 2];
        double[] predictions = new double[rows.size()];
        for (int r = 0; r < rows.size(); r++) {
            SparseVector features = (SparseVector) rows.get(r).get(0);
            for (int i = 0; i < features.indices().length; i++) {
                indices[r * k + i] = features.indices()[i];
                values[r * k + i] = (float) features.values()[i];
            }
            copy(((Vector) rows.get(r).get(1)).toArray(), raw, r * 2);
            predictions[r] = rows.get(r).getDouble(2);
        }
        try (OrtModel ort = new OrtModel(Files.readAllBytes(Path.of(path)))) {
            assertEquals(List.of("indices", "values"), List.copyOf(ort.session().getInputNames()));
            OrtModel.Outputs out = ort.sparse(indices, values, rows.size(), k);
            OnnxBound.assertClose(raw, out.floats("rawPrediction"), "sparse rawPrediction");
            int nearTies = SparkRule.assertPredictions(raw, 2, null, out.longs("prediction"), "sparse prediction");
            assertTrue(differences(predictions, out.longs("prediction")) <= nearTies,
                    "the runtime's predictions are transform's but for near ties");
        }
        assertTrue(Files.size(Path.of(path)) > (1L << 18) * 16 * 4, "the first layer's weights are all there");
    }

    @Test
    void savingNeverReplacesAFileUnaskedAndLeavesNothingBeside(@TempDir Path files) throws IOException {
        KortexClassificationModel first = new KortexClassifier().setHiddenLayers(4).setMaxIter(1).setSeed(1)
                .fit(SyntheticData.blobs(spark, 200, 4, 3, 5, 2));
        KortexClassificationModel second = new KortexClassifier().setHiddenLayers(4).setMaxIter(1).setSeed(2)
                .fit(SyntheticData.blobs(spark, 200, 4, 3, 5, 2));
        Path file = files.resolve("model.onnx");
        first.writeOnnx("file://" + file);
        byte[] written = Files.readAllBytes(file);
        IOException exists = assertThrows(IOException.class, () -> second.writeOnnx(file.toString()));
        assertTrue(exists.getMessage().contains("already exists. To overwrite it, use onnxWriter().overwrite()"),
                exists.getMessage());
        assertArrayEquals(written, Files.readAllBytes(file), "the refused write changed nothing");
        second.onnxWriter().overwrite().save(file.toString());
        assertArrayEquals(second.onnxWriter().toBytes(), Files.readAllBytes(file), "overwrite replaced it");
        IOException directory = assertThrows(IOException.class,
                () -> second.onnxWriter().overwrite().save(files.toString()));
        assertTrue(directory.getMessage().contains("is a directory"), directory.getMessage());
        try (Stream<Path> left = Files.list(files)) {
            assertEquals(List.of(file), left.toList(), "no checksum or half-written file beside the model");
        }
    }

    private static int differences(double[] expected, long[] predicted) {
        int differ = 0;
        for (int r = 0; r < expected.length; r++) {
            differ += predicted[r] != (long) expected[r] ? 1 : 0;
        }
        return differ;
    }

    private static void copy(double[] from, float[] to, int at) {
        for (int i = 0; i < from.length; i++) {
            to[at + i] = (float) from[i];
        }
    }

    /** A transform's features and output columns as flat float arrays, in row order. */
    private record Scored(int rows, float[] features, float[] raw, float[] probability, double[] prediction) {
        static Scored of(Dataset<Row> scored, int classes) {
            List<Row> list = scored.select("features", "rawPrediction", "probability", "prediction").collectAsList();
            int width = ((Vector) list.get(0).get(0)).size();
            float[] features = new float[list.size() * width];
            float[] raw = new float[list.size() * classes];
            float[] probability = new float[list.size() * classes];
            double[] prediction = new double[list.size()];
            for (int r = 0; r < list.size(); r++) {
                copy(((Vector) list.get(r).get(0)).toArray(), features, r * width);
                copy(((Vector) list.get(r).get(1)).toArray(), raw, r * classes);
                copy(((Vector) list.get(r).get(2)).toArray(), probability, r * classes);
                prediction[r] = list.get(r).getDouble(3);
            }
            return new Scored(list.size(), features, raw, probability, prediction);
        }
    }
}
