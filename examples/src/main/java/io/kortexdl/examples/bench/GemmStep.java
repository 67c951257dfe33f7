package io.kortexdl.examples.bench;

import io.kortexdl.kernels.blas.Blas;
import java.util.SplittableRandom;

/**
 * The 8 GEMMs of one 784-256-128-10 training step (3 forward, 3 weight gradients, 2 input
 * gradients) through a {@link Blas}, laid out exactly as {@code examples/src/main/c/sgemm_step.c}
 * runs them on OpenBLAS directly, so the two GFLOP/s figures compare the JVM path with the
 * native ceiling.
 */
final class GemmStep {
    private static final int[] SIZES = {784, 256, 128, 10};

    private GemmStep() {
    }

    /** Median GFLOP/s over {@code repetitions} runs of about 4 GFLOP each. */
    static double gflops(Blas blas, int batch, int repetitions) throws Exception {
        SplittableRandom random = new SplittableRandom(1);
        float[][] w = new float[3][];
        float[][] gw = new float[3][];
        float[][] act = new float[4][];
        float[][] delta = new float[4][];
        act[0] = filled(batch * SIZES[0], random);
        double flops = 0;
        for (int l = 0; l < 3; l++) {
            w[l] = filled(SIZES[l] * SIZES[l + 1], random);
            gw[l] = filled(SIZES[l] * SIZES[l + 1], random);
            act[l + 1] = filled(batch * SIZES[l + 1], random);
            delta[l + 1] = filled(batch * SIZES[l + 1], random);
            flops += 4.0 * batch * SIZES[l] * SIZES[l + 1];
            if (l > 0) {
                flops += 2.0 * batch * SIZES[l] * SIZES[l + 1];
            }
        }
        int steps = (int) (4e9 / flops) + 1;
        double seconds = Timing.medianSeconds(1, repetitions, () -> {
            for (int i = 0; i < steps; i++) {
                for (int l = 0; l < 3; l++) {
                    blas.gemm(false, false, batch, SIZES[l + 1], SIZES[l], 1f, act[l], 0, w[l], 0, 0f, act[l + 1], 0);
                }
                for (int l = 2; l >= 0; l--) {
                    blas.gemm(true, false, SIZES[l], SIZES[l + 1], batch, 1f, act[l], 0, delta[l + 1], 0, 0f, gw[l], 0);
                    if (l > 0) {
                        blas.gemm(false, true, batch, SIZES[l], SIZES[l + 1], 1f, delta[l + 1], 0, w[l], 0, 0f,
                                delta[l], 0);
                    }
                }
            }
        });
        return flops * steps / seconds / 1e9;
    }

    /** GEMM floating-point operations of one training step of {@code layers} at {@code batch} rows. */
    static double trainingStepFlops(int[] layers, int batch) {
        double flops = 0;
        for (int l = 0; l + 1 < layers.length; l++) {
            flops += 4.0 * batch * layers[l] * layers[l + 1];
            if (l > 0) {
                flops += 2.0 * batch * layers[l] * layers[l + 1];
            }
        }
        return flops;
    }

    private static float[] filled(int n, SplittableRandom random) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (random.nextDouble() - 0.5);
        }
        return values;
    }
}
