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

/** KortexRegressor on local[2]: fits a nonlinear curve, and its metrics agree with its own predictions. */
class KortexRegressorTest {
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
