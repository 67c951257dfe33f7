package io.kortexdl.examples;

import io.kortexdl.examples.data.FashionMnist;
import io.kortexdl.examples.data.LabeledData;
import io.kortexdl.kernels.LossType;
import io.kortexdl.kernels.Network;
import io.kortexdl.kernels.OptimizerKind;
import io.kortexdl.kernels.blas.BlasThreads;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The {@link Network} API on its own, without Spark, on Fashion-MNIST: {@code forward}, serial
 * {@code trainBatch}, data-parallel {@code trainParallelNuma} on every core, many threads scoring
 * and training one network at once, and save/load. Prints what each step did; the last line is
 * machine-readable:
 * {@code RESULT example=standalone-network test_accuracy=... concurrent_training_accuracy=...
 * concurrent_forward_equal=... saved_copy_equal=...}.
 *
 * <p>Options: {@code [--data DIR] [--epochs N] [--train-rows N] [--threads N]}.
 */
public final class StandaloneNetworkExample {
    private static final int BATCH = 128;

    private StandaloneNetworkExample() {
    }

    /** Runs the example; exits with status 2 on a bad option. */
    public static void main(String[] argv) throws Exception {
        Args a = new Args(argv);
        Path dir = Path.of(a.value("--data", FashionMnist.defaultDir().toString()));
        int epochs = a.intValue("--epochs", 5);
        int trainRows = a.intValue("--train-rows", Integer.MAX_VALUE);
        int threads = a.intValue("--threads", 4);
        a.finish();
        Outcome outcome = run(dir, epochs, trainRows, threads);
        System.out.printf("RESULT example=standalone-network test_accuracy=%.4f concurrent_training_accuracy=%.4f"
                + " concurrent_forward_equal=%b saved_copy_equal=%b%n", outcome.testAccuracy(),
                outcome.concurrentTrainingAccuracy(), outcome.concurrentForwardEqual(), outcome.savedCopyEqual());
    }

    /**
     * What the example measured.
     *
     * @param testAccuracy test accuracy after the serial and data-parallel epochs
     * @param concurrentTrainingAccuracy test accuracy after the further epoch of asynchronous
     *     training by several threads (not reproducible: it depends on the threads' interleaving)
     * @param concurrentForwardEqual whether {@code threads} threads scoring slices of the test set
     *     at once produced exactly the single-call outputs
     * @param savedCopyEqual whether a saved and reloaded copy predicts exactly the same outputs
     */
    public record Outcome(double testAccuracy, double concurrentTrainingAccuracy, boolean concurrentForwardEqual,
                          boolean savedCopyEqual) {
    }

    /** Runs every step and returns what it measured. */
    public static Outcome run(Path dir, int epochs, int trainRows, int threads) throws Exception {
        LabeledData train = FashionMnist.train(dir).head(trainRows);
        LabeledData test = FashionMnist.test(dir);
        float[] targets = train.oneHot();

        // 1. Build: sizes, activations (ReLU hidden, softmax output for cross-entropy), optimizer, seed.
        Network network = Network.builder().layers(784, 256, 128, 10).optimizer(OptimizerKind.ADAM).seed(7).build();
        System.out.printf("Network 784-256-128-10, %,d parameters, BLAS %s%n", network.parameterCount(),
                network.blas().name());

        // 2. forward: a batch of rows in, a batch of class probabilities out.
        float[] firstImage = Arrays.copyOf(test.features(), 784);
        System.out.printf("Before training, image 0 (class %d) is predicted as class %d%n", test.labels()[0],
                argmax(network.forward(firstImage, 1), 0));

        // 3. trainBatch: one serial epoch of mini-batches, in file order.
        long t0 = System.nanoTime();
        float loss = 0;
        for (int row = 0; row < train.rows(); row += BATCH) {
            int n = Math.min(BATCH, train.rows() - row);
            loss = network.trainBatch(Arrays.copyOfRange(train.features(), row * 784, (row + n) * 784),
                    Arrays.copyOfRange(targets, row * 10, (row + n) * 10), LossType.CROSS_ENTROPY, 1e-3f, n);
        }
        System.out.printf("trainBatch, 1 epoch on 1 thread: last batch loss %.4f, test accuracy %.2f %%, %.1f s%n",
                loss, 100 * accuracy(network, test), (System.nanoTime() - t0) / 1e9);

        // 4. trainParallelNuma: synchronous data-parallel epochs on every core.
        if (epochs > 1) {
            t0 = System.nanoTime();
            loss = network.trainParallelNuma(train.features(), targets, LossType.CROSS_ENTROPY, 1e-3f, BATCH,
                    epochs - 1);
            System.out.printf("trainParallelNuma, %d more epochs on %d cores: loss %.4f, test accuracy %.2f %%, %.1f s%n",
                    epochs - 1, Runtime.getRuntime().availableProcessors(), loss, 100 * accuracy(network, test),
                    (System.nanoTime() - t0) / 1e9);
        }

        double trainedAccuracy = accuracy(network, test);

        // 5. Many threads scoring one frozen network give exactly the single-call outputs. Rows run
        // in chunks of Network.CHUNK_ROWS, so each slice starts on a chunk boundary (on some BLAS
        // kernels a row's last bits depend on the rows computed with it), and every call runs its
        // BLAS on one thread, as callers' own threads should (the split over BLAS threads rounds too).
        float[] together;
        try (BlasThreads.Section oneThread = network.blas().threads().singleThreaded()) {
            together = network.forwardBatch(test.features(), test.rows());
        }
        float[] concurrent = new float[together.length];
        int chunks = (test.rows() + Network.CHUNK_ROWS - 1) / Network.CHUNK_ROWS;
        int slice = (chunks + threads - 1) / threads * Network.CHUNK_ROWS;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> calls = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int from = Math.min(test.rows(), t * slice);
                int to = Math.min(test.rows(), from + slice);
                if (from == to) {
                    continue;
                }
                calls.add(pool.submit(() -> {
                    try (BlasThreads.Section oneThread = network.blas().threads().singleThreaded()) {
                        float[] out = network.forwardBatchThreadSafe(
                                Arrays.copyOfRange(test.features(), from * 784, to * 784), to - from);
                        System.arraycopy(out, 0, concurrent, from * 10, out.length);
                    }
                }));
            }
            for (Future<?> call : calls) {
                call.get();
            }
            boolean equal = Arrays.equals(together, concurrent);
            System.out.printf("%d threads scoring slices of the test set at once: outputs %s the single call%n",
                    threads, equal ? "equal" : "DIFFER FROM");

            // 6. With thread safety on, concurrent trainBatch calls are asynchronous SGD while others score.
            network.enableThreadSafety(true);
            t0 = System.nanoTime();
            List<Future<Float>> work = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int worker = t;
                work.add(pool.submit(() -> {
                    float last = 0;
                    for (int row = worker * BATCH; row + BATCH <= train.rows(); row += threads * BATCH) {
                        last = network.trainBatch(Arrays.copyOfRange(train.features(), row * 784, (row + BATCH) * 784),
                                Arrays.copyOfRange(targets, row * 10, (row + BATCH) * 10), LossType.CROSS_ENTROPY,
                                2e-4f, BATCH);
                        network.forward(Arrays.copyOf(test.features(), 784 * 16), 16);
                    }
                    return last;
                }));
            }
            for (Future<Float> w : work) {
                w.get();
            }
            network.enableThreadSafety(false);
            double finalAccuracy = accuracy(network, test);
            System.out.printf("%d threads training and scoring one network at once, 1 epoch: test accuracy %.2f %%,"
                    + " %.1f s%n", threads, 100 * finalAccuracy, (System.nanoTime() - t0) / 1e9);

            // 7. save/load: the checksummed binary format; the copy predicts the same bits.
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            network.save(bytes);
            Network copy = Network.load(new ByteArrayInputStream(bytes.toByteArray()));
            boolean same = Arrays.equals(network.forwardBatch(test.features(), test.rows()),
                    copy.forwardBatch(test.features(), test.rows()));
            System.out.printf("Saved %,d bytes; the loaded copy predicts %s%n", bytes.size(),
                    same ? "identically" : "DIFFERENTLY");
            return new Outcome(trainedAccuracy, finalAccuracy, equal, same);
        } finally {
            pool.shutdown();
        }
    }

    private static double accuracy(Network network, LabeledData test) {
        return test.accuracy(network.forwardBatch(test.features(), test.rows()));
    }

    private static int argmax(float[] values, int row) {
        int best = 0;
        for (int c = 1; c < 10; c++) {
            best = values[row * 10 + c] > values[row * 10 + best] ? c : best;
        }
        return best;
    }
}
