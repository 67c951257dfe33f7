package io.kortexdl.kernels.onnx;

/** How an exported graph takes its rows. */
public enum OnnxInput {
    /** {@code features}, float {@code [N, inputSize]}: one dense row per example. */
    DENSE,
    /**
     * The non-zeros of each row, for wide sparse features (hashed text, one-hot categories):
     * {@code indices}, int64 {@code [N, K]}, and {@code values}, float {@code [N, K]}, where
     * {@code K} (symbolic, {@code nonzeros}) is the largest non-zero count of the batch's rows and
     * shorter rows are padded with index 0 and value 0. The first layer then reads only those
     * rows of its weights ({@code Gather}, {@code Mul}, {@code ReduceSum}), so a request costs
     * {@code K} values instead of {@code inputSize}. Indices must lie in {@code [0, inputSize)};
     * a runtime rejects others.
     */
    SPARSE
}
