package io.kortexdl.examples.bench;

import io.kortexdl.examples.Args;
import io.kortexdl.examples.data.FashionMnist;
import io.kortexdl.spark.KortexClassificationModel;
import io.kortexdl.spark.KortexClassifier;
import io.kortexdl.spark.KortexTrainingSummary;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * {@code ./kortex bench spark-cluster}: KortexClassifier (784-256-128-10, full Fashion-MNIST) on a
 * standalone cluster started by the launcher on loopback, two workers of one core, with one
 * executor ({@code spark.cores.max=1}) and with two, in both sync modes: the default
 * {@code syncInterval} (parameter averaging) and exact synchronous SGD ({@code syncInterval=1}).
 *
 * <p>For each: the steady epoch (median of the later half of the epochs, after the executors' JIT
 * warm-up) and training rows/s, test
 * accuracy, milliseconds and bytes per sync, then {@code two_over_one} per mode, and the training
 * seconds to 88 % test accuracy (a second fit that scores the test rows after every epoch as its
 * validation set; the seconds are its epochs' own, scoring included). With {@code --sweep}, the
 * syncInterval trade-off on two executors.
 *
 * <p>Arguments: {@code --master spark://127.0.0.1:7077 [--data DIR] [--epochs 8] [--target-epochs 10]
 * [--sweep] [--executors 1,2]}.
 */
public final class SparkClusterBenchmark {
    /** The accuracy whose time is measured. */
    private static final double TARGET_ACCURACY = 0.88;

    private SparkClusterBenchmark() {
    }

    /** Runs the benchmark; see the class comment. */
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        String master = args.value("--master", "spark://127.0.0.1:7077");
        Path dir = Path.of(args.value("--data", FashionMnist.defaultDir().toString()));
        int epochs = args.intValue("--epochs", 8);
        int targetEpochs = args.intValue("--target-epochs", 10);
        boolean sweep = args.values("--sweep") != null;
        String executorCounts = args.value("--executors", "1,2");
        args.finish();

        int defaultInterval = new KortexClassifier().getSyncInterval();
        int[] intervals = {defaultInterval, 1};
        String[] modes = {"default", "exact"};
        double[][] rowsPerSecond = new double[2][3];
        for (int executors = 1; executors <= 2; executors++) {
            if (!Arrays.asList(executorCounts.split(",")).contains(Integer.toString(executors))) {
                continue;
            }
            SparkSession spark = session(master, executors);
            try {
                Dataset<Row> train = SparkBench.fashion(spark, dir, true, 4).cache();
                Dataset<Row> test = SparkBench.fashion(spark, dir, false, 2).cache();
                long trainRows = train.count();
                test.count();
                for (int m = 0; m < modes.length; m++) {
                    KortexClassificationModel model = classifier(epochs, intervals[m]).fit(train);
                    KortexTrainingSummary summary = model.summary();
                    double[] seconds = summary.secondsHistory();
                    // Steady state: the later half of the epochs, after the executors' JIT warm-up.
                    double steady = Timing.median(Arrays.copyOfRange(seconds, seconds.length / 2, seconds.length));
                    rowsPerSecond[m][executors] = trainRows / steady;
                    SparkBench.result("bench=spark-cluster mode=" + modes[m] + " sync_interval=" + intervals[m]
                            + " executors=" + summary.executors() + " cores_each=1 epochs=" + epochs + " epoch_s="
                            + SparkBench.f(steady) + " rows_per_s=" + SparkBench.f(rowsPerSecond[m][executors])
                            + " test_accuracy=" + SparkBench.f(model.evaluate(test).accuracy()) + " syncs_per_epoch="
                            + summary.syncs() / seconds.length + " ms_per_sync=" + SparkBench.f(summary.millisPerSync())
                            + " bytes_per_sync=" + SparkBench.f(summary.bytesPerSync()));
                    timeToTarget(train, test, intervals[m], modes[m], targetEpochs, summary.executors());
                }
                if (executors == 2 && sweep) {
                    sweep(train, test, 2);
                }
            } finally {
                spark.stop();
            }
        }
        for (int m = 0; m < modes.length && rowsPerSecond[m][1] > 0 && rowsPerSecond[m][2] > 0; m++) {
            SparkBench.result("bench=spark-cluster mode=" + modes[m] + " sync_interval=" + intervals[m]
                    + " two_over_one=" + SparkBench.f(rowsPerSecond[m][2] / rowsPerSecond[m][1]));
        }
    }

    /** A fit that scores the test rows after every epoch: its training seconds until they reach the target. */
    private static void timeToTarget(Dataset<Row> train, Dataset<Row> test, int interval, String mode, int maxEpochs,
                                     int executors) {
        Dataset<Row> both = train.withColumn("isTest", functions.lit(false))
                .union(test.withColumn("isTest", functions.lit(true)));
        KortexTrainingSummary summary = classifier(maxEpochs, interval).setValidationIndicatorCol("isTest")
                .setEarlyStoppingPatience(maxEpochs).fit(both).summary();
        double[] accuracy = summary.validationMetricHistory();
        double[] seconds = summary.secondsHistory();
        double elapsed = 0;
        int reached = -1;
        for (int e = 0; e < accuracy.length && reached < 0; e++) {
            elapsed += seconds[e];
            if (accuracy[e] >= TARGET_ACCURACY) {
                reached = e + 1;
            }
        }
        SparkBench.result("bench=spark-cluster-time-to-accuracy mode=" + mode + " sync_interval=" + interval
                + " executors=" + executors + " target_accuracy=" + TARGET_ACCURACY + " epochs="
                + (reached < 0 ? "not_reached_in_" + maxEpochs : Integer.toString(reached)) + " seconds="
                + (reached < 0 ? "NaN" : SparkBench.f(elapsed)) + " best_accuracy="
                + SparkBench.f(Arrays.stream(accuracy).max().orElse(Double.NaN)));
    }

    private static SparkSession session(String master, int executors) {
        return SparkBench.session(master, "spark.cores.max", Integer.toString(executors), "spark.executor.cores", "1",
                "spark.executor.memory", "2g");
    }

    private static KortexClassifier classifier(int epochs, int syncInterval) {
        return new KortexClassifier().setHiddenLayers(256, 128).setMaxIter(epochs).setSyncInterval(syncInterval)
                .setSeed(7);
    }

    /** The syncInterval trade-off on two executors: seconds and accuracy after the same number of epochs. */
    private static void sweep(Dataset<Row> train, Dataset<Row> test, int epochs) {
        for (int interval : new int[] {1, 4, 16, 64}) {
            long start = System.nanoTime();
            KortexClassificationModel model = classifier(epochs, interval).fit(train);
            double seconds = (System.nanoTime() - start) / 1e9;
            SparkBench.result("bench=spark-sync-interval executors=2 sync_interval=" + interval + " epochs=" + epochs
                    + " fit_s=" + SparkBench.f(seconds) + " test_accuracy=" + SparkBench.f(model.evaluate(test).accuracy()));
        }
    }
}
