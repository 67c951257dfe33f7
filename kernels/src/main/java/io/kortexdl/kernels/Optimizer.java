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
}
