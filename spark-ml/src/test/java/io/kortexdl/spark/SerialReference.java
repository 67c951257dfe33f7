package io.kortexdl.spark;

import io.kortexdl.kernels.Activation;
import io.kortexdl.kernels.LossType;
import io.kortexdl.kernels.Network;
import io.kortexdl.kernels.OptimizerKind;
import io.kortexdl.spark.executor.EpochOrder;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;

/**
 * A naive, single-threaded reimplementation of the distributed fit of a classifier, written from
 * the documented rules rather than from the trainer's code, to check the executors' results:
 * block {@code b} takes {@code ceil(rows_b / steps)} rows of its epoch permutation per global
 * step; {@code syncInterval = 1} makes every global step one step over the union of the blocks'
 * shares; {@code syncInterval = K} trains each block K steps from the common state and then
 * averages parameters and optimizer state, weighted by the rows each block covered, with the
 * optimizer's step count advanced by the most steps any block took.
 */
final class SerialReference {
    private SerialReference() {
    }

    /**
     * The parameters after {@code epochs} epochs over {@code blocks} (rows of
     * {@code features, label} per block, in block order).
     */
    static float[] train(List<List<Row>> blocks, int features, int hidden, int classes, OptimizerKind optimizer,
                         float learningRate, int batch, int epochs, int syncInterval, long seed) {
        return train(blocks, features, hidden, classes, optimizer, learningRate, batch, epochs, syncInterval, seed,
                false);
    }

    /**
     * {@link #train(List, int, int, int, OptimizerKind, float, int, int, int, long)} with, when
     * {@code lazy}, every step the network's sparse step ({@code Network.trainBatch(SparseBatch, ...)},
     * which updates only the first-layer rows the batch touches), as a fit on sparse features takes them.
     */
    static float[] train(List<List<Row>> blocks, int features, int hidden, int classes, OptimizerKind optimizer,
                         float learningRate, int batch, int epochs, int syncInterval, long seed, boolean lazy) {
        int total = blocks.stream().mapToInt(List::size).sum();
        int steps = (total + batch - 1) / batch;
        Network common = network(features, hidden, classes, optimizer, seed);
        int stateSize = common.optimizer().stateSize();
        for (int epoch = 0; epoch < epochs; epoch++) {
            int[][] orders = new int[blocks.size()][];
            int[] shares = new int[blocks.size()];
            for (int b = 0; b < blocks.size(); b++) {
                orders[b] = new int[blocks.get(b).size()];
                EpochOrder.fill(seed, b, epoch, orders[b]);
                shares[b] = Math.max(1, (blocks.get(b).size() + steps - 1) / steps);
            }
            if (syncInterval == 1) {
                for (int s = 0; s < steps; s++) {
                    List<Row> batchRows = new ArrayList<>();
                    for (int b = 0; b < blocks.size(); b++) {
                        batchRows.addAll(rows(blocks.get(b), orders[b], s * shares[b], shares[b]));
                    }
                    if (!batchRows.isEmpty()) {
                        step(common, batchRows, features, classes, learningRate, lazy);
                    }
                }
                continue;
            }
            for (int first = 0; first < steps; first += syncInterval) {
                int count = Math.min(syncInterval, steps - first);
                double[] parameters = new double[common.parameterCount()];
                double[] state = new double[stateSize];
                long[] covered = new long[blocks.size()];
                Network[] trained = new Network[blocks.size()];
                int mostSteps = 0;
                for (int b = 0; b < blocks.size(); b++) {
                    Network local = copy(common, features, hidden, classes, optimizer, seed);
                    int taken = 0;
                    for (int s = first; s < first + count; s++) {
                        List<Row> share = rows(blocks.get(b), orders[b], s * shares[b], shares[b]);
                        if (!share.isEmpty()) {
                            step(local, share, features, classes, learningRate, lazy);
                            covered[b] += share.size();
                            taken++;
                        }
                    }
                    mostSteps = Math.max(mostSteps, taken);
                    trained[b] = local;
                }
                long roundRows = java.util.Arrays.stream(covered).sum();
                if (roundRows == 0) {
                    break;
                }
                for (int b = 0; b < blocks.size(); b++) {
                    double weight = (double) covered[b] / roundRows;
                    float[] p = trained[b].getParameters();
                    float[] st = new float[stateSize];
                    trained[b].optimizer().exportState(st, 0);
                    for (int i = 0; i < p.length; i++) {
                        parameters[i] += weight * p[i];
                    }
                    for (int i = 0; i < stateSize; i++) {
                        state[i] += weight * st[i];
                    }
                }
                float[] averaged = new float[parameters.length];
                for (int i = 0; i < averaged.length; i++) {
                    averaged[i] = (float) parameters[i];
                }
                float[] averagedState = new float[stateSize];
                for (int i = 0; i < stateSize; i++) {
                    averagedState[i] = (float) state[i];
                }
                long stepsBefore = common.optimizer().steps();
                common.setParameters(averaged);
                common.optimizer().importState(averagedState, 0, stepsBefore + mostSteps);
            }
        }
        return common.getParameters();
    }

    private static Network network(int features, int hidden, int classes, OptimizerKind optimizer, long seed) {
        return Network.builder().layers(features, hidden, classes).hiddenActivation(Activation.RELU)
                .outputActivation(Activation.IDENTITY).optimizer(optimizer).seed(seed).build();
    }

    private static Network copy(Network from, int features, int hidden, int classes, OptimizerKind optimizer,
                                long seed) {
        Network to = network(features, hidden, classes, optimizer, seed);
        to.setParameters(from.getParameters());
        float[] state = new float[from.optimizer().stateSize()];
        from.optimizer().exportState(state, 0);
        to.optimizer().importState(state, 0, from.optimizer().steps());
        return to;
    }

    private static List<Row> rows(List<Row> block, int[] order, int from, int count) {
        List<Row> out = new ArrayList<>();
        for (int i = from; i < Math.min(from + count, block.size()); i++) {
            out.add(block.get(order[i]));
        }
        return out;
    }

    private static void step(Network network, List<Row> batch, int features, int classes, float learningRate,
                             boolean lazy) {
        float[] x = new float[batch.size() * features];
        float[] t = new float[batch.size() * classes];
        for (int r = 0; r < batch.size(); r++) {
            double[] v = ((Vector) batch.get(r).getAs("features")).toArray();
            for (int i = 0; i < features; i++) {
                x[r * features + i] = (float) v[i];
            }
            t[r * classes + (int) batch.get(r).<Double>getAs("label").doubleValue()] = 1f;
        }
        if (lazy) {
            network.trainBatch(io.kortexdl.kernels.SparseBatch.fromDense(x, batch.size(), features), t,
                    LossType.CROSS_ENTROPY, learningRate);
        } else {
            network.trainBatch(x, t, LossType.CROSS_ENTROPY, learningRate, batch.size());
        }
    }
}
