package io.kortexdl.spark.executor;

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
public record TrainingState(float[] parameters, float[] optimizerState, long optimizerSteps) implements Serializable {

    /** A deep copy. */
    public TrainingState copy() {
        return new TrainingState(parameters.clone(), optimizerState.clone(), optimizerSteps);
    }

    /** The state as bytes: the step count, then each array as its length and its floats (little-endian). */
    public byte[] toBytes() {
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(8 + 4 + 4 * parameters.length + 4
                + 4 * optimizerState.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        out.putLong(optimizerSteps).putInt(parameters.length);
        out.asFloatBuffer().put(parameters);
        out.position(out.position() + 4 * parameters.length).putInt(optimizerState.length);
        out.asFloatBuffer().put(optimizerState);
        return out.array();
    }

    /**
     * The state {@link #toBytes()} wrote.
     *
     * @throws IllegalArgumentException when the bytes are not such a state
     */
    public static TrainingState fromBytes(byte[] bytes) {
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        try {
            long steps = in.getLong();
            float[] parameters = floats(in);
            float[] state = floats(in);
            if (in.hasRemaining() || steps < 0) {
                throw new IllegalArgumentException("a training state of " + bytes.length + " bytes is inconsistent");
            }
            return new TrainingState(parameters, state, steps);
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("a training state of " + bytes.length + " bytes is truncated", e);
        }
    }

    private static float[] floats(java.nio.ByteBuffer in) {
        int length = in.getInt();
        if (length < 0 || 4L * length > in.remaining()) {
            throw new IllegalArgumentException("a training state array of " + length + " floats does not fit");
        }
        float[] out = new float[length];
        in.asFloatBuffer().get(out);
        in.position(in.position() + 4 * length);
        return out;
    }
}
