package io.kortexdl.kernels;

/**
 * A deliberately plain double-precision reference: triple loops, no BLAS, written from the
 * documented parameter order (per layer: fanIn x fanOut weights row-major, then fanOut biases).
 */
final class NaiveMlp {
    private NaiveMlp() {
    }

    static double[] forward(int[] sizes, Activation hidden, Activation output, double[] params,
                            double[] inputs, int rows) {
        double[] current = inputs;
        int offset = 0;
        for (int l = 0; l + 1 < sizes.length; l++) {
            int in = sizes[l];
            int out = sizes[l + 1];
            double[] next = new double[rows * out];
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < out; j++) {
                    double z = params[offset + in * out + j];
                    for (int i = 0; i < in; i++) {
                        z += current[r * in + i] * params[offset + i * out + j];
                    }
                    next[r * out + j] = activate(l + 2 == sizes.length ? output : hidden, z);
                }
            }
            offset += in * out + out;
            current = next;
        }
        return current;
    }

    static double activate(Activation a, double z) {
        switch (a) {
            case IDENTITY: return z;
            case RELU: return Math.max(0, z);
            case SIGMOID: return 1 / (1 + Math.exp(-z));
            case TANH: return Math.tanh(z);
            default: throw new AssertionError(a);
        }
    }

    static double loss(LossType loss, double[] y, double[] t, int rows, int width) {
        double sum = 0;
        switch (loss) {
            case MSE:
                for (int i = 0; i < y.length; i++) {
                    sum += (y[i] - t[i]) * (y[i] - t[i]);
                }
                return sum / y.length;
            case CROSS_ENTROPY:
                for (int r = 0; r < rows; r++) {
                    double norm = 0;
                    for (int j = 0; j < width; j++) {
                        norm += Math.exp(y[r * width + j]);
                    }
                    for (int j = 0; j < width; j++) {
                        sum -= t[r * width + j] * Math.log(Math.exp(y[r * width + j]) / norm);
                    }
                }
                return sum / rows;
            case BINARY_CROSS_ENTROPY:
                for (int i = 0; i < y.length; i++) {
                    double s = 1 / (1 + Math.exp(-y[i]));
                    sum -= t[i] * Math.log(s) + (1 - t[i]) * Math.log(1 - s);
                }
                return sum / y.length;
            default:
                throw new AssertionError(loss);
        }
    }

    static double lossOf(int[] sizes, Activation hidden, Activation output, LossType loss, double[] params,
                         double[] inputs, double[] targets, int rows) {
        double[] y = forward(sizes, hidden, output, params, inputs, rows);
        return loss(loss, y, targets, rows, sizes[sizes.length - 1]);
    }

    static double[] toDouble(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
