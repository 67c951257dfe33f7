package io.kortexdl.spark;

import java.io.Serializable;

/**
 * The state one optimizer step acts on: the network's parameters (standardized-label units for
 * regression), the optimizer's per-parameter state and its step count. After every sync all
 * executors hold the same bits of it.
 *
 * @param parameters the flat parameter vector
 * @param optimizerState the optimizer's exported state ({@code Optimizer.exportState}), empty for SGD
 * @param optimizerSteps the optimizer's step count (Adam's bias correction depends on it)
 */
record TrainingState(float[] parameters, float[] optimizerState, long optimizerSteps) implements Serializable {

    /** A deep copy. */
    TrainingState copy() {
        return new TrainingState(parameters.clone(), optimizerState.clone(), optimizerSteps);
    }
}
