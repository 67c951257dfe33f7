package io.kortexdl.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** A training task that fails and is retried by Spark leaves the model bit for bit unchanged. */
class TaskRetryTest {
    @Test
    void retriedTrainingTasksGiveTheSameModel() {
        SparkSession spark = SparkTestSupport.session("local[2,2]");
        try {
            Dataset<Row> data = SyntheticData.blobs(spark, 500, 6, 4, 3, 3).cache();
            KortexClassifier estimator = new KortexClassifier().setHiddenLayers(16).setMaxIter(3).setSeed(9);
            float[] undisturbed = estimator.fit(data).weights().parameters();
            ExecutorTrainer.failFirstAttempts = true;
            float[] retried;
            try {
                retried = estimator.fit(data).weights().parameters();
            } finally {
                ExecutorTrainer.failFirstAttempts = false;
            }
            assertArrayEquals(undisturbed, retried);
        } finally {
            spark.stop();
        }
    }
}
