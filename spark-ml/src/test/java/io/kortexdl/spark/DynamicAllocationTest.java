package io.kortexdl.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * Under dynamic allocation Spark runs no barrier stage, so a fit trains one block on one executor
 * (the documented fallback) instead of failing: the model is exactly the one a single-executor
 * fit gives on the same rows.
 */
class DynamicAllocationTest {
    private static final KortexClassifier ESTIMATOR = new KortexClassifier().setHiddenLayers(8).setStepSize(0.01)
            .setBatchSize(32).setMaxIter(3).setSeed(12);

    @Test
    void trainsAsOneBlockAndGivesTheSingleExecutorModel() {
        List<Row> rows;
        KortexClassificationModel dynamic;
        SparkSession spark = SparkTestSupport.session("local-cluster[2,1,1024]", Map.of(
                ClusterShape.DYNAMIC_ALLOCATION, "true", "spark.dynamicAllocation.shuffleTracking.enabled", "true",
                "spark.dynamicAllocation.maxExecutors", "2", "spark.executor.cores", "1"));
        try {
            rows = SyntheticData.blobs(spark, 400, 5, 3, 8, 3).coalesce(1).collectAsList();
            dynamic = ESTIMATOR.fit(spark.createDataFrame(rows, SyntheticData.SCHEMA));
        } finally {
            spark.stop();
        }
        assertEquals(1, dynamic.summary().executors(), "one training block under dynamic allocation");
        assertEquals(1, dynamic.summary().rowsByExecutor().size(), dynamic.summary().toString());
        assertTrue(!dynamic.summary().rowsByExecutor().containsKey("driver"), "trained on an executor: "
                + dynamic.summary().rowsByExecutor());

        SparkSession local = SparkTestSupport.session("local[1]");
        try {
            KortexClassificationModel single = ESTIMATOR.fit(local.createDataFrame(rows, SyntheticData.SCHEMA));
            assertArrayEquals(single.weights().parameters(), dynamic.weights().parameters(),
                    "the same model as one executor with one core");
        } finally {
            local.stop();
        }
    }
}
