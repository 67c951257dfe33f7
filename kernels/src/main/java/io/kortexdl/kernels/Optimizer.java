package io.kortexdl.kernels;

/**
 * An update rule over the flat parameter vector. An instance holds the state of one network
 * (velocities, moments, step count) and is only ever called by one thread at a time: the
 * network serialises updates.
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
    void step(float[] from, float[] to, float[] gradient, float learningRate);
}
