package io.kortexdl.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.window;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertThrowsExactly;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.ml.feature.Tokenizer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models in Structured Streaming queries: a stream of Parquet files scored by saved and reloaded
 * pipelines (dense and HashingTF), scoring followed by a watermarked aggregation, the rate source
 * in {@code foreachBatch} and a plain query, bad rows failing a query that restarts from its
 * checkpoint, and clear errors for operations that need a batch DataFrame.
 *
 * <p>Each micro-batch of a file stream reads one file, and the batch reference scores that file on
 * its own: the same rows in the same blocks, so the stream must give the same bits.
 */
class StreamingTransformTest {
    private static SparkSession spark;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.session("local[2]");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void aSavedDensePipelineScoresAFileStreamAsBatchTransformDoes() throws Exception {
        Dataset<Row> train = SparkTestSupport.fashion(spark, true, 3000, 2);
        double[] thresholds = new double[10];
        for (int k = 0; k < thresholds.length; k++) {
            thresholds[k] = 0.05 + 0.1 * k;
        }
        PipelineModel model = saveAndLoad(new Pipeline().setStages(new PipelineStage[] {
            new KortexClassifier().setHiddenLayers(32).setMaxIter(3).setSeed(5).setThresholds(thresholds)})
                .fit(train), "dense-pipeline");
        List<Row> rows = new ArrayList<>();
        List<Row> images = SparkTestSupport.fashion(spark, false, 1200, 1).collectAsList();
        for (int i = 0; i < images.size(); i++) {
            rows.add(RowFactory.create((long) i, "image " + i, images.get(i).get(0), images.get(i).get(1)));
        }
        StructType schema = new StructType(new StructField[] {
            new StructField("id", DataTypes.LongType, false, Metadata.empty()),
            new StructField("note", DataTypes.StringType, false, Metadata.empty()),
            new StructField("features", SQLDataTypes.VectorType(), false, Metadata.empty()),
            new StructField("label", DataTypes.DoubleType, false, Metadata.empty())});
        List<Row> scored = assertStreamScoresAsBatch(model, rows, schema, "dense");
        assertEquals(Set.of("id", "note", "features", "label", "rawPrediction", "probability", "prediction"),
                Set.of(spark.table("dense").columns()));
        assertTrue(scored.stream().map(r -> r.getDouble(6)).distinct().count() > 3, "predictions vary");
    }

    @Test
    void aSavedHashingTfPipelineScoresAFileStreamAsBatchTransformDoes() throws Exception {
        PipelineModel model = saveAndLoad(new Pipeline().setStages(new PipelineStage[] {
            new Tokenizer().setInputCol("text").setOutputCol("words"),
            new HashingTF().setInputCol("words").setOutputCol("features"),
            new KortexClassifier().setHiddenLayers(16).setMaxIter(4).setSeed(3)})
                .fit(SyntheticData.topicSentences(spark, 2000, 8, 2)), "text-pipeline");
        KortexClassificationModel stage = (KortexClassificationModel) model.stages()[2];
        assertEquals(1 << 18, stage.numFeatures());
        Dataset<Row> text = SyntheticData.topicSentences(spark, 800, 9, 1);
        List<Row> scored = assertStreamScoresAsBatch(model, text.collectAsList(), text.schema(), "sparse");
        long right = scored.stream().filter(r -> r.getDouble(2) == r.getDouble(r.fieldIndex("prediction"))).count();
        // The recipe gets all 800 right (OpenBLAS's Cooperlake and Haswell kernels); guessing gets half.
        assertTrue(right >= 0.98 * scored.size(), right + " of " + scored.size() + " right");
    }

    @Test
    void scoredStreamsFeedAWatermarkedWindowAggregation() throws Exception {
        PipelineModel model = new Pipeline().setStages(new PipelineStage[] {
            new KortexClassifier().setHiddenLayers(8).setMaxIter(5).setSeed(2)})
                .fit(SyntheticData.blobs(spark, 600, 4, 3, 1, 2));
        // Four files, one minute of events each: 00:00-00:59, 01:00-01:59, ... (in id order, since a
        // file holding a later minute's event would move the watermark and make earlier events late).
        List<Row> events = sortedByKey(SyntheticData.blobs(spark, 400, 4, 3, 2, 1).collectAsList());
        List<Row> rows = new ArrayList<>();
        for (Row event : events) {
            long id = event.getLong(0);
            rows.add(RowFactory.create(id, new Timestamp(id * 600), event.get(1)));
        }
        StructType schema = new StructType(new StructField[] {
            new StructField("id", DataTypes.LongType, false, Metadata.empty()),
            new StructField("eventTime", DataTypes.TimestampType, false, Metadata.empty()),
            new StructField("features", SQLDataTypes.VectorType(), false, Metadata.empty())});
        Path input = FileStreams.write(spark, dir, "events", rows, schema, 4);
        Dataset<Row> counts = model.transform(FileStreams.read(spark, input, schema))
                .withWatermark("eventTime", "10 seconds")
                .groupBy(window(col("eventTime"), "1 minute"), col("prediction")).count();
        StreamingQuery query = counts.writeStream().format("memory").queryName("window_counts").outputMode("append")
                .trigger(Trigger.AvailableNow()).option("checkpointLocation", dir.resolve("ck-windows").toString())
                .start();
        query.awaitTermination();

        Dataset<Row> expected = FileStreams.batchOfEachFile(spark, model, input)
                .groupBy(window(col("eventTime"), "1 minute"), col("prediction")).count();
        // The last minute stays open: no later event moves the watermark past its end.
        Set<String> closed = rowsAsText(expected.where(col("window.end").leq(new Timestamp(180_000))));
        Set<String> emitted = rowsAsText(spark.table("window_counts"));
        assertEquals(closed, emitted);
        assertEquals(3, spark.table("window_counts").select("window").distinct().count(), "three closed windows");
    }

    @Test
    void theRateSourceIsScoredInForeachBatchAndInAPlainQueryAlike() throws Exception {
        // Two features computed from the rate source's value; a classifier and a regressor on them.
        String features = "SELECT *, CAST(value % 17 AS DOUBLE) / 17 AS x1, CAST(value % 5 AS DOUBLE) / 5 AS x2"
                + " FROM __THIS__";
        Dataset<Row> train = spark.range(0, 3000).toDF("value")
                .selectExpr("value", "CAST((value % 17) > 8 AS DOUBLE) AS label",
                        "2 * CAST(value % 17 AS DOUBLE) / 17 + CAST(value % 5 AS DOUBLE) / 5 AS target");
        PipelineModel model = new Pipeline().setStages(new PipelineStage[] {
            new SQLTransformer().setStatement(features),
            new VectorAssembler().setInputCols(new String[] {"x1", "x2"}).setOutputCol("features"),
            new KortexClassifier().setHiddenLayers(8).setMaxIter(60).setSeed(4),
            new KortexRegressor().setLabelCol("target").setPredictionCol("estimate").setHiddenLayers(16).setTol(0)
                    .setMaxIter(60).setSeed(4)}).fit(train);
        String[] outputs = {"value", "probability", "prediction", "estimate"};

        ConcurrentLinkedQueue<Row> inForeachBatch = new ConcurrentLinkedQueue<>();
        StreamingQuery foreach = rate().writeStream().trigger(Trigger.AvailableNow())
                .option("checkpointLocation", dir.resolve("ck-rate-foreach").toString())
                .foreachBatch((VoidFunction2<Dataset<Row>, Long>) (batch, id) ->
                        inForeachBatch.addAll(model.transform(batch).select(col(outputs[0]), col(outputs[1]),
                                col(outputs[2]), col(outputs[3])).collectAsList()))
                .start();
        foreach.awaitTermination();
        StreamingQuery plain = model.transform(rate()).selectExpr(outputs).writeStream().format("memory")
                .queryName("rate_scores").trigger(Trigger.AvailableNow())
                .option("checkpointLocation", dir.resolve("ck-rate-plain").toString()).start();
        plain.awaitTermination();

        List<Row> viaForeach = sortedByKey(new ArrayList<>(inForeachBatch));
        List<Row> viaQuery = sortedByKey(spark.table("rate_scores").collectAsList());
        assertFalse(foreach.isActive() || plain.isActive(), "both queries stopped by themselves");
        assertTrue(viaQuery.size() >= 500 && viaQuery.size() % 500 == 0, viaQuery.size() + " rows");
        assertEquals(viaForeach, viaQuery, "foreachBatch (batch DataFrames) and the streaming query score alike");
        long right = viaQuery.stream().filter(r -> r.getDouble(2) == (r.getLong(0) % 17 > 8 ? 1 : 0)).count();
        assertTrue(right > 0.95 * viaQuery.size(), right + " of " + viaQuery.size() + " classified right");
        // The target is 2 x1 + x2; predicting its mean would be 0.55 off on average, the recipe is 0.03 off.
        double[] errors = viaQuery.stream().mapToDouble(r -> Math.abs(r.getDouble(3)
                - (2 * (r.getLong(0) % 17) / 17.0 + (r.getLong(0) % 5) / 5.0))).toArray();
        double mean = Arrays.stream(errors).average().orElseThrow();
        assertTrue(mean < 0.06, "mean regression error " + mean);
    }

    @Test
    void aBadRowFailsTheQueryWithTheBatchMessageAndTheQueryRestartsOnceTheFileIsGone() throws Exception {
        PipelineModel model = new Pipeline().setStages(new PipelineStage[] {
            new KortexClassifier().setHiddenLayers(8).setMaxIter(3).setSeed(6)})
                .fit(SyntheticData.blobs(spark, 300, 4, 3, 1, 2));
        List<Row> rows = new ArrayList<>(SyntheticData.blobs(spark, 300, 4, 3, 3, 1).collectAsList());
        rows.set(150, RowFactory.create(10_000L, Vectors.dense(1, 2, 3), 0.0)); // in the second of three files
        StructType schema = SyntheticData.SCHEMA;
        Path input = FileStreams.write(spark, dir, "with-bad-row", rows, schema, 3);
        Path bad = FileStreams.files(input).get(1);
        String batchMessage = illegalArgument(assertThrows(Exception.class,
                () -> model.transform(spark.read().schema(schema).parquet(bad.toString())).collect())).getMessage();
        assertTrue(batchMessage.contains("has 3 features at row 50 of partition 0"), batchMessage);

        Path output = dir.resolve("scored-with-bad-row");
        Path checkpoint = dir.resolve("ck-bad-row");
        StreamingQueryException failure = assertThrows(StreamingQueryException.class,
                () -> scoreToParquet(model, input, schema, output, checkpoint).awaitTermination());
        assertEquals(batchMessage, illegalArgument(failure).getMessage());
        assertEquals(100, spark.read().parquet(output.toString()).count(), "the first file's micro-batch committed");

        // The restart replays the failed micro-batch from the checkpoint, now without its deleted file.
        Files.delete(bad);
        scoreToParquet(model, input, schema, output, checkpoint).awaitTermination();
        List<Row> written = sortedByKey(spark.read().parquet(output.toString()).select("id", "probability",
                "prediction").collectAsList());
        List<Row> expected = sortedByKey(FileStreams.batchOfEachFile(spark, model, input)
                .select("id", "probability", "prediction").collectAsList());
        assertEquals(200, written.size(), "every good row once");
        assertEquals(expected, written);
    }

    @Test
    void operationsThatNeedABatchDataFrameSaySoForAStream() throws Exception {
        Dataset<Row> data = SyntheticData.blobs(spark, 200, 4, 2, 1, 1);
        KortexClassificationModel classifier = new KortexClassifier().setHiddenLayers(4).setMaxIter(1).fit(data);
        KortexRegressionModel regressor = new KortexRegressor().setHiddenLayers(4).setMaxIter(1).fit(data);
        Dataset<Row> stream = FileStreams.read(spark, FileStreams.write(spark, dir, "for-errors",
                data.collectAsList(), SyntheticData.SCHEMA, 1), SyntheticData.SCHEMA);
        for (IllegalArgumentException e : List.of(
                assertThrowsExactly(IllegalArgumentException.class, () -> classifier.evaluate(stream)),
                assertThrowsExactly(IllegalArgumentException.class, () -> regressor.evaluate(stream)))) {
            assertTrue(e.getMessage().startsWith("evaluate needs a batch DataFrame, but was given a streaming one")
                    && e.getMessage().contains("foreachBatch"), e.getMessage());
        }
        for (IllegalArgumentException e : List.of(
                assertThrowsExactly(IllegalArgumentException.class, () -> new KortexClassifier().fit(stream)),
                assertThrowsExactly(IllegalArgumentException.class, () -> new KortexRegressor().fit(stream)),
                assertThrowsExactly(IllegalArgumentException.class, () -> new Pipeline()
                        .setStages(new PipelineStage[] {new KortexClassifier()}).fit(stream)))) {
            assertTrue(e.getMessage().startsWith("fit needs a batch DataFrame, but was given a streaming one")
                    && e.getMessage().contains("transform"), e.getMessage());
        }
    }

    /**
     * Writes {@code rows} as {@code files} Parquet files, streams them one file a micro-batch
     * through {@code model} into a memory sink named {@code name}, and checks the sink holds, in
     * order, exactly what a batch transform of each file gives. Returns the scored rows.
     */
    private static List<Row> assertStreamScoresAsBatch(PipelineModel model, List<Row> rows, StructType schema,
                                                       String name) throws Exception {
        Path input = FileStreams.write(spark, dir, name, rows, schema, 4);
        StreamingQuery query = model.transform(FileStreams.read(spark, input, schema)).writeStream().format("memory")
                .queryName(name).trigger(Trigger.AvailableNow())
                .option("checkpointLocation", dir.resolve("ck-" + name).toString()).start();
        query.awaitTermination();
        long microBatches = Arrays.stream(query.recentProgress()).filter(p -> p.numInputRows() > 0).count();
        assertEquals(4, microBatches, "one micro-batch per file");
        List<Row> expected = FileStreams.batchOfEachFile(spark, model, input).collectAsList();
        List<Row> streamed = spark.table(name).collectAsList();
        assertEquals(rows.size(), streamed.size());
        assertEquals(expected, streamed, "the stream scores every row as a batch transform of its file does");
        for (int i = 0; i < streamed.size(); i++) {
            assertEquals(rows.get(i).getLong(0), streamed.get(i).getLong(0), "rows keep their order");
        }
        return streamed;
    }

    private static Dataset<Row> rate() {
        return spark.readStream().format("rate-micro-batch").option("rowsPerBatch", 500).option("numPartitions", 2)
                .load();
    }

    private static StreamingQuery scoreToParquet(PipelineModel model, Path input, StructType schema, Path output,
                                                 Path checkpoint) throws Exception {
        return model.transform(FileStreams.read(spark, input, schema)).writeStream().format("parquet")
                .option("path", output.toString()).option("checkpointLocation", checkpoint.toString())
                .trigger(Trigger.AvailableNow()).start();
    }

    private static PipelineModel saveAndLoad(PipelineModel model, String name) throws IOException {
        String path = dir.resolve(name).toString();
        model.write().overwrite().save(path);
        return PipelineModel.load(path);
    }

    /** {@code rows} ordered by their first column, a long key (an id, or the rate source's value). */
    private static List<Row> sortedByKey(List<Row> rows) {
        List<Row> sorted = new ArrayList<>(rows);
        sorted.sort(Comparator.comparingLong(r -> r.getLong(0)));
        return sorted;
    }

    private static Set<String> rowsAsText(Dataset<Row> rows) {
        return rows.collectAsList().stream().map(Row::toString).collect(Collectors.toCollection(TreeSet::new));
    }

    /** The IllegalArgumentException among the causes of {@code e}. */
    private static IllegalArgumentException illegalArgument(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof IllegalArgumentException found) {
                return found;
            }
        }
        throw new AssertionError("no IllegalArgumentException among the causes", e);
    }
}
