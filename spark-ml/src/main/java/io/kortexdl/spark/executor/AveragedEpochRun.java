package io.kortexdl.spark.executor;

import io.kortexdl.kernels.Network;
import io.kortexdl.kernels.NonFiniteLossException;
import io.kortexdl.kernels.Optimizer;
import io.kortexdl.kernels.TrainingProgress;
import io.kortexdl.spark.collective.Collective;

/**
 * Local steps with periodic averaging: each block runs {@link EpochPlan#interval()} steps on its
 * own rows, then parameters and optimizer state are averaged over the blocks, weighted by the rows
 * each covered in those steps, and the optimizer's step count becomes the most steps any block
 * took. A single block runs the whole epoch this way and never syncs: plain serial mini-batch
 * training.
 */
final class AveragedEpochRun extends EpochRun {

    AveragedEpochRun(Network network, BlockSteps steps, EpochRows rows, EpochPlan plan, EpochRequest request,
                     Collective collective, String executor) {
        super(network, steps, rows, plan, request, collective, executor);
    }

    @Override
    EpochResult run() {
        Optimizer optimizer = network.optimizer();
        boolean alone = collective.size() == 1;
        float[] buffer = new float[0];
        for (int first = 0; first < plan.steps(); first += plan.interval()) {
            int count = Math.min(plan.interval(), plan.steps() - first);
            long total = plan.rowsInSteps(first, count);
            if (total == 0) {
                break;
            }
            long mine = plan.rowsInSteps(me, first, count);
            long stepsBefore = optimizer.steps();
            boolean diverged = false;
            float divergedLoss = 0;
            int divergedStep = 0;
            if (mine > 0) {
                try {
                    TrainingProgress progress = rows.trainSteps(steps, first * share,
                            plan.stepsWithRows(me, first, count), share, request.learningRate());
                    lossSum += progress.lossSum();
                    rowsTrained += progress.rows();
                } catch (NonFiniteLossException e) {
                    diverged = true;
                    divergedLoss = e.loss();
                    divergedStep = first + Math.max(1, e.step());
                }
            }
            if (alone) {
                steps.clearChanged();
                if (diverged) {
                    return stopped(true, divergedStep, divergedLoss);
                }
                continue;
            }
            SyncRanges ranges = ranges(steps.changedRows());
            int values = ranges.length() * (1 + optimizer.stateValuesPerParameter());
            buffer = ensure(buffer, values + 1);
            ranges.gatherWeighted(network, (float) ((double) mine / total), buffer);
            buffer[values] = diverged ? 1f : 0f;
            sync(buffer, values + 1);
            if (buffer[values] != 0f) {
                return stopped(diverged, divergedStep, divergedLoss);
            }
            ranges.scatterState(buffer, network);
            optimizer.setSteps(stepsBefore + plan.maxStepsWithRows(first, count));
            steps.clearChanged();
        }
        return trained();
    }
}
