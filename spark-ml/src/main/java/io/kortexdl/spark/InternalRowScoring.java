package io.kortexdl.spark;

import java.io.Serializable;
import java.util.Iterator;
import org.apache.spark.TaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.types.StructType;

/**
 * Batched scoring on Spark's internal rows: input rows pass through untouched and only the new
 * columns are built, so no row is converted to an external {@code Row} and back (which costs
 * more than the forward pass itself). This reaches Spark's {@code private[sql]} entry points
 * ({@code queryExecution().toRdd()}, {@code internalCreateDataFrame}); every such call is here,
 * and {@link #transform} returns null where they are not available, so the caller falls back to
 * the public Row path: on Spark Connect, and for a streaming Dataset, whose plan runs only inside
 * a started query and so cannot become an RDD when {@code transform} is called.
 */
final class InternalRowScoring implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final byte DENSE = 1;

    private final Broadcast<NetworkWeights> weights;
    private final FeatureColumn features;
    private final int featuresIndex;
    private final BatchScorer.Outputs outputs;
    private final StructType outputSchema;

    private InternalRowScoring(Broadcast<NetworkWeights> weights, FeatureColumn features, int featuresIndex,
                               BatchScorer.Outputs outputs, StructType outputSchema) {
        this.weights = weights;
        this.features = features;
        this.featuresIndex = featuresIndex;
        this.outputs = outputs;
        this.outputSchema = outputSchema;
    }

    /** The scored dataset, or null when this Spark does not expose the dataset's internal rows. */
    static Dataset<Row> transform(Dataset<?> dataset, Broadcast<NetworkWeights> weights, FeatureColumn features,
                                  BatchScorer.Outputs outputs, StructType outputSchema) {
        if (!(dataset instanceof org.apache.spark.sql.classic.Dataset<?> classic) || dataset.isStreaming()) {
            return null;
        }
        InternalRowScoring scoring = new InternalRowScoring(weights, features,
                dataset.schema().fieldIndex(features.name()), outputs, outputSchema);
        RDD<InternalRow> input = classic.queryExecution().toRdd();
        RDD<InternalRow> scored = input.toJavaRDD().mapPartitions(scoring::score, true).rdd();
        return classic.sparkSession().internalCreateDataFrame(scored, outputSchema, false);
    }

    private Iterator<InternalRow> score(Iterator<InternalRow> rows) {
        int inputs = weights.value().inputSize();
        int partition = TaskContext.getPartitionId();
        UnsafeProjection projection = UnsafeProjection.create(outputSchema);
        JoinedRow joined = new JoinedRow();
        return new BlockScoringIterator<>(rows, weights.value(), new BlockScoringIterator.RowKind<InternalRow>() {
            @Override
            public void readFeatures(InternalRow row, long number, CsrRows sink) {
                features.readSparse(row, featuresIndex, inputs, sink, () -> "row " + number + " of partition "
                        + partition);
            }

            @Override
            public InternalRow keep(InternalRow row) {
                return row.copy();
            }

            @Override
            public InternalRow emit(InternalRow row, float[] out, int offset, int width) {
                return projection.apply(joined.apply(row, extra(out, offset, width))).copy();
            }
        });
    }

    /** The appended columns of one row, in the internal form of the output schema. */
    private InternalRow extra(float[] out, int offset, int width) {
        return new GenericInternalRow(outputs.values(out, offset, width, InternalRowScoring::denseVector));
    }

    /** A dense Vector as VectorUDT stores it: (type 1, size null, indices null, values). */
    private static InternalRow denseVector(double[] values) {
        return new GenericInternalRow(new Object[] {DENSE, null, null, UnsafeArrayData.fromPrimitiveArray(values)});
    }
}
