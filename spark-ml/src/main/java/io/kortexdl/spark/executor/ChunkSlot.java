package io.kortexdl.spark.executor;

import io.kortexdl.kernels.SparseBatch;

/**
 * One chunk's rows as a trainer reads them: dense row-major features or a sparse batch, and the
 * targets the loss reads ({@code rows x outputs}). A {@link ChunkSource} fills it, either with
 * arrays it already holds or with the slot's own buffers, which are kept and reused for the next
 * chunk loaded here.
 */
public final class ChunkSlot {
    private int rows;
    private float[] dense;
    private SparseBatch sparse;
    private float[] targets;
    private float[] denseBuffer = new float[0];
    private float[] targetBuffer = new float[0];

    /** Holds {@code rows} dense rows (row-major) and their targets. */
    public void holdDense(int rows, float[] features, float[] targets) {
        this.rows = rows;
        this.dense = features;
        this.sparse = null;
        this.targets = targets;
    }

    /** Holds sparse rows and their targets. */
    public void holdSparse(SparseBatch features, float[] targets) {
        this.rows = features.rows();
        this.dense = null;
        this.sparse = features;
        this.targets = targets;
    }

    /** This slot's own buffer of at least {@code values} floats for dense features, grown when needed. */
    public float[] denseBuffer(int values) {
        if (denseBuffer.length < values) {
            denseBuffer = new float[values];
        }
        return denseBuffer;
    }

    /** This slot's own buffer of at least {@code values} floats for targets, grown when needed. */
    public float[] targetBuffer(int values) {
        if (targetBuffer.length < values) {
            targetBuffer = new float[values];
        }
        return targetBuffer;
    }

    /** Forgets the rows held (the buffers stay). */
    void clear() {
        rows = 0;
        dense = null;
        sparse = null;
        targets = null;
    }

    int rows() {
        return rows;
    }

    float[] dense() {
        return dense;
    }

    SparseBatch sparse() {
        return sparse;
    }

    float[] targets() {
        return targets;
    }
}
