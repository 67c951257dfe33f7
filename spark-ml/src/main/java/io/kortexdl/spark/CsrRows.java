package io.kortexdl.spark;

import io.kortexdl.kernels.SparseBatch;
import java.util.Arrays;

/**
 * Rows of features appended one non-zero at a time in compressed sparse row form: the column
 * indices and float values of every row's non-zeros, and where each row starts. Grows by
 * doubling; {@link #trimmed} hands back exactly sized arrays.
 */
final class CsrRows {
    private int rows;
    private int[] starts = new int[17];
    private int[] indices;
    private float[] values;
    private int nonZeros;

    /** Empty rows with room for {@code nonZeros} non-zeros before the first growth. */
    CsrRows(int nonZeros) {
        this.indices = new int[Math.max(16, nonZeros)];
        this.values = new float[indices.length];
    }

    /** Appends a non-zero to the current row; columns must increase within a row. */
    void add(int column, float value) {
        if (nonZeros == indices.length) {
            int grown = (int) Math.min(Integer.MAX_VALUE - 8L, 2L * nonZeros);
            indices = Arrays.copyOf(indices, grown);
            values = Arrays.copyOf(values, grown);
        }
        indices[nonZeros] = column;
        values[nonZeros++] = value;
    }

    /** Ends the current row (possibly empty). */
    void endRow() {
        if (rows + 1 == starts.length) {
            starts = Arrays.copyOf(starts, 2 * starts.length);
        }
        starts[++rows] = nonZeros;
    }

    /** Removes every row, keeping the arrays. */
    void clear() {
        rows = 0;
        nonZeros = 0;
    }

    int rows() {
        return rows;
    }

    int nonZeros() {
        return nonZeros;
    }

    /** The rows as a batch of width {@code columns} over these arrays (valid until the next change). */
    SparseBatch batch(int columns) {
        return new SparseBatch(rows, columns, starts.length == rows + 1 ? starts : Arrays.copyOf(starts, rows + 1),
                indices, values);
    }

    /** The rows as a dense row-major {@code rows x columns} array. */
    float[] toDense(int columns, float[] reuse) {
        int length = rows * columns;
        float[] dense = reuse != null && reuse.length >= length ? reuse : new float[length];
        Arrays.fill(dense, 0, length, 0f);
        for (int r = 0; r < rows; r++) {
            for (int k = starts[r]; k < starts[r + 1]; k++) {
                dense[r * columns + indices[k]] = values[k];
            }
        }
        return dense;
    }

    /** Exactly sized copies: {@code rows + 1} row starts, the indices and the values. */
    Trimmed trimmed() {
        return new Trimmed(Arrays.copyOf(starts, rows + 1), Arrays.copyOf(indices, nonZeros),
                Arrays.copyOf(values, nonZeros));
    }

    /** Exactly sized CSR arrays. */
    record Trimmed(int[] rowStarts, int[] indices, float[] values) {
    }
}
