package io.kortexdl.kernels;

/**
 * An update rule over the flat parameter vector. An instance holds the state of one network
 * (velocities, moments, step count). One step is either {@link #step} or, to split it over
 * threads, {@link #stepRange} on disjoint ranges covering every parameter (concurrently allowed)
 * followed by one {@link #endStep()}. Steps themselves never overlap: the network serialises them.
 */
public interface Optimizer {

    /** The rule's kind, written into saved models. */
    OptimizerKind kind();

    /** The rule's hyper-parameters in the order {@link OptimizerKind#create} takes them. */
    float[] hyperParameters();

    /**
     * Writes {@code to[i] = rule(from[i], gradient[i])} for every parameter and advances the
     * optimizer's state by one step.
     *
     * @param from current parameters
     * @param to where the new parameters go; may be {@code from} itself
     * @param gradient dLoss/dparameter, same length as {@code from}
     * @param learningRate step size, finite and positive
     */
    default void step(float[] from, float[] to, float[] gradient, float learningRate) {
        stepRange(from, to, gradient, learningRate, 0, from.length);
        endStep();
    }

    /**
     * The part of the current step for parameters {@code [start, end)}: writes {@code to[i]} and
     * updates this optimizer's per-parameter state there. Calls on disjoint ranges may run at
     * the same time from different threads.
     */
    void stepRange(float[] from, float[] to, float[] gradient, float learningRate, int start, int end);

    /** Ends the current step once every range has been updated (e.g. advances Adam's step count). */
    default void endStep() {
    }

    /**
     * Length of this optimizer's per-parameter state as {@link #exportState} writes it: 0 for
     * plain SGD, one value per parameter for momentum, two for Adam.
     */
    default int stateSize() {
        return 0;
    }

    /** Steps completed so far (Adam's bias correction depends on it). */
    default long steps() {
        return 0;
    }

    /**
     * Copies the per-parameter state into {@code out[offset .. offset + stateSize())}, e.g. to
     * average it across executors or to checkpoint it. Must not run during a step.
     */
    default void exportState(float[] out, int offset) {
    }

    /**
     * Replaces the state with {@code state[offset .. offset + stateSize())} and the step count
     * with {@code steps}, as {@link #exportState} and {@link #steps()} gave them. Must not run
     * during a step.
     *
     * @throws IllegalArgumentException if the array is too short or {@code steps < 0}
     */
    default void importState(float[] state, int offset, long steps) {
        checkState(state, offset, steps);
    }

    /**
     * Checks the arguments of {@link #importState}.
     *
     * @throws IllegalArgumentException if {@code state} has fewer than {@link #stateSize()} values
     *     from {@code offset}, or {@code steps < 0}
     */
    default void checkState(float[] state, int offset, long steps) {
        Checks.nonNull("state", state);
        if (offset < 0 || (long) offset + stateSize() > state.length) {
            throw new IllegalArgumentException("state: expected " + stateSize() + " values from offset " + offset
                    + ", got an array of " + state.length);
        }
        if (steps < 0) {
            throw new IllegalArgumentException("steps: expected >= 0, got " + steps);
        }
    }
}
