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

    /**
     * The part of the current step for equal rows of parameters: for {@code i} in
     * {@code [first, last)}, row {@code rows[i]}, that is parameters
     * {@code [base + rows[i] * width, base + rows[i] * width + width)}. Same rules as
     * {@link #stepRange} (disjoint rows may be stepped concurrently); a lazy sparse update calls
     * this for the touched rows of a wide layer.
     */
    default void stepRows(float[] from, float[] to, float[] gradient, float learningRate, int base, int width,
                          int[] rows, int first, int last) {
        for (int i = first; i < last; i++) {
            int start = base + rows[i] * width;
            stepRange(from, to, gradient, learningRate, start, start + width);
        }
    }

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

    /** State values per parameter: 0 for plain SGD, 1 for momentum, 2 for Adam. */
    default int stateValuesPerParameter() {
        return 0;
    }

    /**
     * Copies the state of parameters {@code [start, end)} into {@code out} from {@code at}: for each
     * of the {@link #stateValuesPerParameter()} state arrays in {@link #exportState}'s order, its
     * {@code end - start} values. Must not run during a step.
     */
    default void exportStateRange(int start, int end, float[] out, int at) {
    }

    /** The inverse of {@link #exportStateRange}: replaces the state of parameters {@code [start, end)}. */
    default void importStateRange(float[] in, int at, int start, int end) {
    }

    /** Sets the step count (Adam's bias correction depends on it) without touching the state arrays. */
    default void setSteps(long steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("steps: expected >= 0, got " + steps);
        }
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
