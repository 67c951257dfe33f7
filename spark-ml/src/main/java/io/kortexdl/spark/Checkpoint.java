package io.kortexdl.spark;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The driver's training state after {@code epochsDone} epochs: everything its loop needs to
 * continue as if it had never stopped. Shuffles are derived from the seed and the epoch, so the
 * epoch count is the random state.
 *
 * @param fingerprint what must not change between the fit that wrote it and one that resumes
 * @param finished whether the fit that wrote it had ended (by maxIter, tol or early stopping)
 * @param best the parameters of the best validation epoch so far (null without a validation set)
 */
record Checkpoint(Fingerprint fingerprint, int epochsDone, boolean finished, String stopReason,
                  long optimizerSteps, long roundsCompleted, float[] parameters, float[] optimizerState,
                  int bestEpoch, double bestValidationLoss, float[] best, double previousLoss,
                  List<EpochRecord> history, Map<String, Long> rowsByExecutor) {

    /**
     * The identity of a fit's training problem.
     *
     * @param trainRows training rows over all blocks
     */
    record Fingerprint(int[] layerSizes, String activation, String loss, String optimizer, long seed, int batchSize,
                       int blocks, long trainRows) {

        static Fingerprint of(TrainingSpec spec, long trainRows) {
            return new Fingerprint(spec.layerSizes(), spec.hiddenActivation().name(), spec.loss().name(),
                    spec.optimizer().name(), spec.seed(), spec.globalBatch(), spec.blockCount(), trainRows);
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
                {"training rows", trainRows, current.trainRows}};
            for (Object[] p : pairs) {
                if (!p[1].equals(p[2])) {
                    return p[0] + " " + p[1] + " (this fit: " + p[2] + ")";
                }
            }
            return null;
        }
    }
}
