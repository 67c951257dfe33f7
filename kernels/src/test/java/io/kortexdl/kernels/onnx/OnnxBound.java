package io.kortexdl.kernels.onnx;

import io.kortexdl.kernels.blas.Blas;

/**
 * What the tests allow between an exported model run in ONNX Runtime and the network's own
 * forward pass: {@code |expected - actual| <= RELATIVE x max(1, |expected|)} for every value.
 *
 * <p>The runtime adds a GEMM's terms in its own order and has its own {@code exp}, {@code tanh}
 * and logistic function. The largest differences measured (ONNX Runtime 1.29 against OpenBLAS
 * 0.3.21 on an AMD EPYC): in the kernels' small random networks 0 to 2.4e-8 for ReLU and sparse
 * ones, 2.4e-7 for sigmoid and 4.8e-7 for tanh hidden layers, 1.2e-7 for the probabilities; in a
 * 784-64-10 network trained on Fashion-MNIST, whose logits add 784 products of both signs, 2.5e-6
 * on OpenBLAS's Cooperlake kernels, 2.3e-6 on Haswell and 3.4e-6 on SandyBridge. The bound leaves
 * a margin of about 9x for other CPUs, and a wrong weight, layout or activation misses it by
 * orders of magnitude.
 */
public final class OnnxBound {
    /** The relative difference allowed. */
    public static final float RELATIVE = 3e-5f;

    private OnnxBound() {
    }

    /** Asserts every value of {@code actual} is within the bound of {@code expected}'s, and reports the largest. */
    public static void assertClose(float[] expected, float[] actual, String what) {
        if (expected.length != actual.length) {
            throw new AssertionError(what + ": lengths " + expected.length + " and " + actual.length);
        }
        double largest = 0;
        for (int i = 0; i < expected.length; i++) {
            double relative = Math.abs(expected[i] - actual[i]) / Math.max(1f, Math.abs(expected[i]));
            if (!(relative <= RELATIVE)) {
                throw new AssertionError(what + ": value " + i + " is " + actual[i] + ", expected " + expected[i]
                        + " within " + RELATIVE + " x max(1, |expected|), on " + Blas.system().name()
                        + " (OPENBLAS_CORETYPE=" + System.getenv("OPENBLAS_CORETYPE") + ")");
            }
            largest = Math.max(largest, relative);
        }
        System.out.printf("%s: largest relative difference %.2e (bound %.0e)%n", what, largest, RELATIVE);
    }
}
