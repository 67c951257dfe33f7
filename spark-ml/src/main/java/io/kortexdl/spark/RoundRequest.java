package io.kortexdl.spark;

import java.io.Serializable;

/**
 * One synchronisation round, broadcast to every block: which steps of which epoch to run and,
 * unless the executor already holds it, the training state to start from.
 *
 * @param gradientOnly true for exact synchronous SGD: return the gradient sum of one step
 *     without updating; false: run {@code steps} local steps and return the new parameters
 * @param parameters the parameters to start from, or null when the executor holds them
 *     (local mode keeps the state in the trainer between rounds instead of shipping it)
 * @param optimizerState the optimizer state to start from, null together with {@code parameters}
 * @param optimizerSteps the optimizer's step count at the start of the round
 * @param round rounds completed before this one in the fit; an executor holding state checks it
 * @param returnState whether to return the optimizer state (needed to average it across blocks)
 */
record RoundRequest(int epoch, int firstStep, int steps, float learningRate, boolean gradientOnly,
                    float[] parameters, float[] optimizerState, long optimizerSteps, long round,
                    boolean returnState) implements Serializable {
}
