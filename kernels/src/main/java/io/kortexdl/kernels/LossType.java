package io.kortexdl.kernels;

/**
 * Training objectives, each a function of the network's outputs {@code y} and the targets
 * {@code t}, both {@code batch x outputs} row-major.
 *
 * <ul>
 *   <li>{@link #MSE}: mean over all {@code batch * outputs} elements of {@code (y - t)^2}.</li>
 *   <li>{@link #CROSS_ENTROPY}: softmax over each row of {@code y}, then the batch mean of
 *       {@code -sum_j t_j log p_j}; targets may be one-hot or soft (rows summing to 1).</li>
 *   <li>{@link #BINARY_CROSS_ENTROPY}: {@code y} taken as logits; the mean over all elements of
 *       {@code max(y,0) - y t + log(1 + e^-|y|)}, the numerically stable form of
 *       {@code -(t log s + (1-t) log(1-s))} with {@code s = sigmoid(y)}.</li>
 * </ul>
 */
public enum LossType {
    /** Mean squared error over every output element. */
    MSE,
    /** Softmax cross-entropy, averaged over the rows of the batch. */
    CROSS_ENTROPY,
    /** Sigmoid binary cross-entropy on logits, averaged over every output element. */
    BINARY_CROSS_ENTROPY
}
