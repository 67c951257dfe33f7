package io.kortexdl.kernels;

/** Argument checks at the public boundary; every message names the argument, the value and what was expected. */
final class Checks {
    private Checks() {
    }

    static void batchSize(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize: expected >= 1, got " + batchSize);
        }
    }

    static void matrix(String name, float[] values, int rows, int width) {
        if (values == null) {
            throw new IllegalArgumentException(name + ": expected a float[] of " + rows + " x " + width + ", got null");
        }
        long expected = (long) rows * width;
        if (values.length != expected) {
            throw new IllegalArgumentException(name + ": expected length batchSize x " + width + " = " + rows + " x "
                    + width + " = " + expected + ", got " + values.length
                    + (values.length % width == 0 ? " (" + values.length / width + " rows)" : ""));
        }
    }

    static void learningRate(float learningRate) {
        if (!(learningRate > 0f) || Float.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learningRate: expected a finite value > 0, got " + learningRate);
        }
    }

    static void nonNull(String name, Object value) {
        if (value == null) {
            throw new IllegalArgumentException(name + ": expected a value, got null");
        }
    }
}
