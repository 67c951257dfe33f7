package io.kortexdl.kernels;

/**
 * Thrown by a training call whose batch loss is NaN or infinite. The update of that batch is
 * not applied: the network keeps the parameters of the last good step.
 */
public final class NonFiniteLossException extends ArithmeticException {
    private static final long serialVersionUID = 1L;

    private final float loss;
    private final int step;

    /**
     * @param loss the non-finite value
     * @param context what was being trained, for the message
     */
    public NonFiniteLossException(float loss, String context) {
        this(loss, context, 0);
    }

    /**
     * @param loss the non-finite value
     * @param context what was being trained, for the message
     * @param step the 1-based step of the training call that diverged, or 0 when not known
     */
    public NonFiniteLossException(float loss, String context, int step) {
        super("Training diverged: the batch loss is " + loss + " (" + context + "). The update was not applied;"
                + " the parameters are those of the last good step. Lower the learning rate, check the"
                + " inputs for NaN/Inf or very large values, or add L2 regularisation.");
        this.loss = loss;
        this.step = step;
    }

    /** The 1-based step of the training call whose batch diverged, or 0 when not known. */
    public int step() {
        return step;
    }

    /** The loss value that stopped training. */
    public float loss() {
        return loss;
    }
}
