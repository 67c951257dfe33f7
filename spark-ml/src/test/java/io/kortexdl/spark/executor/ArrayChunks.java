package io.kortexdl.spark.executor;

import io.kortexdl.kernels.SparseBatch;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link ChunkSource} over rows in arrays, for tests: chunks of {@code rowsPerChunk} rows handed
 * over as copies (as a read from disk gives), counting the loads; when {@code streamed}, the
 * trainer streams it in windows as it does a block on local disk.
 */
final class ArrayChunks implements ChunkSource {
    private final float[] dense;
    private final SparseBatch sparse;
    private final float[] targets;
    private final int rows;
    private final int inputs;
    private final int outputs;
    private final int perChunk;
    private final boolean streamed;
    final AtomicInteger loads = new AtomicInteger();

    private ArrayChunks(float[] dense, SparseBatch sparse, float[] targets, int rows, int inputs, int outputs,
                        int perChunk, boolean streamed) {
        this.dense = dense;
        this.sparse = sparse;
        this.targets = targets;
        this.rows = rows;
        this.inputs = inputs;
        this.outputs = outputs;
        this.perChunk = perChunk;
        this.streamed = streamed;
    }

    /** Dense rows ({@code rows x inputs}) and their targets ({@code rows x outputs}). */
    static ArrayChunks dense(float[] features, float[] targets, int inputs, int outputs, int perChunk,
                             boolean streamed) {
        return new ArrayChunks(features, null, targets, features.length / inputs, inputs, outputs, perChunk, streamed);
    }

    /** Sparse rows and their targets. */
    static ArrayChunks sparse(SparseBatch features, float[] targets, int outputs, int perChunk, boolean streamed) {
        return new ArrayChunks(null, features, targets, features.rows(), features.columns(), outputs, perChunk,
                streamed);
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int rowsPerChunk() {
        return perChunk;
    }

    @Override
    public boolean sparse() {
        return sparse != null;
    }

    @Override
    public boolean streamed() {
        return streamed;
    }

    @Override
    public void load(int chunk, ChunkSlot slot) {
        loads.incrementAndGet();
        int first = chunk * perChunk;
        int n = chunkRows(chunk);
        float[] t = slot.targetBuffer(n * outputs);
        System.arraycopy(targets, first * outputs, t, 0, n * outputs);
        if (sparse == null) {
            float[] x = slot.denseBuffer(n * inputs);
            System.arraycopy(dense, first * inputs, x, 0, n * inputs);
            slot.holdDense(n, x, t);
            return;
        }
        int from = sparse.rowStart(first);
        int[] starts = new int[n + 1];
        for (int r = 0; r <= n; r++) {
            starts[r] = sparse.rowStart(first + r) - from;
        }
        int end = sparse.rowStart(first + n);
        slot.holdSparse(new SparseBatch(n, inputs, starts, Arrays.copyOfRange(sparse.indices(), from, end),
                Arrays.copyOfRange(sparse.values(), from, end)), t);
    }
}
