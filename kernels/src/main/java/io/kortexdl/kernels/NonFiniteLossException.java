package io.kortexdl.kernels;

/**
 * Thrown by a training call whose batch loss is NaN or infinite. The update of that batch is
 * not applied: the network keeps the parameters of the last good step.
 */
public final class NonFiniteLossException extends ArithmeticException {
    private static final long serialVersionUID = 1L;

    private final float loss;

    /**
     * @param loss the non-finite value
     * @param context what was being trained, for the message
     */
    public NonFiniteLossException(float loss, String context) {
        super("Training diverged: the batch loss is " + loss + " (" + context + "). The update was not applied;"
                + " the parameters are those of the last good step. Lower the learning rate, check the"
                + " inputs for NaN/Inf or very large values, or add L2 regularisation.");
        this.loss = loss;
    }

    /** The loss value that stopped training. */
    public float loss() {
        return loss;
    }
}
