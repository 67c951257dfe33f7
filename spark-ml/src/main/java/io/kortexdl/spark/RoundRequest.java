package io.kortexdl.spark;

import java.io.Serializable;

/**
 * One synchronisation round, broadcast to every block: the current parameters and optimizer
 * state, and which steps of which epoch to run.
 *
 * @param gradientOnly true for exact synchronous SGD: return the gradient sum of one step
 *     without updating; false: run {@code steps} local steps and return the new state
 */
record RoundRequest(int epoch, int firstStep, int steps, float learningRate, boolean gradientOnly,
                    float[] parameters, float[] optimizerState, long optimizerSteps) implements Serializable {
}
