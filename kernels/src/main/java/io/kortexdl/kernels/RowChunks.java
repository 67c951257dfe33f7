package io.kortexdl.kernels;

/**
 * Dense rows of equal width held in several arrays, the chunks, of at most {@code rowsPerChunk}
 * rows each: row {@code r} is row {@code r % rowsPerChunk} of chunk {@code r / rowsPerChunk}.
 * The trainers take rows this way so that a data set may hold more values than one Java array
 * (2^31), and so that rows may live in buffers that are loaded one chunk at a time; a chunk may
 * hold fewer rows than {@code rowsPerChunk} (the last one of a data set, a buffer not filled),
 * and the row numbers past its rows are not rows.
 *
 * <p>The arrays are used as given, not copied: do not change the rows an order names while a
 * trainer uses them.
 */
public final class RowChunks {
    private final int width;
    private final int rowsPerChunk;
    private final float[][] chunks;
    private final int[] chunkRows;

    /**
     * Chunks over the given arrays.
     *
     * @param width values per row, at least 1
     * @param rowsPerChunk rows a full chunk holds, at least 1, with {@code rowsPerChunk x width}
     *     below 2^31
     * @param chunks the chunks' row-major values; a chunk of no rows may be null
     * @param chunkRows the rows each chunk holds, {@code 0 .. rowsPerChunk}
     * @throws IllegalArgumentException naming the chunk and the count that breaks one of these rules
     */
    public RowChunks(int width, int rowsPerChunk, float[][] chunks, int[] chunkRows) {
        if (width < 1 || rowsPerChunk < 1 || (long) width * rowsPerChunk > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("width " + width + " and rowsPerChunk " + rowsPerChunk
                    + ": expected both >= 1 with a product below 2^31");
        }
        Checks.nonNull("chunks", chunks);
        Checks.nonNull("chunkRows", chunkRows);
        if (chunks.length != chunkRows.length) {
            throw new IllegalArgumentException("chunkRows: expected one count per chunk (" + chunks.length
                    + "), got " + chunkRows.length);
        }
        for (int c = 0; c < chunks.length; c++) {
            int rows = chunkRows[c];
            if (rows < 0 || rows > rowsPerChunk) {
                throw new IllegalArgumentException("chunkRows[" + c + "]: expected 0.." + rowsPerChunk + ", got "
                        + rows);
            }
            long needed = (long) rows * width;
            if (rows > 0 && (chunks[c] == null || chunks[c].length < needed)) {
                throw new IllegalArgumentException("chunks[" + c + "]: expected at least " + rows + " x " + width
                        + " = " + needed + " values, got " + (chunks[c] == null ? "null" : chunks[c].length));
            }
        }
        this.width = width;
        this.rowsPerChunk = rowsPerChunk;
        this.chunks = chunks;
        this.chunkRows = chunkRows;
    }

    /**
     * The rows of one row-major array as a single chunk.
     *
     * @throws IllegalArgumentException when {@code rows} is empty or not a multiple of {@code width}
     */
    public static RowChunks of(float[] rows, int width) {
        Checks.nonNull("rows", rows);
        if (width < 1 || rows.length == 0 || rows.length % width != 0) {
            throw new IllegalArgumentException("rows: expected a positive multiple of width " + width
                    + " values, got " + rows.length);
        }
        int count = rows.length / width;
        return new RowChunks(width, count, new float[][] {rows}, new int[] {count});
    }

    /** Values per row. */
    public int width() {
        return width;
    }

    /** Rows a full chunk holds: the step between the first row numbers of consecutive chunks. */
    public int rowsPerChunk() {
        return rowsPerChunk;
    }

    /** Number of chunks. */
    public int chunkCount() {
        return chunks.length;
    }

    /** Rows chunk {@code c} holds. */
    public int chunkRows(int c) {
        return chunkRows[c];
    }

    /** Whether {@code row} names a row these chunks hold. */
    public boolean holds(int row) {
        if (row < 0) {
            return false;
        }
        int c = row / rowsPerChunk;
        return c < chunks.length && row - c * rowsPerChunk < chunkRows[c];
    }

    /** Whether these chunks lay rows out as {@code other} does: the same chunks and counts, maybe another width. */
    boolean sameRowsAs(RowChunks other) {
        return rowsPerChunk == other.rowsPerChunk && java.util.Arrays.equals(chunkRows, other.chunkRows);
    }

    /** Copies row {@code row}, which these chunks must hold, to {@code out[at .. at + width)}. */
    public void copyRow(int row, float[] out, int at) {
        int c = row / rowsPerChunk;
        System.arraycopy(chunks[c], (row - c * rowsPerChunk) * width, out, at, width);
    }

    /** The single chunk's array, for callers that need the rows contiguous. */
    float[] single() {
        if (chunks.length != 1) {
            throw new IllegalStateException("expected one chunk, got " + chunks.length);
        }
        return chunks[0];
    }
}
