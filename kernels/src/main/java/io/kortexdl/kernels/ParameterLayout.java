package io.kortexdl.kernels;

/**
 * Where each layer's parameters sit in the network's one flat {@code float[]}.
 *
 * <p>Order: for each layer {@code l = 0 .. L-1} (mapping {@code sizes[l]} inputs to
 * {@code sizes[l+1]} outputs), first its weights as a row-major {@code sizes[l] x sizes[l+1]}
 * matrix (fan-in major, so a layer computes {@code Y = X W + b}), then its {@code sizes[l+1]}
 * biases.
 */
public final class ParameterLayout {
    /** The most parameters one network holds: one Java array, with room for the JVM's array header. */
    public static final int MAX_PARAMETERS = Integer.MAX_VALUE - 8;
    private final int[] sizes;
    private final int[] weightOffsets;
    private final int[] biasOffsets;
    private final int parameterCount;
    private final int maxWidth;

    /**
     * @param sizes layer widths, input first, at least two, each at least 1
     * @throws IllegalArgumentException if the sizes are invalid or the parameter count overflows an int
     */
    public ParameterLayout(int... sizes) {
        if (sizes == null || sizes.length < 2) {
            throw new IllegalArgumentException("layerSizes: expected at least 2 sizes (input and output), got "
                    + (sizes == null ? "null" : sizes.length));
        }
        this.sizes = sizes.clone();
        int layers = sizes.length - 1;
        this.weightOffsets = new int[layers];
        this.biasOffsets = new int[layers];
        long offset = 0;
        int widest = 0;
        for (int i = 0; i < sizes.length; i++) {
            if (sizes[i] < 1) {
                throw new IllegalArgumentException("layerSizes[" + i + "]: expected >= 1, got " + sizes[i]);
            }
            widest = Math.max(widest, sizes[i]);
        }
        if (parameterCount(sizes) > MAX_PARAMETERS) {
            throw new IllegalArgumentException("layerSizes: " + java.util.Arrays.toString(sizes)
                    + " need more than 2^31 parameters");
        }
        for (int l = 0; l < layers; l++) {
            weightOffsets[l] = (int) offset;
            offset += (long) sizes[l] * sizes[l + 1];
            biasOffsets[l] = (int) offset;
            offset += sizes[l + 1];
        }
        this.parameterCount = (int) offset;
        this.maxWidth = widest;
    }

    /**
     * The parameters of a network of layer widths {@code sizes}: each layer's weights and biases,
     * {@code (in + 1) x out}, summed as a long, so that sizes too large for one network still count.
     */
    public static long parameterCount(int... sizes) {
        long total = 0;
        for (int l = 0; l + 1 < sizes.length; l++) {
            total += ((long) sizes[l] + 1) * sizes[l + 1];
        }
        return total;
    }

    /** Number of weight layers ({@code sizes - 1}). */
    public int layerCount() {
        return weightOffsets.length;
    }

    /** A copy of the layer widths, input first. */
    public int[] sizes() {
        return sizes.clone();
    }

    /** Width of layer boundary {@code i} (0 = input). */
    public int size(int i) {
        return sizes[i];
    }

    /** Inputs of weight layer {@code l}. */
    public int fanIn(int l) {
        return sizes[l];
    }

    /** Outputs of weight layer {@code l}. */
    public int fanOut(int l) {
        return sizes[l + 1];
    }

    /** Offset of weight layer {@code l}'s {@code fanIn x fanOut} weight matrix. */
    public int weightOffset(int l) {
        return weightOffsets[l];
    }

    /** Offset of weight layer {@code l}'s {@code fanOut} biases. */
    public int biasOffset(int l) {
        return biasOffsets[l];
    }

    /** Total number of parameters. */
    public int parameterCount() {
        return parameterCount;
    }

    /** The widest layer, input included. */
    public int maxWidth() {
        return maxWidth;
    }

    /** Width of the input layer. */
    public int inputSize() {
        return sizes[0];
    }

    /** Width of the output layer. */
    public int outputSize() {
        return sizes[sizes.length - 1];
    }
}
