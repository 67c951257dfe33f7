package io.kortexdl.kernels;

/**
 * The forward and backward passes of a multilayer perceptron over one block of rows, as GEMMs
 * on a {@link Blas} plus element-wise loops. Stateless: parameters and scratch memory are
 * passed in, so one instance serves every thread.
 *
 * <p>Per weight layer {@code l}: {@code A_l = f_l(A_{l-1} W_l + b_l)}; backward,
 * {@code dW_l = A_{l-1}^T D_l}, {@code db_l = 1^T D_l} (column sums, as a GEMM),
 * {@code D_{l-1} = (D_l W_l^T) * f'_{l-1}}. A training step is 2L-1 GEMMs plus L for the
 * forward pass.
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
        float[] previous = inputs;
        int previousOffset = inputOffset;
        int last = layout.layerCount() - 1;
        for (int l = 0; l <= last; l++) {
            int fanIn = layout.fanIn(l);
            int fanOut = layout.fanOut(l);
            float[] out = ws.activations[l];
            blas.gemm(false, false, rows, fanOut, fanIn, 1f, previous, previousOffset,
                    params, layout.weightOffset(l), 0f, out, 0);
            (l == last ? output : hidden).addBiasAndApply(out, rows, fanOut, params, layout.biasOffset(l));
            previous = out;
            previousOffset = 0;
        }
    }

    /**
     * Forward and backward pass: returns the mean loss of the rows and writes the gradient of
     * that mean loss into {@code ws.gradient}.
     */
    float lossAndGradient(float[] params, float[] inputs, int inputOffset, float[] targets, int targetOffset,
                          int rows, LossType loss, Workspace ws) {
        float[] gradient = ws.gradient;
        forward(params, inputs, inputOffset, rows, ws);
        int last = layout.layerCount() - 1;
        float[] outputs = ws.activations[last];
        float[] delta = ws.deltaA;
        float[] spare = ws.deltaB;
        float value = Losses.lossAndGradient(loss, outputs, targets, targetOffset, rows, layout.outputSize(), delta);
        output.multiplyByDerivative(outputs, delta, 0, rows * layout.outputSize());
        for (int l = last; l >= 0; l--) {
            int fanIn = layout.fanIn(l);
            int fanOut = layout.fanOut(l);
            float[] previous = l == 0 ? inputs : ws.activations[l - 1];
            int previousOffset = l == 0 ? inputOffset : 0;
            blas.gemm(true, false, fanIn, fanOut, rows, 1f, previous, previousOffset,
                    delta, 0, 0f, gradient, layout.weightOffset(l));
            blas.gemm(false, false, 1, fanOut, rows, 1f, ws.ones, 0, delta, 0, 0f, gradient, layout.biasOffset(l));
            if (l > 0) {
                blas.gemm(false, true, rows, fanIn, fanOut, 1f, delta, 0,
                        params, layout.weightOffset(l), 0f, spare, 0);
                hidden.multiplyByDerivative(ws.activations[l - 1], spare, 0, rows * fanIn);
                float[] swap = delta;
                delta = spare;
                spare = swap;
            }
        }
        return value;
    }

    /** Mean loss of {@code rows} rows, no gradient. */
    float loss(float[] params, float[] inputs, int inputOffset, float[] targets, int targetOffset,
               int rows, LossType loss, Workspace ws) {
        forward(params, inputs, inputOffset, rows, ws);
        return Losses.lossAndGradient(loss, ws.activations[layout.layerCount() - 1], targets, targetOffset,
                rows, layout.outputSize(), null);
    }
}
