package io.kortexdl.kernels;

/**
 * What a run of training steps did: the summed per-row losses (a batch's mean loss times its
 * rows, before its update), the rows trained and the optimizer steps taken.
 *
 * @param lossSum sum over the rows of their loss, in the loss's own units
 * @param rows rows trained on
 * @param steps optimizer steps applied
 */
public record TrainingProgress(double lossSum, long rows, int steps) {

    /** Mean loss per row, or NaN when no row was trained. */
    public double meanLoss() {
        return rows == 0 ? Double.NaN : lossSum / rows;
    }
}
