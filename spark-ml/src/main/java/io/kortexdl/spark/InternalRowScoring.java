package io.kortexdl.spark;

import io.kortexdl.kernels.Network;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.types.StructType;

/**
 * Batched scoring on Spark's internal rows: input rows pass through untouched and only the new
 * columns are built, so no row is converted to an external {@code Row} and back (which costs
 * more than the forward pass itself). This reaches Spark's {@code private[sql]} entry points
 * ({@code queryExecution().toRdd()}, {@code internalCreateDataFrame}); every such call is here,
 * and {@link #transform} returns null where they are not available (e.g. Spark Connect), so the
 * caller falls back to the public Row path.
 */
final class InternalRowScoring implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final byte DENSE = 1;

    private final NetworkWeights weights;
    private final FeatureColumn features;
    private final int featuresIndex;
    private final BatchScorer.Outputs outputs;
    private final StructType outputSchema;

    private InternalRowScoring(NetworkWeights weights, FeatureColumn features, int featuresIndex,
                               BatchScorer.Outputs outputs, StructType outputSchema) {
        this.weights = weights;
        this.features = features;
        this.featuresIndex = featuresIndex;
        this.outputs = outputs;
        this.outputSchema = outputSchema;
    }

    /** The scored dataset, or null when this Spark does not expose its internal rows. */
    static Dataset<Row> transform(Dataset<?> dataset, NetworkWeights weights, FeatureColumn features,
                                  BatchScorer.Outputs outputs, StructType outputSchema) {
        if (!(dataset instanceof org.apache.spark.sql.classic.Dataset<?> classic)) {
            return null;
        }
        InternalRowScoring scoring = new InternalRowScoring(weights, features,
                dataset.schema().fieldIndex(features.name()), outputs, outputSchema);
        RDD<InternalRow> input = classic.queryExecution().toRdd();
        RDD<InternalRow> scored = input.toJavaRDD().mapPartitions(scoring::score, true).rdd();
        return classic.sparkSession().internalCreateDataFrame(scored, outputSchema, false);
    }

    private Iterator<InternalRow> score(Iterator<InternalRow> rows) {
        Network network = weights.toNetwork();
        int inputs = weights.inputSize();
        int width = weights.outputSize();
        int partition = TaskContext.getPartitionId();
        UnsafeProjection projection = UnsafeProjection.create(outputSchema);
        return new Iterator<>() {
            private final List<InternalRow> pending = new ArrayList<>(MetricSums.CHUNK_ROWS);
            private final float[] in = new float[MetricSums.CHUNK_ROWS * inputs];
            private final JoinedRow joined = new JoinedRow();
            private float[] out;
            private int next;
            private long rowNumber;

            @Override
            public boolean hasNext() {
                if (next < pending.size()) {
                    return true;
                }
                pending.clear();
                next = 0;
                while (rows.hasNext() && pending.size() < MetricSums.CHUNK_ROWS) {
                    InternalRow row = rows.next();
                    long number = rowNumber++;
                    features.read(row, featuresIndex, inputs, in, pending.size() * inputs,
                            () -> "row " + number + " of partition " + partition);
                    pending.add(row.copy());
                }
                if (pending.isEmpty()) {
                    return false;
                }
                int n = pending.size();
                out = network.forwardBatch(n == MetricSums.CHUNK_ROWS ? in : java.util.Arrays.copyOf(in, n * inputs), n);
                return true;
            }

            @Override
            public InternalRow next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int r = next++;
                return projection.apply(joined.apply(pending.get(r), extra(out, r * width, width))).copy();
            }
        };
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
