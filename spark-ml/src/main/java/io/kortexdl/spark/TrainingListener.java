package io.kortexdl.spark;

/**
 * Receives training progress on the driver, once per epoch, in the thread that called
 * {@code fit}. An exception thrown here stops the fit with that exception.
 */
@FunctionalInterface
public interface TrainingListener extends java.io.Serializable {

    /** Called after each epoch with its figures, once the epoch's checkpoint (if any) is written. */
    void onEpochEnd(EpochRecord record);
}
