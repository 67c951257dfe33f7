package io.kortexdl.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Small generated datasets whose answers are known. */
final class SyntheticData {
    static final StructType SCHEMA = new StructType(new StructField[] {
        new StructField("id", DataTypes.LongType, false, Metadata.empty()),
        new StructField("features", SQLDataTypes.VectorType(), true, Metadata.empty()),
        new StructField("label", DataTypes.DoubleType, true, Metadata.empty())});

    private SyntheticData() {
    }

    /**
     * {@code classes} Gaussian blobs (standard deviation 0.5) around centres 3 apart in
     * {@code features} dimensions: nearly separable.
     */
    static Dataset<Row> blobs(SparkSession spark, int rows, int features, int classes, long seed, int partitions) {
        SplittableRandom random = new SplittableRandom(seed);
        double[][] centres = new double[classes][features];
        for (double[] centre : centres) {
            for (int i = 0; i < features; i++) {
                centre[i] = 3 * (random.nextDouble() * 2 - 1);
            }
        }
        List<Row> out = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            int label = r % classes;
            double[] x = new double[features];
            for (int i = 0; i < features; i++) {
                x[i] = centres[label][i] + 0.5 * gaussian(random);
            }
            out.add(RowFactory.create((long) r, Vectors.dense(x), (double) label));
        }
        return spark.createDataFrame(out, SCHEMA).repartition(partitions);
    }

    /** {@code y = sin(2 x0) + 0.5 x1 - x2^2 / 2 + noise(0.05)} over x uniform in [-1, 1]^3. */
    static Dataset<Row> curve(SparkSession spark, int rows, long seed, int partitions) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Row> out = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            double[] x = {random.nextDouble() * 2 - 1, random.nextDouble() * 2 - 1, random.nextDouble() * 2 - 1};
            double y = Math.sin(2 * x[0]) + 0.5 * x[1] - x[2] * x[2] / 2 + 0.05 * gaussian(random);
            out.add(RowFactory.create((long) r, Vectors.dense(x), y));
        }
        return spark.createDataFrame(out, SCHEMA).repartition(partitions);
    }

    /**
     * Rows of {@code width} columns: 6 columns from topic {@code a} (of two), 6 from topic
     * {@code b} (of two), 6 anywhere; label {@code a XOR b}.
     */
    static Dataset<Row> xorTopics(SparkSession spark, int rows, int width, long seed, int partitions) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Row> out = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            int a = random.nextInt(2);
            int b = random.nextInt(2);
            java.util.TreeMap<Integer, Double> words = new java.util.TreeMap<>();
            while (words.size() < 6) {
                words.put(a * 40 + random.nextInt(40), 1.0);
            }
            while (words.size() < 12) {
                words.put(80 + b * 40 + random.nextInt(40), 1.0);
            }
            while (words.size() < 18) {
                words.put(random.nextInt(width), random.nextDouble() < 0.5 ? 1.0 : 2.0);
            }
            out.add(RowFactory.create((long) r, Vectors.sparse(width,
                    words.keySet().stream().mapToInt(Integer::intValue).toArray(),
                    words.values().stream().mapToDouble(Double::doubleValue).toArray()), (double) (a ^ b)));
        }
        return spark.createDataFrame(out, SCHEMA).repartition(partitions);
    }

    /**
     * Rows of {@code id}, {@code text} and {@code label}: sentences of topic words ("a0w12",
     * "b1w3") and noise words; label: which a-topic XOR which b-topic.
     */
    static Dataset<Row> topicSentences(SparkSession spark, int rows, long seed, int partitions) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Row> out = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            int a = random.nextInt(2);
            int b = random.nextInt(2);
            StringBuilder sentence = new StringBuilder();
            for (int w = 0; w < 5; w++) {
                sentence.append("a").append(a).append("w").append(random.nextInt(40)).append(' ');
                sentence.append("b").append(b).append("w").append(random.nextInt(40)).append(' ');
                sentence.append("noise").append(random.nextInt(5000)).append(' ');
            }
            out.add(RowFactory.create((long) r, sentence.toString().trim(), (double) (a ^ b)));
        }
        StructType schema = new StructType(new StructField[] {
            new StructField("id", DataTypes.LongType, false, Metadata.empty()),
            new StructField("text", DataTypes.StringType, false, Metadata.empty()),
            new StructField("label", DataTypes.DoubleType, false, Metadata.empty())});
        return spark.createDataFrame(out, schema).repartition(partitions);
    }

    static double gaussian(SplittableRandom random) {
        return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
    }
}
