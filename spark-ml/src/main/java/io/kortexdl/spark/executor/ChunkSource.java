package io.kortexdl.spark.executor;

/**
 * Where a block's training rows come from, a chunk at a time: chunk {@code c} holds rows
 * {@code c * rowsPerChunk()} up to the next chunk's first row, every chunk full but the last.
 * The rows may already be on the heap (a load hands over the arrays) or on local disk (a load
 * reads, checks and decodes them into the slot's own buffers).
 */
public interface ChunkSource {

    /** Training rows of the block. */
    int rows();

    /** Rows a full chunk holds. */
    int rowsPerChunk();

    /** Number of chunks. */
    default int chunkCount() {
        return (int) ((rows() + (long) rowsPerChunk() - 1) / rowsPerChunk());
    }

    /** Rows chunk {@code chunk} holds. */
    default int chunkRows(int chunk) {
        return (int) Math.min(rowsPerChunk(), rows() - (long) chunk * rowsPerChunk());
    }

    /** Whether the chunks hold sparse rows (else dense ones). */
    boolean sparse();

    /** Whether a load reads from disk, so that an epoch streams windows of chunks with read-ahead (else every chunk is loaded once). */
    boolean streamed();

    /**
     * Puts chunk {@code chunk}'s rows and their targets into {@code slot}; may be called from a
     * thread of its own, one load at a time per source.
     *
     * @throws ChunkUnavailableException when the chunk is lost or fails its check
     */
    void load(int chunk, ChunkSlot slot);
}
