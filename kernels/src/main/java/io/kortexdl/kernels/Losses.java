package io.kortexdl.kernels;

/** Loss values and their gradients with respect to the network outputs. */
final class Losses {
    private Losses() {
    }

    /**
     * Returns the mean loss of {@code rows} rows and, when {@code gradient} is not null, writes
     * dLoss/dy (already divided by the loss's averaging count) into it.
     *
     * @param outputs network outputs, {@code rows x width} row-major from offset 0
     * @param targets targets laid out like {@code outputs}, read from {@code targetOffset}
     * @param gradient where dLoss/dy goes, laid out like {@code outputs}; may be null
     */
    static float lossAndGradient(LossType loss, float[] outputs, float[] targets, int targetOffset,
                                 int rows, int width, float[] gradient) {
        switch (loss) {
            case MSE:
                return meanSquaredError(outputs, targets, targetOffset, rows * width, gradient);
            case CROSS_ENTROPY:
                return softmaxCrossEntropy(outputs, targets, targetOffset, rows, width, gradient);
            case BINARY_CROSS_ENTROPY:
                return binaryCrossEntropy(outputs, targets, targetOffset, rows * width, gradient);
            default:
                throw new AssertionError(loss);
        }
    }

    private static float meanSquaredError(float[] y, float[] t, int tOff, int count, float[] grad) {
        double sum = 0;
        float scale = 2f / count;
        for (int i = 0; i < count; i++) {
            float d = y[i] - t[tOff + i];
            sum += (double) d * d;
            if (grad != null) {
                grad[i] = scale * d;
            }
        }
        return (float) (sum / count);
    }

    private static float softmaxCrossEntropy(float[] y, float[] t, int tOff, int rows, int width,
                                             float[] grad) {
        double sum = 0;
        float invRows = 1f / rows;
        for (int r = 0; r < rows; r++) {
            int base = r * width;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < width; j++) {
                max = Math.max(max, y[base + j]);
            }
            double expSum = 0;
            for (int j = 0; j < width; j++) {
                float e = (float) Math.exp(y[base + j] - max);
                expSum += e;
                if (grad != null) {
                    grad[base + j] = e;
                }
            }
            float logSumExp = (float) (max + Math.log(expSum));
            float invExpSum = (float) (1.0 / expSum);
            float targetSum = 0;
            for (int j = 0; j < width; j++) {
                float target = t[tOff + base + j];
                targetSum += target;
                if (target != 0f) {
                    sum -= target * (y[base + j] - logSumExp);
                }
            }
            if (grad != null) {
                // d/dy_j of -sum_k t_k log p_k = p_j * sum_k t_k - t_j (sum_k t_k = 1 for proper targets)
                for (int j = 0; j < width; j++) {
                    float p = grad[base + j] * invExpSum;
                    grad[base + j] = (p * targetSum - t[tOff + base + j]) * invRows;
                }
            }
        }
        return (float) (sum / rows);
    }

    private static float binaryCrossEntropy(float[] y, float[] t, int tOff, int count, float[] grad) {
        double sum = 0;
        float invCount = 1f / count;
        for (int i = 0; i < count; i++) {
            float logit = y[i];
            float target = t[tOff + i];
            sum += Math.max(logit, 0f) - logit * target + Math.log1p(Math.exp(-Math.abs(logit)));
            if (grad != null) {
                grad[i] = (Activation.sigmoid(logit) - target) * invCount;
            }
        }
        return (float) (sum / count);
    }
}
