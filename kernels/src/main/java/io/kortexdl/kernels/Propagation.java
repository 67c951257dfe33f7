package io.kortexdl.kernels;

import io.kortexdl.kernels.blas.Blas;
import java.util.Arrays;

/**
 * The forward and backward passes of a multilayer perceptron over one block of rows, as GEMMs
 * on a {@link Blas} plus element-wise loops. Stateless: parameters and scratch memory are
 * passed in, so one instance serves every thread.
 *
 * <p>Per weight layer {@code l}: {@code A_l = f_l(A_{l-1} W_l + b_l)}; backward,
 * {@code dW_l = A_{l-1}^T D_l}, {@code db_l = 1^T D_l} (column sums, added in row order),
 * {@code D_{l-1} = (D_l W_l^T) * f'_{l-1}}. A training step is 2L-1 GEMMs plus L for the
 * forward pass.
 *
 * <p>Sparse inputs ({@link SparseBatch}) change only the first layer: its forward pass adds
 * {@code value * W_0[column]} for every non-zero and its weight gradient adds
 * {@code value * D_0[row]} into row {@code column} of {@code dW_0}, each at a cost of
 * non-zeros x width. Only the rows of {@code dW_0} that the batch touches are written; they are
 * listed in {@link Workspace#touched()}, and every other row of the gradient is left as it was.
 */
final class Propagation {
    private final ParameterLayout layout;
    private final Activation hidden;
    private final Activation output;
    private final Blas blas;

    Propagation(ParameterLayout layout, Activation hidden, Activation output, Blas blas) {
        this.layout = layout;
        this.hidden = hidden;
        this.output = output;
        this.blas = blas;
    }

    Blas blas() {
        return blas;
    }

    /**
     * Runs the forward pass of {@code rows} rows starting at row {@code inputOffset / inputSize}
     * of {@code inputs}; the outputs are left in {@code ws.activations[L-1]} from offset 0.
     */
    void forward(float[] params, float[] inputs, int inputOffset, int rows, Workspace ws) {
        blas.gemm(false, false, rows, layout.fanOut(0), layout.fanIn(0), 1f, inputs, inputOffset,
                params, layout.weightOffset(0), 0f, ws.activations[0], 0);
        forwardFrom(params, rows, ws);
    }

    /**
     * The forward pass of rows {@code [firstRow, firstRow + rows)} of {@code batch}; the outputs are
     * left in {@code ws.activations[L-1]} from offset 0.
     */
    void forward(float[] params, SparseBatch batch, int firstRow, int rows, Workspace ws) {
        ws.sink = sparseFirstLayer(params, batch, firstRow, 0, rows, ws.activations[0]);
        forwardFrom(params, rows, ws);
    }

    /**
     * The first layer's pre-activations (before bias and activation) of rows
     * {@code firstRow + [from, to)} of {@code batch}, into {@code out} at row {@code r - firstRow}.
     * Disjoint row ranges may run concurrently. Returns {@link CacheWarm}'s sum.
     */
    float sparseFirstLayer(float[] params, SparseBatch batch, int firstRow, int from, int to, float[] out) {
        int width = layout.fanOut(0);
        int weights = layout.weightOffset(0);
        int[] indices = batch.indices;
        float[] values = batch.values;
        float warm = 0f;
        for (int r = from; r < to; r++) {
            int base = r * width;
            int kStart = batch.rowStarts[firstRow + r];
            int kEnd = batch.rowStarts[firstRow + r + 1];
            warm += CacheWarm.rows(params, weights, width, indices, kStart, kEnd);
            Arrays.fill(out, base, base + width, 0f);
            for (int k = kStart; k < kEnd; k++) {
                float v = values[k];
                int w = weights + indices[k] * width;
                for (int j = 0; j < width; j++) {
                    out[base + j] += v * params[w + j];
                }
            }
        }
        return warm;
    }

    /** Activates layer 0's pre-activations in {@code ws.activations[0]} and runs the layers after it. */
    void forwardFrom(float[] params, int rows, Workspace ws) {
        int last = layout.layerCount() - 1;
        for (int l = 0; l <= last; l++) {
            int fanOut = layout.fanOut(l);
            float[] out = ws.activations[l];
            if (l > 0) {
                blas.gemm(false, false, rows, fanOut, layout.fanIn(l), 1f, ws.activations[l - 1], 0,
                        params, layout.weightOffset(l), 0f, out, 0);
            }
            (l == last ? output : hidden).addBiasAndApply(out, rows, fanOut, params, layout.biasOffset(l));
        }
    }

    /**
     * Forward and backward pass: returns the mean loss of the rows and writes the gradient of
     * that mean loss into {@code ws.gradient()}.
     */
    float lossAndGradient(float[] params, float[] inputs, int inputOffset, float[] targets, int targetOffset,
                          int rows, LossType loss, Workspace ws) {
        forward(params, inputs, inputOffset, rows, ws);
        float value = backwardToFirstLayer(params, targets, targetOffset, rows, loss, ws);
        blas.gemm(true, false, layout.fanIn(0), layout.fanOut(0), rows, 1f, inputs, inputOffset,
                ws.firstDelta, 0, 0f, ws.gradient(), layout.weightOffset(0));
        return value;
    }

    /**
     * Forward and backward pass of rows {@code [firstRow, firstRow + rows)} of {@code batch}, whose
     * targets start at {@code targetOffset}: returns their mean loss and writes
     * the gradient of that mean loss into {@code ws.gradient()}, of the first layer's weights only
     * the rows listed in {@code ws.touched()} (which this call clears and refills).
     */
    float lossAndGradient(float[] params, SparseBatch batch, int firstRow, int rows, float[] targets,
                          int targetOffset, LossType loss, Workspace ws) {
        forward(params, batch, firstRow, rows, ws);
        float value = backwardToFirstLayer(params, targets, targetOffset, rows, loss, ws);
        RowSet touched = ws.touched();
        touched.clear();
        ws.sink = sparseFirstLayerGradient(batch, firstRow, rows, ws.firstDelta, ws.gradient(), touched, 0,
                layout.inputSize());
        return value;
    }

    /**
     * The first layer's weight gradient from the delta of its outputs, for the columns
     * {@code [columnFrom, columnTo)} only: each row of {@code dW_0} those rows' non-zeros touch is
     * zeroed, added to in row order, and added to {@code touched}. Disjoint column ranges may run
     * concurrently, and any split gives the same bits. Returns {@link CacheWarm}'s sum.
     */
    float sparseFirstLayerGradient(SparseBatch batch, int firstRow, int rows, float[] delta, float[] gradient,
                                   RowSet touched, int columnFrom, int columnTo) {
        int width = layout.fanOut(0);
        int weights = layout.weightOffset(0);
        int[] indices = batch.indices;
        float[] values = batch.values;
        boolean allColumns = columnFrom == 0 && columnTo == layout.inputSize();
        float warm = 0f;
        for (int r = 0; r < rows; r++) {
            int base = r * width;
            int kStart = batch.rowStarts[firstRow + r];
            int kEnd = batch.rowStarts[firstRow + r + 1];
            warm += allColumns ? CacheWarm.rows(gradient, weights, width, indices, kStart, kEnd)
                    : CacheWarm.rowsWithin(gradient, weights, width, indices, kStart, kEnd, columnFrom, columnTo);
            for (int k = kStart; k < kEnd; k++) {
                int column = indices[k];
                if (column < columnFrom || column >= columnTo) {
                    continue;
                }
                int g = weights + column * width;
                if (touched.add(column)) {
                    Arrays.fill(gradient, g, g + width, 0f);
                }
                float v = values[k];
                for (int j = 0; j < width; j++) {
                    gradient[g + j] += v * delta[base + j];
                }
            }
        }
        return warm;
    }

    /**
     * The backward pass down to the first layer after a forward pass: writes the weight and bias
     * gradients of layers {@code L-1 .. 1} and the bias gradient of layer 0, leaves layer 0's
     * delta in {@code ws.firstDelta} and returns the mean loss.
     */
    float backwardToFirstLayer(float[] params, float[] targets, int targetOffset, int rows, LossType loss,
                                       Workspace ws) {
        float[] gradient = ws.gradient();
        int last = layout.layerCount() - 1;
        float[] outputs = ws.activations[last];
        float[] delta = ws.deltaA;
        float[] spare = ws.deltaB;
        float value = Losses.lossAndGradient(loss, outputs, targets, targetOffset, rows, layout.outputSize(), delta);
        output.multiplyByDerivative(outputs, delta, 0, rows * layout.outputSize());
        for (int l = last; l >= 0; l--) {
            int fanIn = layout.fanIn(l);
            int fanOut = layout.fanOut(l);
            columnSums(delta, rows, fanOut, gradient, layout.biasOffset(l));
            if (l > 0) {
                blas.gemm(true, false, fanIn, fanOut, rows, 1f, ws.activations[l - 1], 0,
                        delta, 0, 0f, gradient, layout.weightOffset(l));
                blas.gemm(false, true, rows, fanIn, fanOut, 1f, delta, 0,
                        params, layout.weightOffset(l), 0f, spare, 0);
                hidden.multiplyByDerivative(ws.activations[l - 1], spare, 0, rows * fanIn);
                float[] swap = delta;
                delta = spare;
                spare = swap;
            }
        }
        ws.firstDelta = delta;
        return value;
    }

    /**
     * {@code out[at + j] = sum over r of m[r * width + j]}, rows added in order. A loop rather than a
     * GEMM with a row of ones: native BLAS computes such one-row products as matrix-vector
     * products whose first elements may take another code path (and another rounding) depending on
     * where the JVM happened to place the arrays, which would make runs differ in their last bits.
     */
    static void columnSums(float[] m, int rows, int width, float[] out, int at) {
        java.util.Arrays.fill(out, at, at + width, 0f);
        for (int r = 0; r < rows; r++) {
            int base = r * width;
            for (int j = 0; j < width; j++) {
                out[at + j] += m[base + j];
            }
        }
    }

    /** Mean loss of {@code rows} rows, no gradient. */
    float loss(float[] params, float[] inputs, int inputOffset, float[] targets, int targetOffset,
               int rows, LossType loss, Workspace ws) {
        forward(params, inputs, inputOffset, rows, ws);
        return Losses.lossAndGradient(loss, ws.activations[layout.layerCount() - 1], targets, targetOffset,
                rows, layout.outputSize(), null);
    }

    /** Mean loss of rows {@code [firstRow, firstRow + rows)} of {@code batch}, no gradient. */
    float loss(float[] params, SparseBatch batch, int firstRow, int rows, float[] targets, int targetOffset,
               LossType loss, Workspace ws) {
        forward(params, batch, firstRow, rows, ws);
        return Losses.lossAndGradient(loss, ws.activations[layout.layerCount() - 1], targets, targetOffset,
                rows, layout.outputSize(), null);
    }
}
