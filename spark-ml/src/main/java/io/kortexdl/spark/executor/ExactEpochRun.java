package io.kortexdl.spark.executor;

import io.kortexdl.kernels.Network;
import io.kortexdl.spark.collective.Collective;
import java.util.Arrays;

/**
 * Exact synchronous SGD over several blocks: every step, each block computes the gradient sum of
 * its share of the global batch, the sums are added over the blocks in rank order, and every
 * block applies the same optimizer step to the same summed gradient.
 */
final class ExactEpochRun extends EpochRun {

    ExactEpochRun(Network network, BlockSteps steps, EpochRows rows, EpochPlan plan, EpochRequest request,
                  Collective collective, String executor) {
        super(network, steps, rows, plan, request, collective, executor);
    }

    @Override
    EpochResult run() {
        float[] gradient = new float[parameterCount];
        float[] buffer = new float[0];
        for (int step = 0; step < plan.steps(); step++) {
            long total = plan.rowsInSteps(step, 1);
            if (total == 0) {
                break;
            }
            int mine = (int) plan.rowsInSteps(me, step, 1);
            steps.clearChanged();
            double loss = mine > 0 ? rows.gradientSum(steps, step * share, mine, gradient) : 0;
            int[] local = steps.changedRows();
            SyncRanges ranges = ranges(local);
            buffer = ensure(buffer, ranges.length() + 1);
            if (mine > 0) {
                ranges.gather(gradient, local, buffer);
            } else {
                Arrays.fill(buffer, 0, ranges.length(), 0f);
            }
            boolean diverged = !Double.isFinite(loss);
            buffer[ranges.length()] = diverged ? 1f : 0f;
            sync(buffer, ranges.length() + 1);
            if (buffer[ranges.length()] != 0f) {
                return stopped(diverged, step + 1, (float) loss);
            }
            ranges.scatter(buffer, gradient);
            try {
                steps.applyGradientSum(gradient, ranges.rows(), total, request.learningRate());
            } catch (IllegalArgumentException e) {
                return stopped(true, step + 1, Float.NaN); // the same summed gradient stops every block here
            }
            lossSum += loss;
            rowsTrained += mine;
        }
        steps.clearChanged();
        return trained();
    }
}
