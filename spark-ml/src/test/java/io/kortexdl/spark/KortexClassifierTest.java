package io.kortexdl.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kortexdl.kernels.Activation;
import io.kortexdl.kernels.LossType;
import io.kortexdl.kernels.Network;
import io.kortexdl.kernels.OptimizerKind;
import io.kortexdl.spark.executor.EpochOrder;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** KortexClassifier on local[2]: learning, batched scoring, exactness, determinism, validation, warm start. */
class KortexClassifierTest {
    private static SparkSession spark;
    private static Dataset<Row> train;
    private static Dataset<Row> test;

    @BeforeAll
    static void start() throws Exception {
        spark = SparkTestSupport.session("local[2]");
        train = SparkTestSupport.fashion(spark, true, 6000, 3);
        test = SparkTestSupport.fashion(spark, false, 2000, 2);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void learnsFashionMnistAndScoresInBlocks() {
        List<EpochRecord> seen = new ArrayList<>();
        KortexClassificationModel model = new KortexClassifier().setHiddenLayers(128).setMaxIter(4)
                .addTrainingListener(seen::add).fit(train);

        KortexMetrics metrics = model.evaluate(test);
        assertEquals(2000, metrics.rows());
        assertTrue(metrics.accuracy() >= 0.81, "4 epochs over 6,000 rows reach 0.823 (softmax regression: 0.753); accuracy " + metrics.accuracy());

        Dataset<Row> scored = model.transform(test.withColumn("tag", lit("kept")));
        assertArrayEquals(new String[] {"features", "label", "tag", "rawPrediction", "probability", "prediction"},
                scored.columns());
        List<Row> rows = scored.collectAsList();
        assertEquals(2000, rows.size());
        int correct = 0;
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            assertEquals("kept", row.getString(2));
            Vector probability = row.getAs("probability");
            double sum = 0;
            for (double p : probability.toArray()) {
                sum += p;
            }
            assertEquals(1.0, sum, 1e-9);
            if (row.<Double>getAs("prediction") == row.getDouble(1)) {
                correct++;
            }
            if (i < 25) {
                // A row scored alone runs other GEMM shapes than its block: equal within rounding, and
                // the same class wherever the top two logits are further apart than that.
                double[] rowByRow = model.predictRaw(row.getAs("features")).toArray();
                assertArrayEquals(rowByRow, ((Vector) row.<Vector>getAs("rawPrediction")).toArray(), 1e-4,
                        "batched and row-at-a-time logits of row " + i + ", on " + SparkTestSupport.blasKernel());
                double[] sorted = rowByRow.clone();
                java.util.Arrays.sort(sorted);
                if (sorted[sorted.length - 1] - sorted[sorted.length - 2] > 2e-4) {
                    assertEquals(model.predict(row.getAs("features")), row.<Double>getAs("prediction"));
                }
            }
        }
        assertEquals(metrics.accuracy(), correct / 2000.0, 1e-12, "accuracy from transform vs evaluate");
        Dataset<Row> tagged = test.withColumn("tag", lit("kept"));
        assertEquals(rows, ModelScoring.transformRows(tagged, org.apache.spark.api.java.JavaSparkContext
                .fromSparkContext(spark.sparkContext()).broadcast(model.weights()), "features",
                KortexClassificationModel.outputs(model), model.transformSchema(tagged.schema())).collectAsList(),
                "internal-row and Row scoring paths agree");

        KortexTrainingSummary summary = model.summary();
        assertEquals(4, summary.totalIterations());
        assertEquals(java.util.Map.of("driver", 4L * 6000), summary.rowsByExecutor(), "local mode trains in the driver");
        assertEquals(4, seen.size());
        for (int e = 0; e < 4; e++) {
            assertEquals(e + 1, seen.get(e).epoch());
            assertEquals(4, seen.get(e).maxIter());
            assertTrue(seen.get(e).samplesPerSecond() > 0);
        }
        double[] loss = summary.lossHistory();
        assertTrue(loss[3] < loss[0] * 0.8, "loss falls: " + java.util.Arrays.toString(loss));
        assertEquals("maxIter", summary.stopReason());
        assertEquals(2, summary.threadsPerExecutor(), "local[2] trains with 2 threads");
        assertEquals(1, summary.executors());
        assertEquals(10, model.numClasses());
        assertEquals(784, model.numFeatures());
    }

    @Test
    void oneBlockFitIsSerialMiniBatchTraining() {
        Dataset<Row> data = SyntheticData.blobs(spark, 300, 5, 3, 11, 2);
        KortexClassificationModel model = new KortexClassifier().setHiddenLayers(8).setOptimizer("momentum")
                .setStepSize(0.05).setStepSizeSchedule("constant").setBatchSize(32).setMaxIter(2).setNumThreads(1)
                .setSeed(5).fit(data);

        // The reference: the kernels' single-threaded Network over the same rows, batches and shuffles.
        List<Row> rows = data.select("features", "label").collectAsList();
        float[] x = new float[300 * 5];
        float[] t = new float[300 * 3];
        for (int r = 0; r < 300; r++) {
            double[] v = ((Vector) rows.get(r).get(0)).toArray();
            for (int i = 0; i < 5; i++) {
                x[r * 5 + i] = (float) v[i];
            }
            t[r * 3 + (int) rows.get(r).getDouble(1)] = 1f;
        }
        Network reference = Network.builder().layers(5, 8, 3).hiddenActivation(Activation.RELU)
                .outputActivation(Activation.IDENTITY).optimizer(OptimizerKind.MOMENTUM).seed(5).build();
        int[] order = new int[300];
        for (int epoch = 0; epoch < 2; epoch++) {
            EpochOrder.fill(5, 0, epoch, order);
            for (int start = 0; start < 300; start += 32) {
                int n = Math.min(32, 300 - start);
                float[] bx = new float[n * 5];
                float[] bt = new float[n * 3];
                for (int r = 0; r < n; r++) {
                    System.arraycopy(x, order[start + r] * 5, bx, r * 5, 5);
                    System.arraycopy(t, order[start + r] * 3, bt, r * 3, 3);
                }
                reference.trainBatch(bx, bt, LossType.CROSS_ENTROPY, 0.05f, n);
            }
        }
        assertArrayEquals(reference.getParameters(), model.weights().parameters(), 1e-5f);
    }

    @Test
    void sameSeedGivesTheSameBits() {
        Dataset<Row> data = SyntheticData.blobs(spark, 500, 6, 4, 3, 3);
        KortexClassifier estimator = new KortexClassifier().setHiddenLayers(16, 8).setMaxIter(3).setSeed(9);
        float[] first = estimator.fit(data).weights().parameters();
        float[] second = estimator.fit(data).weights().parameters();
        assertArrayEquals(first, second, "the same seed, on " + SparkTestSupport.blasKernel());
        assertFalse(java.util.Arrays.equals(first, estimator.copy(new org.apache.spark.ml.param.ParamMap()).setSeed(10)
                .fit(data).weights().parameters()), "another seed, another model");
    }

    @Test
    void unitWeightsChangeNothingAndZeroWeightsRemoveRows() {
        Dataset<Row> data = SyntheticData.blobs(spark, 600, 4, 3, 21, 2);
        KortexClassifier estimator = new KortexClassifier().setHiddenLayers(8).setMaxIter(3).setSeed(2);
        float[] plain = estimator.fit(data).weights().parameters();
        float[] unit = estimator.copy(new org.apache.spark.ml.param.ParamMap()).setWeightCol("w")
                .fit(data.withColumn("w", lit(1.0))).weights().parameters();
        assertArrayEquals(plain, unit, "weight 1 everywhere is the unweighted fit");

        // Weight 2 on every row doubles every gradient: with SGD that is the unweighted fit at twice the rate.
        KortexClassifier sgd = estimator.copy(new org.apache.spark.ml.param.ParamMap()).setOptimizer("sgd")
                .setStepSize(0.05).setStepSizeSchedule("constant");
        float[] doubledRate = sgd.copy(new org.apache.spark.ml.param.ParamMap()).setStepSize(0.1).fit(data)
                .weights().parameters();
        float[] doubledWeight = sgd.setWeightCol("w").fit(data.withColumn("w", lit(2.0))).weights().parameters();
        assertArrayEquals(doubledRate, doubledWeight, 1e-6f);

        KortexClassificationModel model = estimator.copy(new org.apache.spark.ml.param.ParamMap()).setMaxIter(1)
                .fit(data);
        Dataset<Row> withoutClass2 = data.withColumn("w", when(col("label").equalTo(2.0), 0.0).otherwise(1.0));
        KortexMetrics weighted = model.setWeightCol("w").evaluate(withoutClass2);
        KortexMetrics filtered = model.setWeightCol("").evaluate(data.filter(col("label").notEqual(2.0)));
        assertEquals(filtered.accuracy(), weighted.accuracy(), 1e-12, "weight 0 removes rows from the metrics");
        assertEquals(filtered.loss(), weighted.loss(), 1e-9);
    }

    @Test
    void validationSetDrivesEarlyStoppingAndTheBestEpochIsKept() {
        Dataset<Row> data = train.limit(1200)
                .withColumn("isVal", org.apache.spark.sql.functions.monotonically_increasing_id().mod(2).equalTo(0))
                .cache();
        KortexClassificationModel model = new KortexClassifier().setHiddenLayers(256).setStepSize(0.01)
                .setStepSizeSchedule("constant").setMaxIter(40).setEarlyStoppingPatience(2)
                .setValidationIndicatorCol("isVal").setSeed(4).fit(data);
        KortexTrainingSummary summary = model.summary();
        assertEquals("earlyStopping", summary.stopReason(), summary.toString());
        assertTrue(summary.totalIterations() < 40);
        assertEquals(summary.totalIterations() - 2, summary.bestEpoch());
        EpochRecord best = summary.epochs().get(summary.bestEpoch() - 1);
        for (EpochRecord r : summary.epochs()) {
            assertTrue(r.validationLoss() >= best.validationLoss());
            assertFalse(Double.isNaN(r.validationMetric()));
        }
        KortexMetrics again = model.evaluate(data.filter(col("isVal")));
        assertEquals(best.validationLoss(), again.loss(), 1e-4, "the model holds the best epoch's weights");
        assertEquals(best.validationMetric(), again.accuracy(), 1e-9);
    }

    @Test
    void warmStartBeginsFromTheGivenWeights() {
        Dataset<Row> data = SyntheticData.blobs(spark, 300, 4, 3, 8, 2);
        KortexClassificationModel first = new KortexClassifier().setHiddenLayers(6).setMaxIter(2).fit(data);
        KortexClassificationModel untouched = new KortexClassifier().setHiddenLayers(6).setMaxIter(0)
                .setInitialModel(first.weights()).fit(data);
        assertEquals(first.weights(), untouched.weights());
        KortexClassificationModel continued = new KortexClassifier().setHiddenLayers(6).setMaxIter(1)
                .setInitialModel(first.weights()).fit(data);
        assertNotEquals(first.weights(), continued.weights());
        IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class,
                () -> new KortexClassifier().setHiddenLayers(7).setInitialModel(first.weights()).fit(data));
        assertTrue(mismatch.getMessage().contains("initialModel has layers [4, 6, 3]"), mismatch.getMessage());
    }

    @Test
    void arrayAndSparseFeaturesTrainTheSameModelAsDenseVectors() {
        Dataset<Row> data = SyntheticData.blobs(spark, 400, 5, 3, 13, 2).cache();
        KortexClassifier estimator = new KortexClassifier().setHiddenLayers(8).setMaxIter(2).setSeed(3);
        float[] dense = estimator.fit(data).weights().parameters();
        Dataset<Row> doubles = data.withColumn("features",
                org.apache.spark.ml.functions.vector_to_array(col("features"), "float64"));
        Dataset<Row> floats = data.withColumn("features",
                org.apache.spark.ml.functions.vector_to_array(col("features"), "float32"));
        assertArrayEquals(dense, estimator.fit(doubles).weights().parameters(), "array<double>");
        assertArrayEquals(dense, estimator.fit(floats).weights().parameters(), "array<float>");
        spark.udf().register("toSparse", (org.apache.spark.sql.api.java.UDF1<Vector, Vector>) Vector::toSparse,
                org.apache.spark.ml.linalg.SQLDataTypes.VectorType());
        Dataset<Row> sparse = data.withColumn("features", org.apache.spark.sql.functions.callUDF("toSparse",
                col("features")));
        assertArrayEquals(dense, estimator.fit(sparse).weights().parameters(), "sparse vectors");
        KortexClassificationModel model = estimator.fit(data);
        assertEquals(model.transform(data).select("prediction").collectAsList(),
                model.transform(floats).select("prediction").collectAsList(), "transform reads arrays too");
    }
}
