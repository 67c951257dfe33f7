package io.kortexdl.kernels;

import io.kortexdl.kernels.blas.Blas;
import io.kortexdl.kernels.blas.NetlibBlas;
import io.kortexdl.kernels.blas.VectorApiBlas;
import java.util.SplittableRandom;

/** Seeded random inputs and targets for the tests. */
final class TestData {
    private TestData() {
    }

    static float[] uniform(int n, long seed, float scale) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
        }
        return values;
    }

    /** Targets suited to {@code loss}: one-hot rows for cross-entropy, values in (0,1) for BCE, any for MSE. */
    static float[] targets(LossType loss, int rows, int width, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] t = new float[rows * width];
        for (int r = 0; r < rows; r++) {
            if (loss == LossType.CROSS_ENTROPY) {
                t[r * width + random.nextInt(width)] = 1f;
            } else {
                for (int j = 0; j < width; j++) {
                    t[r * width + j] = loss == LossType.BINARY_CROSS_ENTROPY
                            ? (float) random.nextDouble() : (float) (random.nextDouble() * 2 - 1);
                }
            }
        }
        return t;
    }

    /** The backends to check numerics against: netlib's choice (native when installed), our Vector API GEMM, netlib's Java. */
    static Blas[] backends() {
        return new Blas[] {NetlibBlas.system(), VectorApiBlas.get(), NetlibBlas.pureJava()};
    }
}
