package io.kortexdl.spark;

import io.kortexdl.kernels.Network;
import io.kortexdl.kernels.SparseBatch;
import io.kortexdl.kernels.blas.BlasThreads;

/**
 * One forward pass over a chunk of rows, as scoring and validation run it on an executor: on one
 * BLAS thread, since Spark runs one such task per core, sparse rows through the sparse first layer
 * and dense rows through one GEMM per layer.
 */
final class ChunkForward {
    /** Rows per pass: one GEMM per layer over this many rows. */
    static final int ROWS = 1024;

    private ChunkForward() {
    }

    /** The network's outputs for sparse {@code rows}, {@code rows.rows() x outputSize()}. */
    static float[] sparse(Network network, SparseBatch rows) {
        try (BlasThreads.Section section = network.blas().threads().singleThreaded()) {
            return network.forward(rows);
        }
    }

    /**
     * The network's outputs for dense rows {@code [fromRow, fromRow + n)} of row-major
     * {@code features}, {@code n x outputSize()}; {@code features} is used as it is when it holds
     * exactly those rows.
     */
    static float[] dense(Network network, float[] features, int fromRow, int n) {
        int inputs = network.inputSize();
        float[] rows = fromRow == 0 && features.length == n * inputs ? features
                : java.util.Arrays.copyOfRange(features, fromRow * inputs, (fromRow + n) * inputs);
        try (BlasThreads.Section section = network.blas().threads().singleThreaded()) {
            return network.forwardBatch(rows, n);
        }
    }
}
