package io.kortexdl.kernels;

import java.util.Arrays;

/**
 * One thread's share of a lazy step on a sparse batch's first layer, with the weight gradient
 * never written to a parameter-sized array: the batch's non-zeros in a range of input columns are
 * ordered by column, and each touched weight row's gradient is summed in a small buffer, decayed
 * (L2) and handed to the optimizer at once, rows in increasing order.
 *
 * <p>On a wide layer each touched row is a scattered 256-byte stretch of a 64 MB array, and every
 * array the step reads costs a cache and TLB miss per row. Summing into a buffer that stays in
 * the L1 cache removes the gradient array's misses from both the gradient and the update, and
 * the increasing order lets the weights' and moments' reads ahead of use (CacheWarm) overlap.
 *
 * <p>A row's gradient adds its non-zeros' contributions in the order of their positions in the
 * batch, as {@link Propagation#sparseFirstLayerGradient} does, and the optimizer applies the rule
 * of {@link Optimizer#stepRows}: the result is bit for bit that of the unfused step. One instance
 * per thread; not thread-safe.
 */
final class SortedColumnStep {
    /** Rows summed and stepped together; the next group's rows are read ahead meanwhile. */
    private static final int GROUP = 32;
    /** Bits of the column offset each radix pass sorts on. */
    private static final int DIGIT_BITS = 11;
    private static final int DIGIT_MASK = (1 << DIGIT_BITS) - 1;

    private final int width;
    private final int weights;
    /** The sorted non-zeros' positions in the batch and their columns' offsets in the range. */
    private int[] positions = new int[0];
    private int[] offsets = new int[0];
    /** The radix sort's other buffers and its digit counts. */
    private int[] sparePositions = new int[0];
    private int[] spareOffsets = new int[0];
    private final int[] counts = new int[(1 << DIGIT_BITS) + 1];
    /** The distinct columns in increasing order; column {@code i}'s non-zeros are sorted entries {@code [runStarts[i], runStarts[i + 1])}. */
    private int[] columns = new int[0];
    private int[] runStarts = new int[1];
    /** Up to {@link #GROUP} rows' gradients, one after another. */
    private final float[] packed;

    SortedColumnStep(ParameterLayout layout) {
        this.width = layout.fanOut(0);
        this.weights = layout.weightOffset(0);
        this.packed = new float[GROUP * width];
    }

    /**
     * Steps, in place in {@code params}, the first-layer rows of the columns in
     * {@code [columnFrom, columnTo)} that the batch's non-zeros touch, and adds those columns to
     * {@code changed}.
     *
     * @param batch the step's rows; non-zero {@code k} lies in batch row {@code rowOf[k]}
     * @param delta the first layer's output delta, {@code batch.rows() x width}
     * @param l2 the L2 coefficient added to the gradient as {@code l2 * w}
     * @return {@link CacheWarm}'s sum
     */
    float step(float[] params, SparseBatch batch, int[] rowOf, float[] delta, int columnFrom, int columnTo, float l2,
               PackedRowsOptimizer optimizer, float learningRate, RowSet changed) {
        int distinct = sortByColumn(batch, columnFrom, columnTo);
        for (int i = 0; i < distinct; i++) {
            changed.add(columns[i]);
        }
        float warm = warm(params, optimizer, 0, Math.min(distinct, GROUP));
        for (int first = 0; first < distinct; first += GROUP) {
            int last = Math.min(distinct, first + GROUP);
            warm += warm(params, optimizer, last, Math.min(distinct, last + GROUP));
            for (int i = first; i < last; i++) {
                sumGradient(params, batch, rowOf, delta, l2, i, (i - first) * width);
            }
            optimizer.stepPackedRows(params, packed, learningRate, weights, width, columns, first, last);
        }
        return warm;
    }

    /** Row {@code columns[i]}'s gradient into {@code packed[at ..]}: its non-zeros in batch order, then L2. */
    private void sumGradient(float[] params, SparseBatch batch, int[] rowOf, float[] delta, float l2, int i, int at) {
        Arrays.fill(packed, at, at + width, 0f);
        for (int s = runStarts[i]; s < runStarts[i + 1]; s++) {
            int k = positions[s];
            float v = batch.values[k];
            int d = rowOf[k] * width;
            for (int j = 0; j < width; j++) {
                packed[at + j] += v * delta[d + j];
            }
        }
        if (l2 != 0f) {
            int w = weights + columns[i] * width;
            for (int j = 0; j < width; j++) {
                packed[at + j] += l2 * params[w + j];
            }
        }
    }

    private float warm(float[] params, PackedRowsOptimizer optimizer, int from, int to) {
        return CacheWarm.rows(params, weights, width, columns, from, to)
                + optimizer.warmStateRows(weights, width, columns, from, to);
    }

    /**
     * Orders the non-zeros in the column range by (column, position): their positions into
     * {@link #positions}, the distinct columns into {@link #columns} with the starts of their
     * runs; returns how many columns. A stable least-significant-digit radix sort on the column's
     * offset in the range, {@link #DIGIT_BITS} bits a pass: positions enter in increasing order
     * and each pass keeps the order of equal digits, so a column's non-zeros stay in batch order.
     */
    private int sortByColumn(SparseBatch batch, int columnFrom, int columnTo) {
        int nonZeros = batch.rowStarts[batch.rows()];
        if (positions.length < nonZeros) {
            positions = new int[nonZeros];
            offsets = new int[nonZeros];
            sparePositions = new int[nonZeros];
            spareOffsets = new int[nonZeros];
            columns = new int[nonZeros];
            runStarts = new int[nonZeros + 1];
        }
        int n = 0;
        for (int k = 0; k < nonZeros; k++) {
            int column = batch.indices[k];
            if (column >= columnFrom && column < columnTo) {
                positions[n] = k;
                offsets[n++] = column - columnFrom;
            }
        }
        int bits = 32 - Integer.numberOfLeadingZeros(Math.max(1, columnTo - columnFrom - 1));
        for (int shift = 0; shift < bits; shift += DIGIT_BITS) {
            radixPass(n, shift);
        }
        int distinct = 0;
        for (int s = 0; s < n; s++) {
            int column = columnFrom + offsets[s];
            if (distinct == 0 || columns[distinct - 1] != column) {
                columns[distinct] = column;
                runStarts[distinct++] = s;
            }
        }
        runStarts[distinct] = n;
        return distinct;
    }

    /** One stable counting pass on bits {@code [shift, shift + DIGIT_BITS)} of the offsets. */
    private void radixPass(int n, int shift) {
        Arrays.fill(counts, 0);
        for (int s = 0; s < n; s++) {
            counts[((offsets[s] >>> shift) & DIGIT_MASK) + 1]++;
        }
        for (int d = 1; d < counts.length; d++) {
            counts[d] += counts[d - 1];
        }
        for (int s = 0; s < n; s++) {
            int at = counts[(offsets[s] >>> shift) & DIGIT_MASK]++;
            spareOffsets[at] = offsets[s];
            sparePositions[at] = positions[s];
        }
        int[] swap = offsets;
        offsets = spareOffsets;
        spareOffsets = swap;
        swap = positions;
        positions = sparePositions;
        sparePositions = swap;
    }
}
