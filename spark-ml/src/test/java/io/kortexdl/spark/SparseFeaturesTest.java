package io.kortexdl.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kortexdl.kernels.Network;
import io.kortexdl.kernels.OptimizerKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.feature.IDF;
import org.apache.spark.ml.feature.OneHotEncoder;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.Tokenizer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.RDDInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sparse, wide features in {@code local[2]}: compressed packing within its byte bound, training
 * equal to the dense and lazy references, scoring without densifying, and the pipelines Spark
 * users build ({@code HashingTF}/{@code IDF}, {@code OneHotEncoder}) through save and load. The
 * labels are XORs of two groups of features, which no linear model separates, so the accuracy
 * floors fail a model that does not learn through its hidden layer.
 */
class SparseFeaturesTest {
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

    private static double accuracy(Dataset<Row> scored) {
        return new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(scored);
    }

    @Test
    void wideSparseRowsArePackedCompressedAndLearnAnXor() {
        Dataset<Row> train = SyntheticData.xorTopics(spark, 4000, 20_000, 1, 2).cache();
        Dataset<Row> test = SyntheticData.xorTopics(spark, 1000, 20_000, 2, 2);
        long[] cachedBytes = {-1};
        KortexClassifier estimator = new KortexClassifier().setHiddenLayers(32).setMaxIter(8).setSeed(3)
                .addTrainingListener(record -> {
                    for (RDDInfo info : spark.sparkContext().getRDDStorageInfo()) {
                        if (info.name() != null && info.name().startsWith("KortexDL packed")) {
                            cachedBytes[0] = info.memSize() + info.diskSize();
                        }
                    }
                });
        KortexClassificationModel model = estimator.fit(train);
        assertTrue(model.summary().sparseFeatures(), model.summary().toString());
        long nonZeros = 4000L * 18;
        long bound = (long) (1.2 * (8 * nonZeros + 4 * 4000)) + 4 * 4000;
        assertTrue(cachedBytes[0] > 8 * nonZeros && cachedBytes[0] <= bound, "cached " + cachedBytes[0]
                + " bytes; compressed rows allow " + bound + ", dense rows would take " + 4000L * 20_000 * 4);
        double accuracy = accuracy(model.transform(test));
        assertTrue(accuracy > 0.93, "XOR of two topics, held-out accuracy " + accuracy);
        double linear = accuracy(new LogisticRegression().setMaxIter(50).fit(train).transform(test));
        assertTrue(linear < 0.7, "the task must need the hidden layer; logistic regression reached " + linear);
    }

    @Test
    void sparseFitsEqualTheDenseAndLazyReferencesStepForStep() {
        Dataset<Row> data = SyntheticData.xorTopics(spark, 500, 300, 4, 1).cache();
        List<List<Row>> blocks = data.select("features", "label").javaRDD().glom().collect();
        KortexClassifier sgd = new KortexClassifier().setHiddenLayers(8).setOptimizer("sgd").setStepSize(0.05)
                .setStepSizeSchedule("constant").setBatchSize(32).setMaxIter(2).setSeed(5);
        KortexClassificationModel sparse = sgd.fit(data);
        assertTrue(sparse.summary().sparseFeatures());
        // Plain SGD without L2: the lazy step is the dense step, so the dense reference must agree.
        float[] dense = SerialReference.train(blocks, 300, 8, 2, OptimizerKind.SGD, 0.05f, 32, 2, 64, 5);
        assertArrayEquals(dense, sparse.weights().parameters(), 2e-5f);

        KortexClassificationModel adam = sgd.copy(new org.apache.spark.ml.param.ParamMap())
                .setOptimizer("adam").setStepSize(0.01).fit(data);
        float[] lazy = SerialReference.train(blocks, 300, 8, 2, OptimizerKind.ADAM, 0.01f, 32, 2, 64, 5, true);
        assertArrayEquals(lazy, adam.weights().parameters(), 2e-5f);
        float[] eager = SerialReference.train(blocks, 300, 8, 2, OptimizerKind.ADAM, 0.01f, 32, 2, 64, 5, false);
        assertFalse(java.util.Arrays.equals(eager, adam.weights().parameters()),
                "lazy Adam differs from dense Adam (the reference tells them apart)");
    }

    @Test
    void scoringReadsSparseRowsAsTheKernelsScoreDenseOnes() {
        Dataset<Row> data = SyntheticData.xorTopics(spark, 700, 3000, 6, 2).cache();
        KortexClassificationModel model = new KortexClassifier().setHiddenLayers(16).setMaxIter(3).setSeed(7)
                .fit(data);
        Network network = model.weights().toNetwork();
        List<Row> scored = model.transform(data).select("features", "probability", "prediction").collectAsList();
        for (Row row : scored.subList(0, 50)) {
            Vector features = row.getAs("features");
            double[] x = features.toArray();
            float[] in = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                in[i] = (float) x[i];
            }
            float[] logits = network.forward(in, 1);
            double[] expected = BatchScorer.softmax(new double[] {logits[0], logits[1]});
            double[] probability = ((Vector) row.getAs("probability")).toArray();
            assertArrayEquals(expected, probability, 1e-5);
            assertEquals(model.predict(features), row.<Double>getAs("prediction"), 0.0);
            assertArrayEquals(new double[] {logits[0], logits[1]}, model.predictRaw(features).toArray(), 1e-5);
        }
        KortexMetrics metrics = model.evaluate(data);
        assertEquals(accuracy(model.transform(data)), metrics.accuracy(), 1e-9);
    }

    @Test
    void aHashingTfIdfPipelineTrainsScoresAndSurvivesSaveAndLoad() throws Exception {
        Dataset<Row> train = SyntheticData.topicSentences(spark, 3000, 8, 2);
        Dataset<Row> test = SyntheticData.topicSentences(spark, 800, 9, 2);
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
            new Tokenizer().setInputCol("text").setOutputCol("words"),
            new HashingTF().setInputCol("words").setOutputCol("tf"),
            new IDF().setInputCol("tf").setOutputCol("features"),
            new KortexClassifier().setHiddenLayers(32).setMaxIter(8).setSeed(11)});
        PipelineModel model = pipeline.fit(train);
        KortexClassificationModel stage = (KortexClassificationModel) model.stages()[3];
        assertEquals(1 << 18, stage.numFeatures());
        assertTrue(stage.summary().sparseFeatures());
        Dataset<Row> scored = model.transform(test);
        double accuracy = accuracy(scored);
        assertTrue(accuracy > 0.93, "held-out accuracy " + accuracy);
        String path = dir.resolve("text-pipeline").toString();
        model.write().overwrite().save(path);
        PipelineModel loaded = PipelineModel.load(path);
        assertEquals(scored.select("probability").collectAsList(),
                loaded.transform(test).select("probability").collectAsList(), "the loaded pipeline scores alike");
    }

    @Test
    void aOneHotPipelineLearnsAnInteractionAndSurvivesSaveAndLoad() throws Exception {
        Dataset<Row> train = categories(6000, 12);
        Dataset<Row> test = categories(1500, 13);
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
            new StringIndexer().setInputCols(new String[] {"city", "product"})
                    .setOutputCols(new String[] {"cityIndex", "productIndex"}),
            new OneHotEncoder().setInputCols(new String[] {"cityIndex", "productIndex"})
                    .setOutputCols(new String[] {"cityVector", "productVector"}),
            new VectorAssembler().setInputCols(new String[] {"cityVector", "productVector"}).setOutputCol("features"),
            new KortexClassifier().setHiddenLayers(32).setMaxIter(20).setSeed(13)});
        PipelineModel model = pipeline.fit(train);
        KortexClassificationModel stage = (KortexClassificationModel) model.stages()[3];
        assertTrue(stage.summary().sparseFeatures(), "2 of 78 one-hot columns set: " + stage.summary());
        Dataset<Row> scored = model.transform(test);
        double accuracy = accuracy(scored);
        assertTrue(accuracy > 0.95, "held-out accuracy " + accuracy);
        String path = dir.resolve("one-hot-pipeline").toString();
        model.write().overwrite().save(path);
        assertEquals(scored.select("prediction").collectAsList(),
                PipelineModel.load(path).transform(test).select("prediction").collectAsList());
    }

    /** 40 cities x 40 products; the label is the parity of their hidden numbers, an interaction no linear model fits. */
    private static Dataset<Row> categories(int rows, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Row> out = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            int city = random.nextInt(40);
            int product = random.nextInt(40);
            out.add(RowFactory.create("city" + city, "product" + product, (double) ((city + product) % 2)));
        }
        StructType schema = new StructType(new StructField[] {
            new StructField("city", DataTypes.StringType, false, Metadata.empty()),
            new StructField("product", DataTypes.StringType, false, Metadata.empty()),
            new StructField("label", DataTypes.DoubleType, false, Metadata.empty())});
        return spark.createDataFrame(out, schema).repartition(2);
    }
}
