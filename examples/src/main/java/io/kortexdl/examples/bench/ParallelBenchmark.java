package io.kortexdl.examples.bench;

import io.kortexdl.examples.Args;
import io.kortexdl.examples.data.FashionMnist;
import io.kortexdl.examples.data.LabeledData;
import io.kortexdl.kernels.LearningRateSchedule;
import io.kortexdl.kernels.LossType;
import io.kortexdl.kernels.Network;
import io.kortexdl.kernels.NumaTopology;
import io.kortexdl.kernels.OptimizerKind;
import io.kortexdl.kernels.ParallelTrainer;
import io.kortexdl.kernels.blas.NetlibBlas;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ./kortex bench parallel}: data-parallel training of 784-256-128-10 on Fashion-MNIST with
 * {@link ParallelTrainer} at W = 1 and 2 workers and batch 128 and 256 (Adam, lr 1e-3): epoch
 * seconds (median of the timed epochs after one warm-up, W=1 and W=2 epochs alternating), samples/s, the W=2 over W=1 speedup,
 * test accuracy after 10 epochs (cosine learning-rate schedule), and PyTorch with 2 threads on the same model, data and batch
 * in the same run.
 *
 * <p>Arguments: {@code [--epochs 5] [--accuracy-epochs 10] [--data DIR] [--torch-script PATH] [--no-torch]}.
 */
public final class ParallelBenchmark {
    private static final int[] LAYERS = {784, 256, 128, 10};
    private static final int[] BATCHES = {128, 256};
    private static final int[] WORKERS = {1, 2};
    private static final float LEARNING_RATE = 1e-3f;
    private static final long SHUFFLE_SEED = 11;

    private ParallelBenchmark() {
    }

    /** Runs the benchmark; see the class comment for the arguments. */
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        int epochs = args.intValue("--epochs", 5);
        int accuracyEpochs = args.intValue("--accuracy-epochs", 10);
        Path dir = Path.of(args.value("--data", FashionMnist.defaultDir().toString()));
        String torchScript = args.value("--torch-script", null);
        boolean noTorch = args.values("--no-torch") != null;
        args.finish();

        LabeledData train = FashionMnist.train(dir);
        LabeledData test = FashionMnist.test(dir);
        float[] targets = train.oneHot();
        NumaTopology topology = NumaTopology.detect();
        System.out.println("# parallel benchmark: Fashion-MNIST " + train.rows() + "/" + test.rows()
                + ", layers 784-256-128-10, Adam lr " + LEARNING_RATE + ", topology [" + topology + "], "
                + NetlibBlas.blasThreadsSetting());

        double[][] epochSeconds = new double[BATCHES.length][WORKERS.length];
        for (int b = 0; b < BATCHES.length; b++) {
            int batch = BATCHES[b];
            ParallelTrainer[] trainers = new ParallelTrainer[WORKERS.length];
            double[][] samples = new double[WORKERS.length][epochs];
            try {
                for (int w = 0; w < WORKERS.length; w++) {
                    Network network = Network.builder().layers(LAYERS).optimizer(OptimizerKind.ADAM).seed(7).build();
                    trainers[w] = new ParallelTrainer(network, WORKERS[w], topology);
                    trainers[w].trainEpochs(train.features(), targets, LossType.CROSS_ENTROPY, LEARNING_RATE, batch, 1,
                            SHUFFLE_SEED);
                }
                // Worker counts alternate epoch by epoch, so a noisy phase of the machine hits both alike.
                for (int e = 0; e < epochs; e++) {
                    for (int w = 0; w < WORKERS.length; w++) {
                        long start = System.nanoTime();
                        trainers[w].trainEpochs(train.features(), targets, LossType.CROSS_ENTROPY, LEARNING_RATE,
                                batch, 1, SHUFFLE_SEED);
                        samples[w][e] = (System.nanoTime() - start) / 1e9;
                    }
                }
            } finally {
                for (ParallelTrainer trainer : trainers) {
                    if (trainer != null) {
                        trainer.close();
                    }
                }
            }
            for (int w = 0; w < WORKERS.length; w++) {
                System.out.println("# workers=" + WORKERS[w] + " batch=" + batch + " epoch seconds: "
                        + java.util.Arrays.toString(samples[w]));
                double seconds = Timing.median(samples[w]);
                epochSeconds[b][w] = seconds;
                System.out.printf(Locale.ROOT, "RESULT bench=parallel impl=kortexdl workers=%d batch=%d epoch_s=%.4f "
                        + "samples_per_s=%.0f backend=%s%n", WORKERS[w], batch, seconds, train.rows() / seconds,
                        trainers[w].network().blas().name());
            }
            System.out.printf(Locale.ROOT, "RESULT bench=parallel batch=%d speedup_w2_over_w1=%.2f%n", batch,
                    epochSeconds[b][0] / epochSeconds[b][1]);
        }

        Network network = Network.builder().layers(LAYERS).optimizer(OptimizerKind.ADAM).seed(7).build();
        try (ParallelTrainer trainer = new ParallelTrainer(network, 2, topology)) {
            long start = System.nanoTime();
            trainer.trainEpochs(train.features(), targets, LossType.CROSS_ENTROPY,
                    LearningRateSchedule.cosine(LEARNING_RATE, accuracyEpochs), 128, accuracyEpochs, SHUFFLE_SEED);
            double seconds = (System.nanoTime() - start) / 1e9;
            double accuracy = test.accuracy(network.forwardBatch(test.features(), test.rows()));
            System.out.printf(Locale.ROOT, "RESULT bench=parallel impl=kortexdl workers=2 batch=128 epochs=%d "
                    + "schedule=cosine test_accuracy=%.4f train_s=%.2f%n", accuracyEpochs, accuracy, seconds);
        }

        if (!noTorch && torchScript != null) {
            for (int b = 0; b < BATCHES.length; b++) {
                double torchEpoch = TorchReference.run(torchScript, dir, 2, BATCHES[b], epochs,
                        Map.of("OMP_WAIT_POLICY", "PASSIVE", "OPENBLAS_NUM_THREADS", "1", "MKL_NUM_THREADS", "1"))
                        .epochSeconds();
                System.out.printf(Locale.ROOT, "RESULT bench=parallel compare=pytorch threads=2 batch=%d "
                        + "kortexdl_w2_epoch_s=%.4f pytorch_epoch_s=%.4f speedup_over_pytorch=%.2f%n",
                        BATCHES[b], epochSeconds[b][1], torchEpoch, torchEpoch / epochSeconds[b][1]);
            }
        }
    }
}
