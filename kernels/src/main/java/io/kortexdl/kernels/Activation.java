package io.kortexdl.kernels;

/**
 * Element-wise activation applied after a layer's affine transform.
 *
 * <p>Derivatives are expressed through the activation's <em>output</em>, so the engine keeps
 * only post-activation values: ReLU {@code a > 0}, sigmoid {@code a (1 - a)}, tanh
 * {@code 1 - a^2}, identity {@code 1}.
 */
public enum Activation {
    /** {@code f(z) = z}. */
    IDENTITY,
    /** {@code f(z) = max(0, z)}; derivative taken as 0 at {@code z = 0}. */
    RELU,
    /** {@code f(z) = 1 / (1 + e^-z)}. */
    SIGMOID,
    /** {@code f(z) = tanh(z)}. */
    TANH;

    /**
     * Applies the activation in place to {@code values[offset, offset + length)}.
     *
     * @param values the pre-activations, overwritten with the activations
     * @param offset first element
     * @param length number of elements
     */
    public void applyInPlace(float[] values, int offset, int length) {
        int end = offset + length;
        switch (this) {
            case IDENTITY:
                return;
            case RELU:
                for (int i = offset; i < end; i++) {
                    values[i] = Math.max(values[i], 0f);
                }
                return;
            case SIGMOID:
                for (int i = offset; i < end; i++) {
                    values[i] = sigmoid(values[i]);
                }
                return;
            case TANH:
                for (int i = offset; i < end; i++) {
                    values[i] = (float) Math.tanh(values[i]);
                }
                return;
            default:
                throw new AssertionError(this);
        }
    }

    /**
     * Adds a bias row to every row of a {@code rows x width} block, then applies the activation,
     * in one pass over the block.
     *
     * @param values the block, from offset 0, overwritten with the activations
     * @param bias holds the {@code width} biases from {@code biasOffset}
     */
    public void addBiasAndApply(float[] values, int rows, int width, float[] bias, int biasOffset) {
        for (int r = 0; r < rows; r++) {
            int base = r * width;
            for (int j = 0; j < width; j++) {
                values[base + j] += bias[biasOffset + j];
            }
            if (this != IDENTITY) {
                applyInPlace(values, base, width);
            }
        }
    }

    /**
     * Multiplies {@code gradient[i]} in place by {@code f'(z_i)}, where {@code f'} is recovered
     * from the activation output {@code activated[i]}; turns dL/da into dL/dz.
     *
     * @param activated the layer's outputs {@code a = f(z)}
     * @param gradient dL/da on entry, dL/dz on return; same offset and length as {@code activated}
     * @param offset first element of both arrays
     * @param length number of elements
     */
    public void multiplyByDerivative(float[] activated, float[] gradient, int offset, int length) {
        int end = offset + length;
        switch (this) {
            case IDENTITY:
                return;
            case RELU:
                // ReLU outputs are +0 or positive, so their bit patterns are 0 or positive ints:
                // (-bits) >> 31 is an all-ones mask exactly when the unit was active. Branch-free.
                for (int i = offset; i < end; i++) {
                    int mask = -Float.floatToRawIntBits(activated[i]) >> 31;
                    gradient[i] = Float.intBitsToFloat(Float.floatToRawIntBits(gradient[i]) & mask);
                }
                return;
            case SIGMOID:
                for (int i = offset; i < end; i++) {
                    float a = activated[i];
                    gradient[i] *= a * (1f - a);
                }
                return;
            case TANH:
                for (int i = offset; i < end; i++) {
                    float a = activated[i];
                    gradient[i] *= 1f - a * a;
                }
                return;
            default:
                throw new AssertionError(this);
        }
    }

    /** The logistic function, computed without overflow for large {@code |z|}. */
    static float sigmoid(float z) {
        if (z >= 0f) {
            return (float) (1.0 / (1.0 + Math.exp(-z)));
        }
        double e = Math.exp(z);
        return (float) (e / (1.0 + e));
    }
}
