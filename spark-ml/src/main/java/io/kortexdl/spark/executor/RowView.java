package io.kortexdl.spark.executor;

import io.kortexdl.kernels.RowChunks;
import io.kortexdl.kernels.SparseChunks;

/**
 * Rows resident for some steps, and the order that names them: dense features or sparse ones,
 * their targets laid out alike, and the row numbers in the order the steps take them.
 *
 * @param dense dense features, or null when the rows are sparse
 * @param sparse sparse features, or null when the rows are dense
 * @param targets the rows' targets, one row per feature row
 * @param order row numbers into the chunks, in training order
 */
record RowView(RowChunks dense, SparseChunks sparse, RowChunks targets, int[] order) {

    /** The same rows in another order. */
    RowView withOrder(int[] other) {
        return new RowView(dense, sparse, targets, other);
    }
}
