package io.kortexdl.kernels;

/**
 * What the tests allow between an exported model run in ONNX Runtime and the network's own
 * forward pass: {@code |expected - actual| <= RELATIVE x max(1, |expected|)} for every value.
 */
final class OnnxBound {
    /** The relative difference allowed. */
    static final float RELATIVE = 1e-5f;

    private OnnxBound() {
    }

    /** Asserts every value of {@code actual} is within the bound of {@code expected}'s, and reports the largest. */
    static void assertClose(float[] expected, float[] actual, String what) {
        if (expected.length != actual.length) {
            throw new AssertionError(what + ": lengths " + expected.length + " and " + actual.length);
        }
        double largest = 0;
        for (int i = 0; i < expected.length; i++) {
            double relative = Math.abs(expected[i] - actual[i]) / Math.max(1f, Math.abs(expected[i]));
            if (!(relative <= RELATIVE)) {
                throw new AssertionError(what + ": value " + i + " is " + actual[i] + ", expected " + expected[i]
                        + " within " + RELATIVE + " x max(1, |expected|), on " + Rounding.kernel());
            }
            largest = Math.max(largest, relative);
        }
        System.out.printf("%s: largest relative difference %.2e (bound %.0e)%n", what, largest, RELATIVE);
    }
}
