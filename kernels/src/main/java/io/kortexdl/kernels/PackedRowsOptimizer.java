package io.kortexdl.kernels;

/**
 * An {@link Optimizer} that can step rows of parameters whose gradients are packed one after
 * another in a small buffer rather than placed at the parameters' own indices. The fused sparse
 * step ({@link SortedColumnStep}) uses it so that no parameter-sized gradient is written: on a
 * wide first layer that array's scattered rows cost as much memory traffic as the weights'.
 *
 * <p>The arithmetic is {@link Optimizer#stepRange}'s, element for element, so a packed step gives
 * the same bits as a step from a full gradient array holding the same values.
 */
interface PackedRowsOptimizer extends Optimizer {

    /**
     * Reads the optimizer state of rows {@code base + rows[k] * width} ({@code width} values each)
     * for {@code k in [from, to)}, to bring them into the cache ahead of
     * {@link #stepPackedRows}; returns a sum of what it read (meaningless, to be kept where the
     * compiler cannot drop it). Changes nothing.
     */
    float warmStateRows(int base, int width, int[] rows, int from, int to);

    /**
     * The part of the current step for rows {@code rows[first .. last)} of {@code width}
     * parameters starting at {@code base}, in place in {@code params}: row {@code rows[i]}'s
     * gradient is {@code packed[(i - first) * width ..][0 .. width)}. Disjoint rows may be stepped
     * concurrently; {@link #endStep()} completes the step as for {@link #stepRows}.
     */
    void stepPackedRows(float[] params, float[] packed, float learningRate, int base, int width, int[] rows,
                        int first, int last);
}
