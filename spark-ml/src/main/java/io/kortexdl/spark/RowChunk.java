package io.kortexdl.spark;

import java.io.Serializable;

/**
 * Up to a block's {@code rowsPerChunk} packed rows: dense row-major float32 features or
 * compressed sparse rows, the labels (class index or regression target) and, when the fit has a
 * weight column, the row weights. The unit in which a block is packed, kept on the heap or
 * written to local disk, and loaded for training.
 *
 * @param rows rows held
 * @param width features per row
 * @param features dense rows ({@code rows x width}; the array may be longer, a reused buffer), or
 *     the non-zero values of sparse ones
 * @param rowStarts sparse rows only: {@code rows + 1} offsets into {@code features} and {@code indices}; null when dense
 * @param indices sparse rows only: the column of each value; null when dense
 * @param labels one per row
 * @param weights one per row, or null when every row weighs 1
 */
record RowChunk(int rows, int width, float[] features, int[] rowStarts, int[] indices, float[] labels, float[] weights)
        implements Serializable {

    /** Whether the rows are compressed sparse rows. */
    boolean sparse() {
        return rowStarts != null;
    }

    /** Feature values held: every value when dense, the non-zeros when sparse. */
    int values() {
        return sparse() ? rowStarts[rows] : rows * width;
    }

    /** Heap bytes of the chunk's arrays. */
    long bytes() {
        long bytes = 4L * values() + 4L * labels.length;
        if (weights != null) {
            bytes += 4L * weights.length;
        }
        if (sparse()) {
            bytes += 4L * rowStarts.length + 4L * indices.length;
        }
        return bytes;
    }

    /**
     * Rows per chunk for rows of about {@code rowBytes} bytes each: chunks of about
     * {@link #TARGET_BYTES}, a multiple of {@link ChunkForward#ROWS} rows when such a chunk fits it
     * (so a chunk's forward passes cover the rows the whole-part passes did), at least one row.
     */
    static int rowsPerChunk(long rowBytes) {
        long rows = TARGET_BYTES / Math.max(1, rowBytes);
        if (rows >= ChunkForward.ROWS) {
            rows -= rows % ChunkForward.ROWS;
        }
        return (int) Math.max(1, Math.min(rows, MAX_ROWS));
    }

    /**
     * Bytes a packed chunk aims at. The chunk is what a window of a block on disk is dealt, so
     * smaller chunks spread a window over more places of the block: on Fashion-MNIST sorted by
     * label, 10 epochs with 64 MiB windows came within 0.15 points of the heap's accuracy with
     * 1 MiB chunks, and as far as 0.6 below with 4 MiB ones. A chunk is also one read and one
     * block Spark's master learns of: 1 MiB reads still run at the page cache's and the disk's
     * sequential rates (see the README's out-of-core measurements).
     */
    static final long TARGET_BYTES = 1L << 20;
    /** The most rows in one chunk: narrow rows are chunked by rows, not bytes, beyond this. */
    static final int MAX_ROWS = 1 << 16;
}
