package io.kortexdl.spark;

import io.kortexdl.kernels.Activation;
import io.kortexdl.kernels.LossType;
import io.kortexdl.kernels.OptimizerKind;
import java.util.Arrays;

/**
 * A fit's state written after an epoch: the driver's whole {@link FitState} and what the fit
 * that resumes from it must share with the one that wrote it.
 *
 * @param fingerprint what must not change between the fit that wrote it and one that resumes
 * @param state a snapshot of the driver's state
 */
record Checkpoint(Fingerprint fingerprint, FitState state) {

    /**
     * The identity of a fit's training problem.
     *
     * @param trainRows training rows over all blocks
     * @param rowOrder how the blocks' rows are shuffled ({@link DataPacker.Packed#rowOrder}):
     *     {@link #WHOLE_BLOCKS}, or which blocks stream from disk in which windows
     */
    record Fingerprint(int[] layerSizes, Activation activation, LossType loss, OptimizerKind optimizer, long seed,
                       int batchSize, int blocks, long trainRows, String rowOrder) {

        /** Every block shuffled whole: the only order of fits that wrote checkpoints of format 1. */
        static final String WHOLE_BLOCKS = "every block shuffled whole";

        static Fingerprint of(TrainingSpec spec, long trainRows, String rowOrder) {
            return new Fingerprint(spec.layerSizes(), spec.hiddenActivation(), spec.loss(), spec.optimizer(),
                    spec.seed(), spec.globalBatch(), spec.blockCount(), trainRows, rowOrder);
        }

        /** The first difference from {@code current}, for a message, or null when they match. */
        String difference(Fingerprint current) {
            if (!Arrays.equals(layerSizes, current.layerSizes)) {
                return "layers " + Arrays.toString(layerSizes) + " (this fit: " + Arrays.toString(current.layerSizes)
                        + ")";
            }
            Object[][] pairs = {{"activation", activation, current.activation}, {"loss", loss, current.loss},
                {"optimizer", optimizer, current.optimizer}, {"seed", seed, current.seed},
                {"batchSize", batchSize, current.batchSize},
                {"training blocks (executors)", blocks, current.blocks},
                {"training rows", trainRows, current.trainRows},
                {"row order (blockStorage, diskWindowInMB, executor memory)", rowOrder, current.rowOrder}};
            for (Object[] p : pairs) {
                if (!p[1].equals(p[2])) {
                    return p[0] + " " + p[1] + " (this fit: " + p[2] + ")";
                }
            }
            return null;
        }
    }
}
