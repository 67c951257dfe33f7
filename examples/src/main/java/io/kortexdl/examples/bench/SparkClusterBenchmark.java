package io.kortexdl.examples.bench;

import io.kortexdl.examples.Args;
import io.kortexdl.examples.data.FashionMnist;
import io.kortexdl.spark.KortexClassificationModel;
import io.kortexdl.spark.KortexClassifier;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code ./kortex bench spark-cluster}: KortexClassifier on a standalone cluster (started by the
 * launcher on loopback, two workers of one core): training samples/s with one executor
 * ({@code spark.cores.max=1}) against two, the bytes each synchronisation round moves, and the
 * syncInterval trade-off (fit seconds and test accuracy after the same epochs for K = 1, 4, 16, 64).
 *
 * <p>Arguments: {@code --master spark://127.0.0.1:7077 [--data DIR] [--epochs 3] [--sweep-epochs 2]
 * [--no-sweep] [--from-executors 1|2]}.
 */
public final class SparkClusterBenchmark {
    /** The default syncInterval, used for the one-versus-two-executor comparison. */
    private static final int SCALING_SYNC_INTERVAL = 64;
    private SparkClusterBenchmark() {
    }

    /** Runs the benchmark; see the class comment. */
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        String master = args.value("--master", "spark://127.0.0.1:7077");
        Path dir = Path.of(args.value("--data", FashionMnist.defaultDir().toString()));
        int epochs = args.intValue("--epochs", 3);
        int sweepEpochs = args.intValue("--sweep-epochs", 2);
        boolean sweep = args.values("--no-sweep") == null;
        int firstExecutors = args.intValue("--from-executors", 1);
        args.finish();

        double[] samplesPerSecond = new double[3];
        for (int executors = firstExecutors; executors <= 2; executors++) {
            SparkSession spark = session(master, executors);
            try {
                Dataset<Row> train = SparkBench.fashion(spark, dir, true, 4);
                Dataset<Row> test = SparkBench.fashion(spark, dir, false, 2);
                KortexClassificationModel model = classifier(epochs, SCALING_SYNC_INTERVAL).fit(train);
                double[] seconds = model.summary().secondsHistory();
                double steady = Timing.median(Arrays.copyOfRange(seconds, Math.min(1, seconds.length - 1),
                        seconds.length));
                samplesPerSecond[executors] = train.count() / steady;
                int parameters = model.weights().parameterCount();
                long stateBytes = 3L * parameters * 4;
                SparkBench.result("bench=spark-cluster executors=" + model.summary().executors() + " cores_each=1"
                        + " sync_interval=" + SCALING_SYNC_INTERVAL + " epoch_s=" + SparkBench.f(steady) + " samples_per_s="
                        + SparkBench.f(samplesPerSecond[executors]) + " test_accuracy="
                        + SparkBench.f(model.evaluate(test).accuracy()) + " broadcast_bytes_per_round=" + stateBytes
                        + " collected_bytes_per_round=" + stateBytes * model.summary().executors()
                        + " rounds_per_epoch=" + (469 + SCALING_SYNC_INTERVAL - 1) / SCALING_SYNC_INTERVAL);
                if (executors == 2 && sweep) {
                    sweep(train, test, sweepEpochs);
                }
            } finally {
                spark.stop();
            }
        }
        if (firstExecutors == 1) {
            SparkBench.result("bench=spark-cluster two_over_one_executor_samples_per_s="
                    + SparkBench.f(samplesPerSecond[2] / samplesPerSecond[1]));
        }
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
