package io.kortexdl.examples.bench;

import io.kortexdl.examples.Args;
import io.kortexdl.examples.data.FashionMnist;
import io.kortexdl.examples.data.LabeledData;
import io.kortexdl.kernels.Activation;
import io.kortexdl.kernels.LossType;
import io.kortexdl.kernels.Network;
import io.kortexdl.kernels.NumaTopology;
import io.kortexdl.kernels.OptimizerKind;
import io.kortexdl.kernels.ParallelTrainer;
import io.kortexdl.spark.KortexClassificationModel;
import io.kortexdl.spark.KortexClassifier;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code ./kortex bench spark}: KortexClassifier against the in-process parallel trainer and
 * against MLlib's MultilayerPerceptronClassifier, on Fashion-MNIST 60k/10k, 784-256-128-10,
 * {@code local[2]}, in one Spark session:
 * <ol>
 * <li>Spark {@code fit} epoch seconds vs {@link ParallelTrainer} epoch seconds (2 threads, batch 128, Adam);</li>
 * <li>wall time of {@code fit} to reach 85 % test accuracy: ours (maxIter 1, 2, ... until reached)
 *     vs MLlib's l-bfgs (maxIter doubling from 20, then one bisection), each measured as one whole fit;</li>
 * <li>test accuracy after 10 epochs;</li>
 * <li>{@code transform} rows/s over the 10k test rows, ours vs MLlib's model (median of 5), next to
 *     the rate of materialising the input alone, which bounds both;</li>
 * <li>the JVM's peak RSS after our fits (run with {@code -Xmx2g}).</li>
 * </ol>
 * Arguments: {@code [--data DIR] [--master local[2]] [--no-mllib] [--epochs 10]}.
 */
public final class SparkBenchmark {
    private static final int[] HIDDEN = {256, 128};
    private static final double TARGET = 0.85;

    private SparkBenchmark() {
    }

    /** Runs the benchmark; see the class comment. */
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        Path dir = Path.of(args.value("--data", FashionMnist.defaultDir().toString()));
        String master = args.value("--master", "local[2]");
        boolean mllib = args.values("--no-mllib") == null;
        int epochs = args.intValue("--epochs", 10);
        args.finish();

        SparkSession spark = SparkBench.session(master);
        try {
            Dataset<Row> train = SparkBench.fashion(spark, dir, true, 4);
            Dataset<Row> test = SparkBench.fashion(spark, dir, false, 2);
            System.out.println("# spark benchmark: " + master + ", Fashion-MNIST " + train.count() + "/" + test.count()
                    + ", 784-256-128-10, max heap " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB");

            KortexClassificationModel full = fullRun(train, test, epochs);
            inProcessComparison(dir, full);
            double oursToTarget = kortexTimeToTarget(train, test);
            SparkBench.result("bench=spark-memory impl=kortexdl-spark max_heap_mib="
                    + Runtime.getRuntime().maxMemory() / (1 << 20) + " peak_rss_mib=" + SparkBench.f(SparkBench.peakRssMib()));
            transformRate(test, "input-only");
            double oursTransform = transformRate(full.transform(test), "kortexdl-spark");
            if (mllib) {
                MultilayerPerceptronClassificationModel reference = mllibTimeToTarget(train, test, oursToTarget);
                double theirs = transformRate(reference.transform(test), "mllib-mlp");
                SparkBench.result("bench=spark-transform speedup_over_mllib=" + SparkBench.f(oursTransform / theirs));
            }
        } finally {
            spark.stop();
        }
    }

    private static KortexClassifier classifier(int maxIter) {
        return new KortexClassifier().setHiddenLayers(HIDDEN).setMaxIter(maxIter).setSeed(7);
    }

    private static double accuracy(Dataset<Row> predictions) {
        return new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(predictions);
    }

    /** Figure 3 and the Spark side of figure 1: a full {@code epochs}-epoch fit. */
    private static KortexClassificationModel fullRun(Dataset<Row> train, Dataset<Row> test, int epochs) {
        classifier(1).fit(train); // warm-up: JIT, BLAS loading, executor threads
        long start = System.nanoTime();
        KortexClassificationModel model = classifier(epochs).fit(train);
        double fitSeconds = (System.nanoTime() - start) / 1e9;
        double[] seconds = model.summary().secondsHistory();
        double accuracy = model.evaluate(test).accuracy();
        SparkBench.result("bench=spark-fit impl=kortexdl-spark epochs=" + epochs + " threads="
                + model.summary().threadsPerExecutor() + " batch=128 fit_s=" + SparkBench.f(fitSeconds)
                + " epoch_s=" + SparkBench.f(Timing.median(seconds)) + " test_accuracy=" + SparkBench.f(accuracy));
        return model;
    }

    /** Figure 1: the same training in process, through the kernels' parallel trainer. */
    private static void inProcessComparison(Path dir, KortexClassificationModel sparkModel) throws Exception {
        LabeledData data = FashionMnist.train(dir);
        float[] targets = data.oneHot();
        Network network = Network.builder().layers(784, 256, 128, 10).hiddenActivation(Activation.RELU)
                .outputActivation(Activation.IDENTITY).optimizer(OptimizerKind.ADAM).seed(7).build();
        int threads = sparkModel.summary().threadsPerExecutor();
        double[] seconds = new double[6];
        try (ParallelTrainer trainer = new ParallelTrainer(network, threads, NumaTopology.detect())) {
            for (int e = 0; e < seconds.length; e++) {
                long start = System.nanoTime();
                trainer.trainEpochs(data.features(), targets, LossType.CROSS_ENTROPY, 1e-3f, 128, 1, 7);
                seconds[e] = (System.nanoTime() - start) / 1e9;
            }
        }
        double inProcess = Timing.median(Arrays.copyOfRange(seconds, 1, seconds.length));
        double spark = Timing.median(sparkModel.summary().secondsHistory());
        SparkBench.result("bench=spark-fit impl=kortexdl-inprocess threads=" + threads + " batch=128 epoch_s="
                + SparkBench.f(inProcess));
        SparkBench.result("bench=spark-fit spark_epoch_over_inprocess_epoch=" + SparkBench.f(spark / inProcess));
    }

    /** Figure 2, our side: whole fits with maxIter 1, 2, ... until the test accuracy reaches the target. */
    private static double kortexTimeToTarget(Dataset<Row> train, Dataset<Row> test) {
        for (int epochs = 1; epochs <= 10; epochs++) {
            long start = System.nanoTime();
            KortexClassificationModel model = classifier(epochs).fit(train);
            double seconds = (System.nanoTime() - start) / 1e9;
            double accuracy = model.evaluate(test).accuracy();
            if (accuracy >= TARGET) {
                SparkBench.result("bench=spark-time-to-85 impl=kortexdl-spark epochs=" + epochs + " fit_s="
                        + SparkBench.f(seconds) + " test_accuracy=" + SparkBench.f(accuracy));
                return seconds;
            }
        }
        throw new IllegalStateException("KortexClassifier did not reach " + TARGET + " in 10 epochs");
    }

    /** Figure 2, MLlib's side: l-bfgs with maxIter doubling from 20, then one bisection step. */
    private static MultilayerPerceptronClassificationModel mllibTimeToTarget(Dataset<Row> train, Dataset<Row> test,
                                                                            double oursSeconds) {
        int low = 0;
        int high = 20;
        double[] reached = null;
        MultilayerPerceptronClassificationModel best = null;
        while (reached == null && high <= 640) {
            double[] run = mllibFit(train, test, high);
            if (run[1] >= TARGET) {
                reached = run;
            } else {
                low = high;
                high *= 2;
            }
        }
        if (reached == null) {
            throw new IllegalStateException("MLlib did not reach " + TARGET + " within 640 iterations");
        }
        int middle = (low + high) / 2;
        if (middle > low && middle < high) {
            double[] run = mllibFit(train, test, middle);
            if (run[1] >= TARGET) {
                reached = run;
                high = middle;
            }
        }
        SparkBench.result("bench=spark-time-to-85 impl=mllib-mlp solver=l-bfgs iterations=" + high + " fit_s="
                + SparkBench.f(reached[0]) + " test_accuracy=" + SparkBench.f(reached[1]) + " not_reached_at=" + low);
        SparkBench.result("bench=spark-time-to-85 speedup_over_mllib=" + SparkBench.f(reached[0] / oursSeconds));
        best = lastMllibModel;
        return best;
    }

    private static MultilayerPerceptronClassificationModel lastMllibModel;

    /** One MLlib fit of {@code iterations}: {seconds, test accuracy}. */
    private static double[] mllibFit(Dataset<Row> train, Dataset<Row> test, int iterations) {
        MultilayerPerceptronClassifier mlp = new MultilayerPerceptronClassifier().setLayers(new int[] {784, 256, 128, 10})
                .setSolver("l-bfgs").setBlockSize(128).setMaxIter(iterations).setSeed(7);
        long start = System.nanoTime();
        MultilayerPerceptronClassificationModel model = mlp.fit(train);
        double seconds = (System.nanoTime() - start) / 1e9;
        double accuracy = accuracy(model.transform(test));
        System.out.println("# mllib l-bfgs maxIter " + iterations + ": " + SparkBench.f(seconds) + " s, test accuracy "
                + SparkBench.f(accuracy));
        if (accuracy >= TARGET) {
            lastMllibModel = model;
        }
        return new double[] {seconds, accuracy};
    }

    /** Figure 4: median rows/s of a full materialisation of {@code scored} (the 10k test rows). */
    private static double transformRate(Dataset<Row> scored, String impl) {
        long rows = scored.count();
        SparkBench.materialiseSeconds(scored);
        double[] seconds = new double[5];
        for (int i = 0; i < seconds.length; i++) {
            seconds[i] = SparkBench.materialiseSeconds(scored);
        }
        double rate = rows / Timing.median(seconds);
        SparkBench.result("bench=spark-transform impl=" + impl + " rows=" + rows + " rows_per_s=" + SparkBench.f(rate));
        return rate;
    }
}
