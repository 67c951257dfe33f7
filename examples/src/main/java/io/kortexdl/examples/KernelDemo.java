package io.kortexdl.examples;

import io.kortexdl.examples.data.FashionMnist;
import io.kortexdl.examples.data.LabeledData;
import io.kortexdl.kernels.LearningRateSchedule;
import io.kortexdl.kernels.LossType;
import io.kortexdl.kernels.Network;
import io.kortexdl.kernels.NumaTopology;
import io.kortexdl.kernels.OptimizerKind;
import io.kortexdl.kernels.ParallelTrainer;
import java.nio.file.Path;

/**
 * {@code ./kortex demo}: trains a 784-256-128-10 ReLU network on Fashion-MNIST in process with
 * the data-parallel {@link ParallelTrainer} (one worker per core), Adam and a cosine learning-rate
 * schedule, printing one progress line per epoch and the final test accuracy.
 *
 * <p>Arguments: {@code [--epochs N] [--data DIR] [--batch N] [--lr X] [--train-rows N] [--workers N]}.
 */
public final class KernelDemo {
    private KernelDemo() {
    }

    /** Runs the demo; exits with status 2 on a bad argument. */
    public static void main(String[] args) throws Exception {
        Args a = new Args(args);
        int epochs = a.intValue("--epochs", 10);
        int batch = a.intValue("--batch", 128);
        float lr = (float) a.doubleValue("--lr", 1e-3);
        int trainRows = a.intValue("--train-rows", Integer.MAX_VALUE);
        int workers = a.intValue("--workers", Runtime.getRuntime().availableProcessors());
        Path dir = Path.of(a.value("--data", FashionMnist.defaultDir().toString()));
        a.finish();
        double accuracy = run(dir, epochs, batch, lr, trainRows, workers);
        System.out.printf("RESULT demo=kernel test_accuracy=%.4f epochs=%d%n", accuracy, epochs);
    }

    /** Trains and returns the test accuracy after the last epoch. */
    public static double run(Path dir, int epochs, int batch, float lr, int trainRows, int workers) throws Exception {
        LabeledData train = FashionMnist.train(dir).head(trainRows);
        LabeledData test = FashionMnist.test(dir);
        float[] targets = train.oneHot();
        Network network = Network.builder().layers(train.featureCount(), 256, 128, FashionMnist.CLASSES)
                .optimizer(OptimizerKind.ADAM).seed(7).build();
        LearningRateSchedule schedule = LearningRateSchedule.cosine(lr, epochs);
        System.out.printf("KortexDL demo: Fashion-MNIST %d train / %d test rows, layers 784-256-128-10, batch %d,"
                + " Adam lr %.4g cosine, %d workers, BLAS %s%n", train.rows(), test.rows(), batch, lr, workers,
                network.blas().name());
        double accuracy = 0;
        long start = System.nanoTime();
        double trainingSeconds = 0;
        try (ParallelTrainer trainer = new ParallelTrainer(network, workers, NumaTopology.detect())) {
            for (int epoch = 1; epoch <= epochs; epoch++) {
                long t0 = System.nanoTime();
                double loss = trainer.trainEpochs(train.features(), targets, LossType.CROSS_ENTROPY, schedule, batch, 1,
                        11);
                double seconds = (System.nanoTime() - t0) / 1e9;
                trainingSeconds += seconds;
                accuracy = test.accuracy(network.forwardBatch(test.features(), test.rows()));
                double eta = trainingSeconds / epoch * (epochs - epoch);
                System.out.printf("epoch %2d/%d  loss %.4f  test accuracy %.2f%%  %,.0f samples/s  elapsed %.1fs"
                        + "  ETA %.1fs%n", epoch, epochs, loss, 100 * accuracy, train.rows() / seconds,
                        (System.nanoTime() - start) / 1e9, eta);
            }
        }
        System.out.printf("Test accuracy after %d epochs: %.2f%%%n", epochs, 100 * accuracy);
        return accuracy;
    }
}
