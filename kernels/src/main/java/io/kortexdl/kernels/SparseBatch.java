package io.kortexdl.kernels;

/**
 * Rows of a sparse input matrix in compressed sparse row (CSR) form: row {@code r} holds the
 * values {@code values[rowStarts[r] .. rowStarts[r+1])} at the columns
 * {@code indices[rowStarts[r] .. rowStarts[r+1])}, every other column being 0. This is what the
 * sparse overloads of {@link Network} take, for inputs such as hashed term frequencies or
 * one-hot encodings whose width is large and whose rows hold few non-zeros.
 *
 * <p>The arrays are used as given, not copied: do not change them while the batch is in use.
 * Within a row, column indices are strictly increasing (as in Spark's {@code SparseVector}).
 */
public final class SparseBatch {
    private final int rows;
    private final int columns;
    final int[] rowStarts;
    final int[] indices;
    final float[] values;

    /**
     * A batch over the given arrays, checked in one pass over the non-zeros.
     *
     * @param rows number of rows, at least 1
     * @param columns width of every row (the network's input size), at least 1
     * @param rowStarts {@code rows + 1} offsets, starting at 0, non-decreasing
     * @param indices column of each non-zero, {@code 0 <= index < columns}, strictly increasing within a row
     * @param values value of each non-zero, finite
     * @throws IllegalArgumentException naming the array, the row and the value that breaks one of these rules
     */
    public SparseBatch(int rows, int columns, int[] rowStarts, int[] indices, float[] values) {
        this(rows, columns, rowStarts, indices, values, true);
    }

    SparseBatch(int rows, int columns, int[] rowStarts, int[] indices, float[] values, boolean check) {
        this.rows = rows;
        this.columns = columns;
        this.rowStarts = rowStarts;
        this.indices = indices;
        this.values = values;
        if (check) {
            check();
        }
    }

    /**
     * The non-zeros of a dense row-major {@code rows x columns} matrix.
     *
     * @throws IllegalArgumentException on a wrong length or a non-finite value
     */
    public static SparseBatch fromDense(float[] dense, int rows, int columns) {
        Checks.batchSize(rows);
        if (columns < 1) {
            throw new IllegalArgumentException("columns: expected >= 1, got " + columns);
        }
        Checks.matrix("dense", dense, rows, columns);
        int nonZeros = 0;
        for (float v : dense) {
            if (v != 0f) {
                nonZeros++;
            }
        }
        int[] starts = new int[rows + 1];
        int[] indices = new int[nonZeros];
        float[] values = new float[nonZeros];
        int at = 0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                float v = dense[r * columns + c];
                if (v != 0f) {
                    indices[at] = c;
                    values[at++] = v;
                }
            }
            starts[r + 1] = at;
        }
        return new SparseBatch(rows, columns, starts, indices, values);
    }

    /** Number of rows. */
    public int rows() {
        return rows;
    }

    /** Width of every row. */
    public int columns() {
        return columns;
    }

    /** Number of stored values, all rows together. */
    public int nonZeros() {
        return rowStarts[rows];
    }

    /** Offset of row {@code r}'s first non-zero in {@link #indices()} and {@link #values()}; {@code r} may be {@code rows()}. */
    public int rowStart(int r) {
        return rowStarts[r];
    }

    /** The column indices array (not a copy). */
    public int[] indices() {
        return indices;
    }

    /** The values array (not a copy). */
    public float[] values() {
        return values;
    }

    /** The batch as a dense row-major {@code rows() x columns()} array. */
    public float[] toDense() {
        float[] dense = new float[Math.multiplyExact(rows, columns)];
        for (int r = 0; r < rows; r++) {
            for (int k = rowStarts[r]; k < rowStarts[r + 1]; k++) {
                dense[r * columns + indices[k]] = values[k];
            }
        }
        return dense;
    }

    private void check() {
        Checks.batchSize(rows);
        if (columns < 1) {
            throw new IllegalArgumentException("columns: expected >= 1, got " + columns);
        }
        Checks.nonNull("rowStarts", rowStarts);
        Checks.nonNull("indices", indices);
        Checks.nonNull("values", values);
        if (rowStarts.length != rows + 1) {
            throw new IllegalArgumentException("rowStarts: expected rows + 1 = " + (rows + 1) + " offsets, got "
                    + rowStarts.length);
        }
        if (rowStarts[0] != 0) {
            throw new IllegalArgumentException("rowStarts[0]: expected 0, got " + rowStarts[0]);
        }
        int nonZeros = rowStarts[rows];
        if (nonZeros < 0 || nonZeros > indices.length || nonZeros > values.length) {
            throw new IllegalArgumentException("rowStarts[" + rows + "] = " + nonZeros + " non-zeros, but indices has "
                    + indices.length + " and values " + values.length);
        }
        for (int r = 0; r < rows; r++) {
            int start = rowStarts[r];
            int end = rowStarts[r + 1];
            if (end < start) {
                throw new IllegalArgumentException("rowStarts[" + (r + 1) + "]: expected >= rowStarts[" + r + "] = "
                        + start + ", got " + end);
            }
            int previous = -1;
            for (int k = start; k < end; k++) {
                int c = indices[k];
                if (c <= previous || c >= columns) {
                    throw new IllegalArgumentException("indices[" + k + "] (row " + r + "): expected a column in "
                            + (previous + 1) + ".." + (columns - 1) + " (increasing within the row), got " + c);
                }
                if (!Float.isFinite(values[k])) {
                    throw new IllegalArgumentException("values[" + k + "] (row " + r + ", column " + c
                            + "): expected a finite value, got " + values[k]);
                }
                previous = c;
            }
        }
    }
}
