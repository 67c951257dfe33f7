package io.kortexdl.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kortexdl.kernels.OptimizerKind;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sparse features on two executor JVMs ({@code local-cluster[2,1,1024]}): the blocks exchange
 * only the first-layer rows some block touched, and still equal the lazy serial reference in
 * both sync modes, with the same bits on a repeat.
 */
class SparseClusterTest {
    private static final int WIDTH = 2000;
    private static final int HIDDEN = 6;
    /** Parameters of [2000, 6, 2]. */
    private static final int PARAMETERS = WIDTH * HIDDEN + HIDDEN + HIDDEN * 2 + 2;
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.session("local-cluster[2,1,1024]");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** Two blocks of unequal size (2 partitions of 401 rows). */
    private static Dataset<Row> data() {
        return SyntheticData.xorTopics(spark, 401, WIDTH, 21, 2).cache();
    }

    @Test
    void exactModeEqualsTheLazyReferenceAndSendsOnlyTouchedRows() {
        Dataset<Row> data = data();
        KortexClassificationModel model = new KortexClassifier().setHiddenLayers(HIDDEN).setOptimizer("adam")
                .setStepSize(0.01).setStepSizeSchedule("constant").setBatchSize(32).setMaxIter(2).setSyncInterval(1)
                .setSeed(4).fit(data);
        assertTrue(model.summary().sparseFeatures());
        assertEquals(2, model.summary().rowsByExecutor().size(), "both trained: " + model.summary());
        List<List<Row>> blocks = data.select("features", "label").javaRDD().glom().collect();
        float[] reference = SerialReference.train(blocks, WIDTH, HIDDEN, 2, OptimizerKind.ADAM, 0.01f, 32, 2, 1, 4,
                true);
        assertArrayEquals(reference, model.weights().parameters(), 2e-5f);
        // A dense sync sends every gradient (half to the other block's owner, its own half back): 4 bytes each.
        double dense = 4.0 * PARAMETERS;
        assertTrue(model.summary().bytesPerSync() < 0.4 * dense, "sent " + model.summary().bytesPerSync()
                + " bytes per step; every gradient would be " + dense);
    }

    @Test
    void averagingEqualsTheLazyReferenceAndRepeatsBitForBit() {
        Dataset<Row> data = data();
        KortexClassifier estimator = new KortexClassifier().setHiddenLayers(HIDDEN).setOptimizer("adam")
                .setStepSize(0.01).setStepSizeSchedule("constant").setBatchSize(24).setMaxIter(3).setSyncInterval(2)
                .setSeed(6);
        KortexClassificationModel first = estimator.fit(data);
        KortexClassificationModel second = estimator.fit(data);
        assertEquals(first.weights(), second.weights(), "same seed, data and executors: the same bits");
        List<List<Row>> blocks = data.select("features", "label").javaRDD().glom().collect();
        float[] reference = SerialReference.train(blocks, WIDTH, HIDDEN, 2, OptimizerKind.ADAM, 0.01f, 24, 3, 2, 6,
                true);
        assertArrayEquals(reference, first.weights().parameters(), 2e-5f);
        // Parameters and both Adam moments of every parameter would be 12 bytes each.
        double dense = 12.0 * PARAMETERS;
        assertTrue(first.summary().bytesPerSync() < 0.5 * dense, "sent " + first.summary().bytesPerSync()
                + " bytes per sync; everything would be " + dense);
    }
}
