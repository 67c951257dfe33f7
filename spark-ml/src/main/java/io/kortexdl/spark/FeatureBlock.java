package io.kortexdl.spark;

import io.kortexdl.kernels.Network;

/**
 * The features of up to {@link ChunkForward#ROWS} rows read for one forward pass, kept as
 * compressed sparse rows so that reading costs the rows' non-zeros, never their width. The pass
 * itself follows {@link FeatureStorage}'s rule on this block's density: the sparse first layer,
 * or GEMMs over the block made dense.
 */
final class FeatureBlock {
    /** The largest block made dense for GEMMs (16 MiB); wider blocks run the sparse first layer whatever their density. */
    private static final long MAX_DENSE_FLOATS = 1 << 22;

    private final int inputSize;
    private final CsrRows rows;
    private float[] dense;

    FeatureBlock(int inputSize) {
        this.inputSize = inputSize;
        this.rows = new CsrRows(ChunkForward.ROWS * 16);
    }

    /** The rows read so far. */
    int rows() {
        return rows.rows();
    }

    /** Where {@link FeatureColumn#readSparse} appends the next row; end it with {@link #endRow()}. */
    CsrRows sink() {
        return rows;
    }

    /** Ends the row being read. */
    void endRow() {
        rows.endRow();
    }

    /** Forgets the rows read. */
    void clear() {
        rows.clear();
    }

    /**
     * The network's outputs for every row read, {@code rows() x outputSize()}, on one BLAS thread
     * (Spark runs one scoring task per core).
     */
    float[] forward(Network network) {
        int n = rows.rows();
        if (FeatureStorage.forDensity(rows.nonZeros(), (long) n * inputSize) == FeatureStorage.SPARSE
                || (long) n * inputSize > MAX_DENSE_FLOATS) {
            return ChunkForward.sparse(network, rows.batch(inputSize));
        }
        dense = rows.toDense(inputSize, dense);
        return ChunkForward.dense(network, dense, 0, n);
    }
}
