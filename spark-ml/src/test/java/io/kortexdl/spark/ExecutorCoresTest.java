package io.kortexdl.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * An executor with two cores (local-cluster[1,2,1024]) runs one training task that holds both
 * cores (a stage-level task resource profile) and trains with two threads; two such executors
 * train together in a barrier stage under that profile.
 */
class ExecutorCoresTest {
    @Test
    void aTrainingTaskHoldsEveryCoreOfItsExecutor() throws Exception {
        SparkSession spark = SparkTestSupport.session("local-cluster[1,2,1024]");
        try {
            Set<Integer> profiles = ConcurrentHashMap.newKeySet();
            spark.sparkContext().addSparkListener(new SparkListener() {
                @Override
                public void onStageSubmitted(SparkListenerStageSubmitted submitted) {
                    if (submitted.stageInfo().name().startsWith("collect at DistributedTrainer")) {
                        profiles.add(submitted.stageInfo().resourceProfileId());
                    }
                }
            });
            Dataset<Row> data = SyntheticData.blobs(spark, 2000, 8, 4, 12, 3).cache();
            KortexClassificationModel model = new KortexClassifier().setHiddenLayers(16).setStepSize(0.01)
                    .setBatchSize(64).setMaxIter(2).setValidationIndicatorCol("v")
                    .fit(data.withColumn("v", org.apache.spark.sql.functions.col("id").mod(10).equalTo(0)));
            assertEquals(1, model.summary().executors());
            assertEquals(2, model.summary().threadsPerExecutor(), "numThreads defaults to the executor's cores");
            assertTrue(model.evaluate(data).accuracy() > 0.9);
            long deadline = System.currentTimeMillis() + 10_000;
            while (profiles.isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(50); // listener events arrive asynchronously
            }
            assertFalse(profiles.isEmpty(), "training stages were seen");
            assertFalse(profiles.contains(0), "training stages run with a task profile holding both cores: " + profiles);
        } finally {
            spark.stop();
        }
    }

    @Test
    void twoExecutorsOfTwoCoresTrainTogetherWithEveryCore() {
        SparkSession spark = SparkTestSupport.session("local-cluster[2,2,1024]");
        try {
            Dataset<Row> data = SyntheticData.blobs(spark, 2000, 8, 4, 12, 4).cache();
            KortexClassifier estimator = new KortexClassifier().setHiddenLayers(16).setStepSize(0.01).setBatchSize(64)
                    .setMaxIter(2).setSyncInterval(4).setSeed(3);
            KortexClassificationModel model = estimator.fit(data);
            assertEquals(2, model.summary().executors(), "one block per executor");
            assertEquals(2, model.summary().threadsPerExecutor(), "two trainer threads each");
            assertEquals(2, model.summary().rowsByExecutor().size(), model.summary().toString());
            assertTrue(model.summary().syncs() > 0, "the executors synced among themselves");
            assertEquals(model.weights(), estimator.fit(data).weights(), "the same bits again");
            assertTrue(model.evaluate(data).accuracy() > 0.9, "accuracy " + model.evaluate(data));
        } finally {
            spark.stop();
        }
    }
}
