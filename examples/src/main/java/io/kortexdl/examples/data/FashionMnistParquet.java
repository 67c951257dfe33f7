package io.kortexdl.examples.data;

import io.kortexdl.spark.data.IdxDataFrames;
import org.apache.spark.ml.functions;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Fashion-MNIST's training rows repeated as a Parquet table larger than executors' memory, the
 * way large training data usually reaches Spark: columns {@code features} ({@code array<float>},
 * the 784 pixels in [0, 1]) and {@code label}, partitioned by {@code copy} (one directory, one file,
 * per copy, so that a filter on {@code copy} reads those files only). Each copy is sorted by label,
 * as tables sorted or partitioned by a key are, so that training sees mixed classes only if it
 * shuffles rows from across the whole table.
 */
public final class FashionMnistParquet {
    private FashionMnistParquet() {
    }

    /**
     * Writes {@code copies} copies of the training rows of the IDX files in {@code idxDir} to
     * {@code path} (any Hadoop path), replacing what is there.
     */
    public static void write(SparkSession spark, String idxDir, String path, int copies) throws java.io.IOException {
        Dataset<Row> base = IdxDataFrames.readMnist(spark, idxDir, "train", 4, Integer.MAX_VALUE)
                .select(functions.vector_to_array(org.apache.spark.sql.functions.col("features"), "float32")
                        .as("features"), org.apache.spark.sql.functions.col("label"))
                .coalesce(1).sortWithinPartitions("label").cache();
        try {
            for (int copy = 0; copy < copies; copy++) {
                base.withColumn("copy", org.apache.spark.sql.functions.lit(copy)).write().partitionBy("copy")
                        .mode(copy == 0 ? "overwrite" : "append").parquet(path);
            }
        } finally {
            base.unpersist();
        }
    }
}
