package io.kortexdl.kernels;

/**
 * Sparse rows held in several {@link SparseBatch}es, the chunks, of at most {@code rowsPerChunk}
 * rows each: row {@code r} is row {@code r % rowsPerChunk} of chunk {@code r / rowsPerChunk}, as
 * in {@link RowChunks}. A chunk may hold fewer rows than {@code rowsPerChunk}, or be null when
 * it holds none. The batches are used as given, not copied.
 */
public final class SparseChunks {
    private final int columns;
    private final int rowsPerChunk;
    private final SparseBatch[] chunks;

    /**
     * Chunks over the given batches.
     *
     * @param columns the width of every row
     * @param rowsPerChunk rows a full chunk holds, at least 1
     * @param chunks the chunks, each of width {@code columns} and at most {@code rowsPerChunk} rows, or null
     * @throws IllegalArgumentException naming the chunk that breaks one of these rules
     */
    public SparseChunks(int columns, int rowsPerChunk, SparseBatch[] chunks) {
        if (columns < 1 || rowsPerChunk < 1) {
            throw new IllegalArgumentException("columns " + columns + " and rowsPerChunk " + rowsPerChunk
                    + ": expected both >= 1");
        }
        Checks.nonNull("chunks", chunks);
        for (int c = 0; c < chunks.length; c++) {
            SparseBatch chunk = chunks[c];
            if (chunk != null && (chunk.columns() != columns || chunk.rows() > rowsPerChunk)) {
                throw new IllegalArgumentException("chunks[" + c + "]: expected at most " + rowsPerChunk + " rows of "
                        + columns + " columns, got " + chunk.rows() + " of " + chunk.columns());
            }
        }
        this.columns = columns;
        this.rowsPerChunk = rowsPerChunk;
        this.chunks = chunks;
    }

    /** The rows of one batch as a single chunk. */
    public static SparseChunks of(SparseBatch batch) {
        Checks.nonNull("batch", batch);
        return new SparseChunks(batch.columns(), batch.rows(), new SparseBatch[] {batch});
    }

    /** The width of every row. */
    public int columns() {
        return columns;
    }

    /** Rows a full chunk holds. */
    public int rowsPerChunk() {
        return rowsPerChunk;
    }

    /** Number of chunks. */
    public int chunkCount() {
        return chunks.length;
    }

    /** Rows chunk {@code c} holds. */
    public int chunkRows(int c) {
        return chunks[c] == null ? 0 : chunks[c].rows();
    }

    /** Whether {@code row} names a row these chunks hold. */
    public boolean holds(int row) {
        if (row < 0) {
            return false;
        }
        int c = row / rowsPerChunk;
        return c < chunks.length && row - c * rowsPerChunk < chunkRows(c);
    }

    /** Whether {@code targets} holds one row for each of these rows, laid out the same way. */
    boolean sameRowsAs(RowChunks targets) {
        if (targets.rowsPerChunk() != rowsPerChunk || targets.chunkCount() != chunks.length) {
            return false;
        }
        for (int c = 0; c < chunks.length; c++) {
            if (targets.chunkRows(c) != chunkRows(c)) {
                return false;
            }
        }
        return true;
    }

    /** The chunk holding {@code row}. */
    SparseBatch chunkOf(int row) {
        return chunks[row / rowsPerChunk];
    }

    /** {@code row}'s place within its chunk. */
    int rowInChunk(int row) {
        return row % rowsPerChunk;
    }
}
