package io.kortexdl.spark;

import io.kortexdl.kernels.LossType;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The batched {@code transform} and the one-pass {@code evaluate} shared by both model classes.
 */
final class ModelScoring {
    private ModelScoring() {
    }

    /**
     * The output schema: the input columns plus the enabled output columns.
     *
     * @throws IllegalArgumentException if the features column is missing or of a wrong type, has
     *     another size declared in its metadata, or an output column exists already
     */
    static StructType outputSchema(StructType schema, String featuresCol, BatchScorer.Outputs outputs,
                                   String rawCol, String probabilityCol, String predictionCol) {
        FeatureColumn.of(schema, featuresCol);
        StructType out = schema;
        if (outputs.raw()) {
            SchemaChecks.absent(schema, rawCol, "rawPrediction");
            out = out.add(new StructField(rawCol, SQLDataTypes.VectorType(), false,
                    org.apache.spark.sql.types.Metadata.empty()));
        }
        if (outputs.probability()) {
            SchemaChecks.absent(schema, probabilityCol, "probability");
            out = out.add(new StructField(probabilityCol, SQLDataTypes.VectorType(), false,
                    org.apache.spark.sql.types.Metadata.empty()));
        }
        if (outputs.prediction()) {
            SchemaChecks.absent(schema, predictionCol, "prediction");
            out = out.add(new StructField(predictionCol, DataTypes.DoubleType, false,
                    org.apache.spark.sql.types.Metadata.empty()));
        }
        return out;
    }

    /**
     * The weights as a broadcast: each executor fetches them once and its tasks share one network
     * ({@link NetworkWeights#sharedNetwork()}), instead of every task deserializing its own copy
     * from the task binary (64 MB a task for a 2^18 x 64 first layer). Spark's context cleaner
     * removes it once the scored DataFrame is gone.
     */
    private static Broadcast<NetworkWeights> broadcast(Dataset<?> dataset, NetworkWeights weights) {
        return JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext()).broadcast(weights);
    }

    /** Every input row with the outputs appended, scored in blocks per partition. */
    static Dataset<Row> transform(Dataset<?> dataset, NetworkWeights weights, String featuresCol,
                                  BatchScorer.Outputs outputs, StructType outputSchema) {
        StructType schema = dataset.schema();
        FeatureColumn features = FeatureColumn.of(schema, featuresCol);
        Broadcast<NetworkWeights> shared = broadcast(dataset, weights);
        Dataset<Row> internal = InternalRowScoring.transform(dataset, shared, features, outputs, outputSchema);
        return internal != null ? internal : transformRows(dataset, shared, featuresCol, outputs, outputSchema);
    }

    /**
     * The public-API path of {@link #transform}: external Rows in and out, through
     * {@code mapPartitions}, which streaming queries run in every micro-batch. Used where internal
     * rows are not exposed: Spark Connect and streaming Datasets.
     */
    static Dataset<Row> transformRows(Dataset<?> dataset, Broadcast<NetworkWeights> weights, String featuresCol,
                                      BatchScorer.Outputs outputs, StructType outputSchema) {
        StructType schema = dataset.schema();
        FeatureColumn features = FeatureColumn.of(schema, featuresCol);
        BatchScorer scorer = new BatchScorer(weights, features, schema.fieldIndex(featuresCol), outputs);
        return dataset.toDF().mapPartitions((MapPartitionsFunction<Row, Row>) rows -> scorer.score(rows,
                org.apache.spark.TaskContext.getPartitionId()), Encoders.row(outputSchema));
    }

    /**
     * Loss and accuracy (classification) or loss, RMSE and R2 (regression) over {@code dataset}
     * in one distributed pass, summed in partition order.
     *
     * @throws IllegalArgumentException on a streaming {@code dataset}, missing or mistyped columns,
     *     bad features, or labels outside the model's classes
     */
    static KortexMetrics evaluate(Dataset<?> dataset, NetworkWeights weights, String featuresCol, String labelCol,
                                  String weightCol, LossType loss) {
        BatchInput.require(dataset, "evaluate", "score the stream with transform, or evaluate each micro-batch"
                + " inside writeStream().foreachBatch(...)");
        StructType schema = dataset.schema();
        FeatureColumn features = FeatureColumn.of(schema, featuresCol);
        SchemaChecks.numeric(schema, labelCol, "the label");
        boolean weighted = weightCol != null && !weightCol.isEmpty();
        if (weighted) {
            SchemaChecks.numeric(schema, weightCol, "the row weights");
        }
        Dataset<Row> selected = weighted
                ? dataset.select(dataset.col(featuresCol), dataset.col(labelCol).cast("double"),
                        dataset.col(weightCol).cast("double"))
                : dataset.select(dataset.col(featuresCol), dataset.col(labelCol).cast("double"));
        int inputs = weights.inputSize();
        Broadcast<NetworkWeights> shared = broadcast(dataset, weights);
        List<MetricSums> parts = selected.toJavaRDD().mapPartitionsWithIndex((partition, rows) -> {
            MetricSums sums = new MetricSums();
            io.kortexdl.kernels.Network network = shared.value().sharedNetwork();
            FeatureBlock block = new FeatureBlock(inputs);
            float[] labels = new float[ChunkForward.ROWS];
            float[] rowWeights = weighted ? new float[ChunkForward.ROWS] : null;
            long rowNumber = 0;
            int n = 0;
            while (rows.hasNext() && sums.error == null) {
                Row row = rows.next();
                String where = "row " + rowNumber++ + " of partition " + partition;
                try {
                    features.readSparse(row, 0, inputs, block.sink(), where);
                    labels[n] = (float) checkedValue(row, 1, labelCol, "the label", where);
                    if (weighted) {
                        rowWeights[n] = (float) checkedValue(row, 2, weightCol, "the row weight", where);
                    }
                    block.endRow();
                } catch (IllegalArgumentException e) {
                    sums.error = e.getMessage();
                    break;
                }
                if (++n == ChunkForward.ROWS || !rows.hasNext()) {
                    sums.addBlock(network, block, labels, rowWeights, loss);
                    block.clear();
                    if (sums.error != null) {
                        sums.error = "Column " + labelCol + ": " + sums.error + " (in " + where + " or the "
                                + (n - 1) + " rows before it)";
                    }
                    n = 0;
                }
            }
            return List.of(sums).iterator();
        }, true).collect();
        MetricSums total = new MetricSums();
        parts.forEach(total::add);
        if (total.error != null) {
            throw new IllegalArgumentException(total.error);
        }
        if (total.rows == 0) {
            throw new IllegalArgumentException("The dataset is empty: there is nothing to evaluate");
        }
        return total.toMetrics(loss);
    }

    private static double checkedValue(Row row, int index, String column, String role, String where) {
        if (row.isNullAt(index)) {
            throw new IllegalArgumentException("Column " + column + " (" + role + ") is null at " + where);
        }
        double value = row.getDouble(index);
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("Column " + column + " (" + role + ") is " + value + " at " + where);
        }
        return value;
    }
}
