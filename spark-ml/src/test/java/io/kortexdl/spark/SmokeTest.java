package io.kortexdl.spark;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void fits() throws Exception {
        SparkSession spark = SparkTestSupport.session("local[2]");
        try {
            Dataset<Row> train = SparkTestSupport.fashion(spark, true, 6000, 2);
            Dataset<Row> test = SparkTestSupport.fashion(spark, false, 2000, 2);
            long t0 = System.nanoTime();
            KortexClassificationModel model = new KortexClassifier().setHiddenLayers(128).setMaxIter(3).fit(train);
            System.out.println("fit s " + (System.nanoTime() - t0) / 1e9);
            System.out.println(model.summary());
            KortexMetrics m = model.evaluate(test);
            System.out.println(m);
            model.transform(test).show(3);
            assertTrue(m.accuracy() > 0.7);
        } finally {
            spark.stop();
        }
    }
}
