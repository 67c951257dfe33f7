package io.kortexdl.examples.bench;

import io.kortexdl.examples.Args;
import io.kortexdl.examples.MiniBatchLoop;
import io.kortexdl.examples.data.FashionMnist;
import io.kortexdl.examples.data.LabeledData;
import io.kortexdl.kernels.Network;
import io.kortexdl.kernels.OptimizerKind;
import io.kortexdl.kernels.blas.Blas;
import io.kortexdl.kernels.blas.NetlibBlas;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ./kortex bench kernel}: one-thread training and inference of 784-256-128-10 on
 * Fashion-MNIST (batch 128, Adam), on native and on pure-Java BLAS, the GEMM throughput of a
 * training step from Java against the same GEMMs in C on OpenBLAS, and PyTorch on the same
 * model, data, batch and optimizer with one thread, all in one run.
 *
 * <p>Arguments: {@code [--epochs 3] [--batch 128] [--data DIR] [--torch-script PATH] [--no-torch]
 * [--gemm-reference PATH]}. Epoch times are medians of the timed epochs after one warm-up epoch.
 */
public final class KernelBenchmark {
    private static final int[] LAYERS = {784, 256, 128, 10};
    private static final float LEARNING_RATE = 1e-3f;
    private static final int FORWARD_BATCH = 1000;
    /** Passes over the test set per timed repetition of the forward benchmark (same in the PyTorch script). */
    private static final int FORWARD_PASSES = 5;
    private static final int FORWARD_REPETITIONS = 7;

    private KernelBenchmark() {
    }

    /** Runs the benchmark; see the class comment for the arguments. */
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        int epochs = args.intValue("--epochs", 3);
        int batch = args.intValue("--batch", 128);
        Path dir = Path.of(args.value("--data", FashionMnist.defaultDir().toString()));
        String torchScript = args.value("--torch-script", null);
        boolean noTorch = args.values("--no-torch") != null;
        String gemmReference = args.value("--gemm-reference", null);
        args.finish();

        LabeledData train = FashionMnist.train(dir);
        LabeledData test = FashionMnist.test(dir);
        System.out.println("# kernel benchmark: Fashion-MNIST " + train.rows() + "/" + test.rows() + ", layers 784-256-128-10,"
                + " batch " + batch + ", Adam lr " + LEARNING_RATE + ", 1 thread, " + NetlibBlas.blasThreadsSetting());

        Blas nativeBlas = Blas.system();
        double nativeEpoch = trainingEpoch(nativeBlas, train, test, batch, epochs);
        if (nativeBlas.isNative()) {
            double javaEpoch = trainingEpoch(Blas.pureJava(), train, test, batch, epochs);
            System.out.printf(Locale.ROOT, "RESULT bench=kernel compare=java_vs_native backend=%s "
                    + "java_speed_over_native=%.2f%n", Blas.pureJava().name(), nativeEpoch / javaEpoch);
            double netlibJavaEpoch = trainingEpoch(NetlibBlas.pureJava(), train, test, batch, 1);
            System.out.printf(Locale.ROOT, "RESULT bench=kernel compare=java_vs_native backend=%s "
                    + "java_speed_over_native=%.2f%n", NetlibBlas.pureJava().name(), nativeEpoch / netlibJavaEpoch);
        } else {
            System.out.println("# no native BLAS loaded: install libopenblas0-pthread for the native figures");
        }
        double forwardRate = forwardThroughput(nativeBlas, test);

        double javaGemm = GemmStep.gflops(nativeBlas, batch, 7);
        System.out.printf(Locale.ROOT, "RESULT bench=gemm impl=kortexdl-java backend=%s batch=%d gflops=%.1f%n",
                nativeBlas.name(), batch, javaGemm);
        if (gemmReference != null && Files.isExecutable(Path.of(gemmReference))) {
            List<Map<String, String>> c = ExternalProcess.results(List.of(gemmReference, String.valueOf(batch)),
                    Map.of("OPENBLAS_NUM_THREADS", "1"), 10);
            String cGflops = ExternalProcess.find(c, "gflops");
            if (cGflops != null) {
                System.out.printf(Locale.ROOT, "RESULT bench=gemm batch=%d java_over_c=%.2f%n", batch,
                        javaGemm / Double.parseDouble(cGflops));
            }
        } else {
            System.out.println("# no native GEMM reference (build examples/src/main/c/sgemm_step.c; ./kortex does)");
        }

        if (!noTorch && torchScript != null) {
            TorchReference.Figures torch = TorchReference.run(torchScript, dir, 1, batch, epochs,
                    Map.of("OMP_NUM_THREADS", "1", "OPENBLAS_NUM_THREADS", "1", "MKL_NUM_THREADS", "1",
                            "OMP_WAIT_POLICY", "PASSIVE"));
            System.out.printf(Locale.ROOT, "RESULT bench=kernel compare=pytorch threads=1 batch=%d "
                            + "epoch_speedup_over_pytorch=%.2f forward_speedup_over_pytorch=%.2f%n",
                    batch, torch.epochSeconds() / nativeEpoch, forwardRate / torch.forwardSamplesPerSecond());
        }
    }

    /** Trains one warm-up epoch and {@code epochs} timed ones; prints and returns the median epoch seconds. */
    private static double trainingEpoch(Blas blas, LabeledData train, LabeledData test, int batch, int epochs)
            throws Exception {
        Network network = Network.builder().layers(LAYERS).optimizer(OptimizerKind.ADAM).seed(7).blas(blas).build();
        MiniBatchLoop loop = new MiniBatchLoop(network, train, batch, LEARNING_RATE, 11);
        double seconds = Timing.medianSeconds(1, epochs, loop::epoch);
        double accuracy = test.accuracy(network.forwardBatch(test.features(), test.rows()));
        int stepsPerEpoch = (train.rows() + batch - 1) / batch;
        double gemmFlops = GemmStep.trainingStepFlops(LAYERS, batch) * stepsPerEpoch;
        System.out.printf(Locale.ROOT, "RESULT bench=kernel impl=kortexdl backend=%s threads=1 batch=%d epoch_s=%.4f "
                        + "samples_per_s=%.0f gemm_gflops=%.1f test_accuracy_after_%d_epochs=%.4f%n",
                blas.name(), batch, seconds, train.rows() / seconds, gemmFlops / seconds / 1e9, epochs + 1, accuracy);
        return seconds;
    }

    /** Forward passes of {@value #FORWARD_BATCH}-row batches over the test set; prints and returns the median samples/s. */
    private static double forwardThroughput(Blas blas, LabeledData test) throws Exception {
        Network network = Network.builder().layers(LAYERS).seed(7).blas(blas).build();
        int batches = test.rows() / FORWARD_BATCH;
        float[][] inputs = new float[batches][];
        for (int b = 0; b < batches; b++) {
            inputs[b] = java.util.Arrays.copyOfRange(test.features(), b * FORWARD_BATCH * LAYERS[0],
                    (b + 1) * FORWARD_BATCH * LAYERS[0]);
        }
        float[] out = new float[FORWARD_BATCH * LAYERS[LAYERS.length - 1]];
        double seconds = Timing.medianSeconds(2, FORWARD_REPETITIONS, () -> {
            for (int pass = 0; pass < FORWARD_PASSES; pass++) {
                for (float[] in : inputs) {
                    network.forward(in, FORWARD_BATCH, out);
                }
            }
        });
        double rate = (double) FORWARD_PASSES * batches * FORWARD_BATCH / seconds;
        System.out.printf(Locale.ROOT, "RESULT bench=kernel impl=kortexdl backend=%s threads=1 forward_batch=%d "
                + "forward_samples_per_s=%.0f%n", blas.name(), FORWARD_BATCH, rate);
        return rate;
    }
}
