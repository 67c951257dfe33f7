package io.kortexdl.examples.bench;

import io.kortexdl.kernels.Activation;
import io.kortexdl.kernels.LossType;
import io.kortexdl.kernels.Network;
import io.kortexdl.kernels.NumaTopology;
import io.kortexdl.kernels.OptimizerKind;
import io.kortexdl.kernels.ParallelTrainer;
import java.util.SplittableRandom;

/**
 * The cost model of one training step of {@code n} executors that sync with the collective's
 * direct reduce-scatter and all-gather, from constants measured on this machine and link figures
 * stated as assumptions. Each executor takes {@value #ROWS_PER_EXECUTOR} rows per step on one core
 * (weak scaling: the global batch grows with the executors).
 *
 * <pre>
 *   sync(n)  = 2 (L + m) + 2 (n - 2) m + 2 (n-1)/n B (1/wire + 1/copy) + (n-1)/n (B/4) / reduce
 *   step(n)  = compute + update + sync(n) / K
 *   efficiency(n) = (compute + update) / step(n)
 * </pre>
 * with B the bytes of one sync ({@code 4 (P + 1)} summing gradients, {@code 4 (3P + 1)} averaging
 * Adam's parameters and moments every K = 64 steps), L the wire's one-way latency, m the measured
 * software cost of one message, copy the measured loopback rate of the payload's copies, reduce the
 * measured rate of float additions, compute the measured gradient of the executor's rows and update
 * the measured Adam step on all parameters (each executor applies the same step).
 */
final class CollectiveCostModel {
    /** Rows each executor takes per step. */
    static final int ROWS_PER_EXECUTOR = 128;
    /** One-way latency of a 10 or 25 GbE link through the kernel's TCP stack, in seconds (assumed). */
    static final double WIRE_LATENCY_S = 25e-6;
    /** Payload rate of a link as a fraction of its line rate (assumed: TCP and Ethernet framing). */
    static final double WIRE_EFFICIENCY = 0.9;
    /** Training rows per executor for the predicted epoch time. */
    static final long ROWS_PER_EXECUTOR_EPOCH = 60_000;

    /**
     * Constants measured on this machine.
     *
     * @param messageSeconds software cost of one message (half an allreduce of 4 bytes between two)
     * @param copyBytesPerSecond loopback payload rate of a large allreduce, both ends' copies included
     * @param reduceFloatsPerSecond float additions per second on one core
     */
    record Measured(double messageSeconds, double copyBytesPerSecond, double reduceFloatsPerSecond) {
    }

    private CollectiveCostModel() {
    }

    /** Prints one RESULT line per network, mode, link and executor count. */
    static void print(Measured measured) {
        int[][] networks = {{784, 256, 128, 10}, {784, 2560, 1280, 10}};
        String[] names = {"fashion_784-256-128-10", "wide_784-2560-1280-10"};
        for (int k = 0; k < networks.length; k++) {
            Network network = Network.builder().layers(networks[k]).hiddenActivation(Activation.RELU)
                    .outputActivation(Activation.IDENTITY).optimizer(OptimizerKind.ADAM).seed(1).build();
            double[] computeAndUpdate = computeAndUpdate(network);
            long parameters = network.parameterCount();
            SparkBench.result("bench=collective-model network=" + names[k] + " parameters=" + parameters
                    + " rows_per_executor=" + ROWS_PER_EXECUTOR + " compute_ms=" + SparkBench.f(computeAndUpdate[0] * 1e3)
                    + " update_ms=" + SparkBench.f(computeAndUpdate[1] * 1e3));
            for (String mode : new String[] {"exact", "average64"}) {
                boolean exact = mode.equals("exact");
                double bytes = 4.0 * (exact ? parameters + 1 : 3 * parameters + 1);
                int interval = exact ? 1 : 64;
                for (double gbits : new double[] {10, 25}) {
                    double wire = gbits * 1e9 / 8 * WIRE_EFFICIENCY;
                    for (int n : new int[] {2, 8, 32, 128}) {
                        double sync = 2 * (WIRE_LATENCY_S + measured.messageSeconds())
                                + 2.0 * (n - 2) * measured.messageSeconds()
                                + 2.0 * (n - 1) / n * bytes * (1 / wire + 1 / measured.copyBytesPerSecond())
                                + (n - 1.0) / n * (bytes / 4) / measured.reduceFloatsPerSecond();
                        double work = computeAndUpdate[0] + computeAndUpdate[1];
                        double step = work + sync / interval;
                        double epoch = Math.ceil((double) ROWS_PER_EXECUTOR_EPOCH / ROWS_PER_EXECUTOR) * step;
                        SparkBench.result("bench=collective-model network=" + names[k] + " mode=" + mode + " link_gbe="
                                + (int) gbits + " executors=" + n + " sync_ms=" + SparkBench.f(sync * 1e3)
                                + " step_ms=" + SparkBench.f(step * 1e3) + " epoch_s_60k_rows_each=" + SparkBench.f(epoch)
                                + " efficiency=" + SparkBench.f(work / step));
                    }
                }
            }
        }
    }

    /** Seconds of one executor's gradient of {@value #ROWS_PER_EXECUTOR} rows and of one Adam step, on one thread. */
    private static double[] computeAndUpdate(Network network) {
        int in = network.inputSize();
        int out = network.outputSize();
        int rows = 4 * ROWS_PER_EXECUTOR;
        float[] x = new float[rows * in];
        float[] t = new float[rows * out];
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextDouble();
        }
        for (int r = 0; r < rows; r++) {
            t[r * out + random.nextInt(out)] = 1f;
        }
        int[] order = new int[rows];
        for (int i = 0; i < rows; i++) {
            order[i] = i;
        }
        float[] gradient = new float[network.parameterCount()];
        try (ParallelTrainer trainer = new ParallelTrainer(network, 1, NumaTopology.singleNode(1), false)) {
            int repetitions = network.parameterCount() > 1_000_000 ? 10 : 200;
            double compute = Timing.medianSeconds(repetitions / 4, repetitions, () ->
                    trainer.gradientSum(x, t, order, 0, ROWS_PER_EXECUTOR, LossType.CROSS_ENTROPY, gradient));
            java.util.Arrays.fill(gradient, 1e-3f);
            double update = Timing.medianSeconds(repetitions / 4, repetitions, () ->
                    trainer.applyGradientSum(gradient, ROWS_PER_EXECUTOR, 1e-4f));
            return new double[] {compute, update};
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
