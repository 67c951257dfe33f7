package io.kortexdl.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertThrowsExactly;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.spark.ml.attribute.NominalAttribute;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The table of bad input: every case names the exact exception type and the message fragments it
 * must carry (the column, the row or the param, and what was expected). Every fit in the table
 * has a real output location, watched around the case: its checkpoint directory
 * ({@link #output()}, where the same fit on good data does write, as
 * {@link #theWatchedOutputIsWhereAGoodFitWrites} shows), or the existing file it names, which
 * must keep its bytes. Nothing may stay cached either.
 */
class BadInputTest {
    private static SparkSession spark;

    @org.junit.jupiter.api.io.TempDir
    static java.nio.file.Path dir;

    /** Where every fit of the table would write its checkpoints. */
    private static String output() {
        return dir.resolve("output").toString();
    }

    private static String emptyDirectory() {
        try {
            return java.nio.file.Files.createDirectories(dir.resolve("empty")).toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A checkpoint directory of a good fit (layers [2, 4, 2]), for the resume cases. */
    private static String goodCheckpoints() {
        java.nio.file.Path good = dir.resolve("good-checkpoints");
        if (!java.nio.file.Files.exists(good)) {
            new KortexClassifier().setHiddenLayers(4).setMaxIter(1).setCheckpointDir(good.toString())
                    .fit(vectors(1, 1, 1));
        }
        return good.toString();
    }

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.session("local[2]");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @AfterEach
    void nothingStaysCached() {
        assertTrue(spark.sparkContext().getPersistentRDDs().isEmpty(), "packed blocks released after a failure");
    }

    private static Arguments bad(String name, Runnable action, List<String> fragments) {
        return bad(name, action, fragments, java.nio.file.Path.of(output()));
    }

    /** A case whose fit would write to {@code watched}, an existing file it must leave as it is. */
    private static Arguments bad(String name, Runnable action, List<String> fragments, java.nio.file.Path watched) {
        return Arguments.of(name, IllegalArgumentException.class, action, fragments, watched);
    }

    private static byte[] contents(java.nio.file.Path path) {
        try {
            return java.nio.file.Files.isRegularFile(path) ? java.nio.file.Files.readAllBytes(path)
                    : java.nio.file.Files.exists(path) ? new byte[] {'d', 'i', 'r'} : null;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Dataset<Row> sparse(int size, double... labels) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            rows.add(RowFactory.create(Vectors.sparse(size, new int[] {i}, new double[] {1}), labels[i]));
        }
        return spark.createDataFrame(rows, VECTORS).repartition(1);
    }

    private static String fileInCheckpoints() {
        return goodCheckpoints() + "/checkpoint-000001.kxck";
    }

    private static Dataset<Row> frame(StructType schema, Object[]... rows) {
        List<Row> list = new ArrayList<>();
        for (Object[] row : rows) {
            list.add(RowFactory.create(row));
        }
        return spark.createDataFrame(list, schema).repartition(1);
    }

    private static StructType schema(org.apache.spark.sql.types.DataType features, org.apache.spark.sql.types.DataType label) {
        return new StructType(new StructField[] {
            new StructField("features", features, true, Metadata.empty()),
            new StructField("label", label, true, Metadata.empty())});
    }

    private static final StructType VECTORS = schema(SQLDataTypes.VectorType(), DataTypes.DoubleType);

    private static Dataset<Row> vectors(double label3, double... third) {
        return frame(VECTORS,
                new Object[] {Vectors.dense(1, 2), 0.0},
                new Object[] {Vectors.dense(2, 1), 1.0},
                new Object[] {Vectors.dense(third), label3});
    }

    static Stream<Arguments> cases() {
        Supplier<KortexClassifier> c = () -> new KortexClassifier().setHiddenLayers(4).setMaxIter(1)
                .setCheckpointDir(output());
        return Stream.of(
                bad("NaN feature", (Runnable) () -> c.get().fit(vectors(1, 0, Double.NaN)),
                        List.of("Column features", "NaN", "feature 1", "row 2", "finite")),
                bad("infinite feature", (Runnable) () -> c.get().fit(vectors(1, Double.POSITIVE_INFINITY, 0)),
                        List.of("Column features", "Infinity", "row 2")),
                bad("feature beyond float32", (Runnable) () -> c.get().fit(vectors(1, 1e300, 0)),
                        List.of("Column features", "float32", "row 2")),
                bad("mixed feature sizes", (Runnable) () -> c.get().fit(vectors(1, 1, 2, 3)),
                        List.of("Column features has 3 features at row 2", "earlier rows have 2")),
                bad("null vector", (Runnable) () -> c.get().fit(frame(VECTORS,
                        new Object[] {Vectors.dense(1, 2), 0.0}, new Object[] {null, 1.0})),
                        List.of("Column features is null at row 1")),
                bad("negative label", (Runnable) () -> c.get().fit(vectors(-1, 1, 1)),
                        List.of("Column label", "-1.0", "row 2", "whole numbers")),
                bad("fractional label", (Runnable) () -> c.get().fit(vectors(0.5, 1, 1)),
                        List.of("Column label", "0.5", "row 2")),
                bad("NaN label", (Runnable) () -> c.get().fit(vectors(Double.NaN, 1, 1)),
                        List.of("Column label", "NaN", "row 2", "finite")),
                bad("null label", (Runnable) () -> c.get().fit(frame(VECTORS,
                        new Object[] {Vectors.dense(1, 2), 0.0}, new Object[] {Vectors.dense(1, 2), null})),
                        List.of("Column label", "null at row 1")),
                bad("label beyond the declared classes", (Runnable) () -> c.get().fit(vectors(5, 1, 1)
                        .withColumn("label", org.apache.spark.sql.functions.col("label").as("label",
                                NominalAttribute.defaultAttr().withNumValues(3).toMetadata()))),
                        List.of("Column label", "5.0 at row 2", "declares 3 classes")),
                bad("absurd label", (Runnable) () -> c.get().fit(vectors(1e7, 1, 1)),
                        List.of("Column label", "1.0E7 at row 2", "StringIndexer")),
                bad("one class", (Runnable) () -> c.get().fit(frame(VECTORS,
                        new Object[] {Vectors.dense(1, 2), 0.0})), List.of("at least two classes")),
                bad("empty dataset", (Runnable) () -> c.get().fit(vectors(1, 1, 1).limit(0)),
                        List.of("dataset is empty")),
                bad("missing features column", (Runnable) () -> c.get().setFeaturesCol("pixels")
                        .fit(vectors(1, 1, 1)), List.of("Column pixels (the features) does not exist", "features, label")),
                bad("missing label column", (Runnable) () -> c.get().setLabelCol("y").fit(vectors(1, 1, 1)),
                        List.of("Column y (the label) does not exist")),
                bad("string features", (Runnable) () -> c.get().fit(frame(
                        schema(DataTypes.StringType, DataTypes.DoubleType), new Object[] {"1,2", 0.0})),
                        List.of("Column features", "Vector, array<float> or array<double>", "string")),
                bad("string label", (Runnable) () -> c.get().fit(frame(
                        schema(SQLDataTypes.VectorType(), DataTypes.StringType), new Object[] {Vectors.dense(1), "cat"})),
                        List.of("Column label (the label) must be numeric", "string")),
                bad("negative weight", (Runnable) () -> c.get().setWeightCol("w").fit(vectors(1, 1, 1)
                        .withColumn("w", org.apache.spark.sql.functions.lit(-1.0))),
                        List.of("Column w (the row weight) is -1.0 at row 0", ">= 0")),
                bad("all weights zero", (Runnable) () -> c.get().setWeightCol("w").fit(vectors(1, 1, 1)
                        .withColumn("w", org.apache.spark.sql.functions.lit(0.0))),
                        List.of("Column w", "sums to 0.0")),
                bad("missing weight column", (Runnable) () -> c.get().setWeightCol("w").fit(vectors(1, 1, 1)),
                        List.of("Column w (the row weights) does not exist")),
                bad("weights on a regressor", (Runnable) () -> new KortexRegressor().setWeightCol("label")
                        .setCheckpointDir(output()).fit(vectors(1, 1, 1)), List.of("weightCol", "KortexClassifier only")),
                bad("NaN weight", (Runnable) () -> c.get().setWeightCol("w").fit(vectors(1, 1, 1)
                        .withColumn("w", org.apache.spark.sql.functions.lit(Double.NaN))),
                        List.of("Column w (the row weight) is NaN at row 0", "finite and >= 0")),
                bad("infinite weight", (Runnable) () -> c.get().setWeightCol("w").fit(vectors(1, 1, 1)
                        .withColumn("w", org.apache.spark.sql.functions.lit(Double.POSITIVE_INFINITY))),
                        List.of("Column w (the row weight) is Infinity at row 0", "finite and >= 0")),
                bad("null weight", (Runnable) () -> c.get().setWeightCol("w").fit(vectors(1, 1, 1)
                        .withColumn("w", org.apache.spark.sql.functions.lit(null).cast("double"))),
                        List.of("Column w (the row weight) is null at row 0")),
                bad("thresholds of another length", (Runnable) () -> c.get().setThresholds(new double[] {0.2, 0.3, 0.5})
                        .fit(vectors(1, 1, 1)), List.of("thresholds has 3 values", "column label has 2 classes",
                                "one threshold per class")),
                bad("a 2^30-wide sparse column", (Runnable) () -> c.get().fit(sparse(1 << 30, 0, 1)),
                        List.of("Column features has 1073741824 features", "4,294,967,310 parameters", "GiB",
                                "smaller numFeatures in HashingTF")),
                bad("network too large for a sparse column", (Runnable) () -> c.get().setHiddenLayers(1024)
                        .fit(sparse(1 << 22, 0, 1)), List.of("Column features has 4194304 features: with hiddenLayers"
                                + " [1024] and at least 2 outputs", "4,294,970,370 parameters", "smaller hiddenLayers")),
                bad("NaN in a sparse vector", (Runnable) () -> c.get().fit(frame(VECTORS,
                        new Object[] {Vectors.sparse(1000, new int[] {3}, new double[] {1}), 0.0},
                        new Object[] {Vectors.sparse(1000, new int[] {7, 990}, new double[] {1, Double.NaN}), 1.0})),
                        List.of("Column features", "NaN", "feature 990", "row 1", "finite")),
                bad("sparse vectors of two sizes", (Runnable) () -> c.get().fit(frame(VECTORS,
                        new Object[] {Vectors.sparse(1000, new int[] {3}, new double[] {1}), 0.0},
                        new Object[] {Vectors.sparse(999, new int[] {7}, new double[] {1}), 1.0})),
                        List.of("Column features has 999 features at row 1", "earlier rows have 1000")),
                bad("checkpointDir that cannot be written", (Runnable) () -> c.get()
                        .setCheckpointDir(fileInCheckpoints() + "/sub").fit(vectors(1, 1, 1)),
                        List.of("checkpointDir", "checkpoint-000001.kxck/sub cannot be written"),
                        java.nio.file.Path.of(fileInCheckpoints())),
                bad("infinite step size", (Runnable) () -> c.get().setStepSize(Double.POSITIVE_INFINITY),
                        List.of("stepSize", "Infinity")),
                bad("step size beyond float32", (Runnable) () -> c.get().setStepSize(1e39),
                        List.of("stepSize", "1.0E39")),
                bad("regParam beyond float32", (Runnable) () -> c.get().setRegParam(1e40),
                        List.of("regParam", "1.0E40")),
                bad("NaN regParam", (Runnable) () -> c.get().setRegParam(Double.NaN), List.of("regParam", "NaN")),
                bad("negative maxIter", (Runnable) () -> c.get().setMaxIter(-1), List.of("maxIter", "-1")),
                bad("validation column not boolean", (Runnable) () -> c.get().setValidationIndicatorCol("label")
                        .fit(vectors(1, 1, 1)), List.of("Column label (the validation indicator) must be boolean")),
                bad("only validation rows", (Runnable) () -> c.get().setValidationIndicatorCol("v")
                        .fit(vectors(1, 1, 1).withColumn("v", org.apache.spark.sql.functions.lit(true))),
                        List.of("Every row is marked for validation by column v")),
                bad("hidden layer of size 0", (Runnable) () -> c.get().setHiddenLayers(4, 0),
                        List.of("hiddenLayers", "[4,0]")),
                bad("negative step size", (Runnable) () -> c.get().setStepSize(-0.1),
                        List.of("stepSize", "-0.1")),
                bad("unknown activation", (Runnable) () -> c.get().setActivation("elu"),
                        List.of("activation", "elu")),
                bad("unknown optimizer", (Runnable) () -> c.get().setOptimizer("lbfgs"),
                        List.of("optimizer", "lbfgs")),
                bad("negative batch size", (Runnable) () -> c.get().setBatchSize(-1), List.of("batchSize", "-1")),
                bad("sync interval 0", (Runnable) () -> c.get().setSyncInterval(0),
                        List.of("syncInterval", "0")),
                bad("negative threads", (Runnable) () -> c.get().setNumThreads(-2),
                        List.of("numThreads", "-2")),
                bad("existing output column", (Runnable) () -> c.get().setPredictionCol("label")
                        .fit(vectors(1, 1, 1)), List.of("Output column label (prediction) already exists")),
                bad("checkpoint interval 0", (Runnable) () -> c.get().setCheckpointInterval(0),
                        List.of("checkpointInterval", "0")),
                bad("no checkpoint kept", (Runnable) () -> c.get().setKeepCheckpoints(0),
                        List.of("keepCheckpoints", "0")),
                bad("checkpointDir is a file", (Runnable) () -> c.get().setCheckpointDir(fileInCheckpoints())
                        .fit(vectors(1, 1, 1)),
                        List.of("checkpointDir", "checkpoint-000001.kxck is a file; expected a directory"),
                        java.nio.file.Path.of(fileInCheckpoints())),
                bad("resume from a missing path", (Runnable) () -> c.get().setResumeFrom(output() + "-missing")
                        .fit(vectors(1, 1, 1)), List.of("resumeFrom", "output-missing does not exist")),
                bad("resume from a directory without checkpoints", (Runnable) () -> c.get()
                        .setResumeFrom(emptyDirectory()).fit(vectors(1, 1, 1)),
                        List.of("resumeFrom", "holds no readable checkpoint")),
                bad("resume with other layers", (Runnable) () -> c.get().setHiddenLayers(5)
                        .setResumeFrom(goodCheckpoints()).fit(vectors(1, 1, 1)),
                        List.of("resumeFrom", "checkpoint-000001.kxck (after epoch 1) was written by a fit with layers"
                                + " [2, 4, 2] (this fit: [2, 5, 2])")),
                bad("resume with another batch size", (Runnable) () -> c.get().setBatchSize(2)
                        .setResumeFrom(goodCheckpoints()).fit(vectors(1, 1, 1)),
                        List.of("batchSize 8 (this fit: 2)")),
                bad("initial model of other layers", (Runnable) () -> c.get().setInitialModel(
                        new KortexClassifier().setHiddenLayers(3).setMaxIter(1).fit(vectors(1, 1, 1)).weights())
                        .fit(vectors(1, 1, 1)), List.of("initialModel has layers [2, 3, 2]", "needs [2, 4, 2]")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void isRefusedWithAClearMessageAndWritesNothing(String name, Class<? extends Exception> type, Runnable action,
                                                    List<String> fragments, java.nio.file.Path watched) {
        byte[] before = contents(watched);
        Exception e = assertThrowsExactly(type, action::run, name);
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), name + ": \"" + fragment + "\" not in: " + e.getMessage());
        }
        assertArrayEquals(before, contents(watched), name + ": the failed fit changed " + watched);
    }

    @org.junit.jupiter.api.Test
    void theWatchedOutputIsWhereAGoodFitWrites() throws java.io.IOException {
        java.nio.file.Path output = java.nio.file.Path.of(output());
        new KortexClassifier().setHiddenLayers(4).setMaxIter(1).setCheckpointDir(output()).fit(vectors(1, 1, 1));
        assertTrue(java.nio.file.Files.isRegularFile(output.resolve("checkpoint-000001.kxck")),
                "the table's fits would have written here");
        try (Stream<java.nio.file.Path> files = java.nio.file.Files.walk(output)) {
            for (java.nio.file.Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.delete(p);
            }
        }
    }

    @org.junit.jupiter.api.Test
    void aModelRefusesThresholdsOfAnotherLength() {
        KortexClassificationModel model = new KortexClassifier().setHiddenLayers(4).setMaxIter(1).fit(vectors(1, 3, 3));
        IllegalArgumentException set = assertThrowsExactly(IllegalArgumentException.class,
                () -> model.setThresholds(new double[] {0.5, 0.3, 0.2}));
        assertTrue(set.getMessage().contains("numClasses=2, but thresholds has length 3"), set.getMessage());
        // Params copied in without the setter (a ParamMap, or a model file edited by hand) are checked by transform.
        KortexClassificationModel copied = model.copy(new org.apache.spark.ml.param.ParamMap()
                .put(model.thresholds(), new double[] {0.5, 0.3, 0.2}));
        IllegalArgumentException transform = assertThrowsExactly(IllegalArgumentException.class,
                () -> copied.transform(vectors(1, 3, 3)));
        assertTrue(transform.getMessage().contains("thresholds has 3 values, but this model has 2 classes"),
                transform.getMessage());
    }

    @org.junit.jupiter.api.Test
    void evaluateAndTransformNameBadRowsToo() {
        KortexClassificationModel model = new KortexClassifier().setHiddenLayers(4).setMaxIter(1)
                .fit(vectors(1, 3, 3));
        IllegalArgumentException label = assertThrows(IllegalArgumentException.class,
                () -> model.evaluate(vectors(7, 3, 3)));
        assertTrue(label.getMessage().contains("the label is 7.0; expected a class index 0..1"), label.getMessage());
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> model.evaluate(vectors(1, 3, 3, 3)));
        assertTrue(size.getMessage().contains("has 3 features at row 2 of partition 0"), size.getMessage());
        Exception transform = assertThrows(Exception.class, () -> model.transform(vectors(1, Double.NaN, 3)).collect());
        Throwable cause = transform;
        while (cause.getCause() != null && !(cause instanceof IllegalArgumentException)) {
            cause = cause.getCause();
        }
        assertTrue(cause.getMessage().contains("Column features has NaN at feature 0 at row 2"), cause.getMessage());
        assertEquals(Arrays.asList(2, 2), Arrays.asList(model.numClasses(), model.numFeatures()));
    }
}
