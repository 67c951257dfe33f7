package io.kortexdl.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * KortexRegressor on local[2]: fits a nonlinear curve, its metrics agree with its own predictions,
 * and what it learns does not depend on the label's scale or offset.
 */
class KortexRegressorTest {
    /**
     * The same curve with the label scaled by 1e-3, as it is, and scaled by 1e4 and offset by 1e3
     * (a label in the millions): with default params but the layers and epochs, every fit reaches
     * the same R2 within noise, well above a linear model's, and the model saves and loads in the
     * label's units.
     */
    @Test
    void theLabelsScaleAndOffsetChangeNothing(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        SparkSession spark = SparkTestSupport.session("local[2]");
        try {
            Dataset<Row> train = SyntheticData.curve(spark, 400, 3, 2).cache();
            Dataset<Row> test = SyntheticData.curve(spark, 400, 4, 2).cache();
            double linear = r2(new org.apache.spark.ml.regression.LinearRegression().fit(train).transform(test));
            double[][] scalings = {{1e-3, 0}, {1, 0}, {1e4, 1e3}};
            double[] r2 = new double[scalings.length];
            for (int i = 0; i < scalings.length; i++) {
                org.apache.spark.sql.Column label = org.apache.spark.sql.functions.col("label").multiply(scalings[i][0])
                        .plus(scalings[i][1]);
                KortexRegressionModel model = new KortexRegressor().setHiddenLayers(16).setMaxIter(300)
                        .fit(train.withColumn("label", label));
                r2[i] = model.evaluate(test.withColumn("label", label)).r2();
                if (i == scalings.length - 1) {
                    model.write().save(dir.resolve("millions").toString());
                    KortexRegressionModel loaded = KortexRegressionModel.load(dir.resolve("millions").toString());
                    assertEquals(r2[i], loaded.evaluate(test.withColumn("label", label)).r2(), 1e-9,
                            "the saved model predicts in the label's units");
                    assertTrue(model.summary().epochs().get(0).loss() > 1e6,
                            "the loss history is in the label's squared units: " + model.summary().epochs().get(0));
                }
            }
            for (int i = 0; i < r2.length; i++) {
                assertTrue(r2[i] > 0.95, "R2 " + java.util.Arrays.toString(r2) + " (linear " + linear + ")");
                assertEquals(r2[1], r2[i], 0.01, "R2 by label scaling " + java.util.Arrays.toString(r2));
            }
            // The curve is nearly linear on [-1, 1] (linear R2 0.94); the network gets the rest (0.96).
            assertTrue(r2[1] > linear + 0.01, "a nonlinear curve: R2 " + r2[1] + " against linear " + linear);
        } finally {
            spark.stop();
        }
    }

    /** Where a linear model is right, the network's default R2 is within 0.05 of LinearRegression's. */
    @Test
    void matchesLinearRegressionOnALinearLabelInTheThousands() {
        SparkSession spark = SparkTestSupport.session("local[2]");
        try {
            List<Row> rows = new java.util.ArrayList<>();
            java.util.SplittableRandom random = new java.util.SplittableRandom(5);
            for (int r = 0; r < 600; r++) {
                double[] x = {SyntheticData.gaussian(random), SyntheticData.gaussian(random),
                    SyntheticData.gaussian(random), SyntheticData.gaussian(random)};
                double y = 2500 + 300 * x[0] - 200 * x[1] + 50 * x[2] + 150 * SyntheticData.gaussian(random);
                rows.add(org.apache.spark.sql.RowFactory.create((long) r, org.apache.spark.ml.linalg.Vectors.dense(x), y));
            }
            Dataset<Row> all = spark.createDataFrame(rows, SyntheticData.SCHEMA);
            Dataset<Row> train = all.filter("id % 4 != 0").cache();
            Dataset<Row> test = all.filter("id % 4 = 0").cache();
            double linear = r2(new org.apache.spark.ml.regression.LinearRegression().fit(train).transform(test));
            double network = new KortexRegressor().setHiddenLayers(16).setMaxIter(300).fit(train).evaluate(test).r2();
            assertTrue(linear > 0.7, "the linear model is near optimal here: " + linear);
            assertTrue(network > linear - 0.05, "network R2 " + network + " against linear " + linear);
        } finally {
            spark.stop();
        }
    }

    private static double r2(Dataset<Row> scored) {
        return new org.apache.spark.ml.evaluation.RegressionEvaluator().setMetricName("r2").evaluate(scored);
    }

    @Test
    void fitsACurveAndReportsConsistentMetrics() {
        SparkSession spark = SparkTestSupport.session("local[2]");
        try {
            Dataset<Row> train = SyntheticData.curve(spark, 3000, 1, 2).cache();
            Dataset<Row> test = SyntheticData.curve(spark, 500, 2, 2).cache();
            KortexRegressionModel model = new KortexRegressor().setHiddenLayers(32, 16).setActivation("tanh")
                    .setStepSize(0.01).setBatchSize(64).setMaxIter(25).fit(train);
            KortexMetrics metrics = model.evaluate(test);
            assertTrue(metrics.r2() > 0.9, "R2 " + metrics);
            assertTrue(Double.isNaN(metrics.accuracy()));

            List<Row> rows = model.transform(test).select("features", "label", "prediction").collectAsList();
            double squared = 0;
            double mean = 0;
            for (Row row : rows) {
                mean += row.getDouble(1) / rows.size();
            }
            double total = 0;
            for (int i = 0; i < rows.size(); i++) {
                Row row = rows.get(i);
                double error = row.getDouble(2) - row.getDouble(1);
                squared += error * error;
                total += (row.getDouble(1) - mean) * (row.getDouble(1) - mean);
                if (i < 20) {
                    assertEquals(model.predict((Vector) row.get(0)), row.getDouble(2), 1e-5, "row " + i);
                }
            }
            assertEquals(Math.sqrt(squared / rows.size()), metrics.rmse(), 1e-6);
            assertEquals(squared / rows.size(), metrics.loss(), 1e-6);
            assertEquals(1 - squared / total, metrics.r2(), 1e-6);
            assertArrayEquals(new String[] {"id", "features", "label", "prediction"}, model.transform(test).columns());
            assertEquals(25, model.summary().totalIterations());
        } finally {
            spark.stop();
        }
    }
}
