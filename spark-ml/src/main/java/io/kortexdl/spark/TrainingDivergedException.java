package io.kortexdl.spark;

/**
 * Thrown by {@code fit} when a batch loss becomes NaN or infinite. No model is returned; with
 * checkpoints on, the checkpoints written before the divergence stay as they were, and
 * {@link #lastCheckpoint()} names the newest, to resume from with a lower {@code stepSize}.
 */
public final class TrainingDivergedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final int epoch;
    private final int step;
    private final String lastCheckpoint;

    TrainingDivergedException(int epoch, int step, int stepsPerEpoch, String what, double stepSize,
                              String lastCheckpoint, Throwable cause) {
        super("KortexDL training diverged at epoch " + epoch + ", step " + step + " of " + stepsPerEpoch + " (" + what
                + "). Lower stepSize (it is " + stepSize + "), check the features for very large values (scale"
                + " them, e.g. with StandardScaler), or set regParam."
                + (lastCheckpoint == null ? "" : " The last checkpoint, " + lastCheckpoint + ", is intact: resume"
                        + " from it with setResumeFrom after changing stepSize."), cause);
        this.epoch = epoch;
        this.step = step;
        this.lastCheckpoint = lastCheckpoint;
    }

    /** The 1-based epoch that diverged. */
    public int epoch() {
        return epoch;
    }

    /** The 1-based step of that epoch whose loss was not finite. */
    public int step() {
        return step;
    }

    /** The newest checkpoint written before the divergence, or null without checkpoints. */
    public String lastCheckpoint() {
        return lastCheckpoint;
    }
}
