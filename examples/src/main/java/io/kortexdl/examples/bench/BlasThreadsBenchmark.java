package io.kortexdl.examples.bench;

import io.kortexdl.examples.Args;
import io.kortexdl.examples.data.FashionMnist;
import io.kortexdl.examples.data.LabeledData;
import io.kortexdl.kernels.LossType;
import io.kortexdl.kernels.Network;
import io.kortexdl.kernels.NumaTopology;
import io.kortexdl.kernels.OptimizerKind;
import io.kortexdl.kernels.ParallelTrainer;
import io.kortexdl.kernels.blas.Blas;
import io.kortexdl.spark.KortexClassificationModel;
import io.kortexdl.spark.KortexClassifier;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code ./kortex bench blas-threads}: what the native BLAS's thread variable changes now that the
 * library sets the BLAS's threads itself. For each backend (OpenBLAS, Intel MKL) and each path
 * ({@code trainParallelNuma}'s trainer with 2 workers, a Spark fit in {@code local[2]}, a fit on a
 * standalone cluster of two 1-core executors), it runs a fresh JVM with the variable unset and one
 * with it set to 1 ({@code OPENBLAS_NUM_THREADS} / {@code MKL_NUM_THREADS}, on the executors too),
 * and prints the medians over {@code --repetitions} such pairs (alternating which goes first) of the
 * steady epoch seconds of both, and their ratio, the backends side by side:
 * {@code RESULT bench=blas-threads path=... backend=... epoch_s_unset=... epoch_s_set=... unset_over_set=...}.
 *
 * <p>Arguments: {@code [--data DIR] [--epochs 4] [--master spark://127.0.0.1:7077]
 * [--paths parallel,spark-local,spark-cluster] [--backends openblas,mkl] [--repetitions 3]}. The cluster path needs
 * the master (the launcher starts one) and {@code spark.jars} naming the library's jar.
 */
public final class BlasThreadsBenchmark {
    private static final String NATIVE_LIB = "dev.ludovic.netlib.blas.nativeLib";

    private BlasThreadsBenchmark() {
    }

    /** Runs the benchmark; see the class comment for the arguments. */
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        String child = args.value("--child", null);
        Path dir = Path.of(args.value("--data", FashionMnist.defaultDir().toString()));
        int epochs = args.intValue("--epochs", 4);
        String master = args.value("--master", "spark://127.0.0.1:7077");
        String executorEnv = args.value("--executor-env", "");
        List<String> paths = List.of(args.value("--paths", "parallel,spark-local,spark-cluster").split(","));
        List<String> backends = List.of(args.value("--backends", "openblas,mkl").split(","));
        int repetitions = args.intValue("--repetitions", 3);
        args.finish();
        if (child != null) {
            double seconds = measure(child, dir, epochs, master, executorEnv);
            SparkBench.result("epoch_s=" + SparkBench.f(seconds) + " library=\""
                    + Blas.system().threads().library().replace(' ', '_') + "\"");
            return;
        }
        System.out.println("# blas-threads benchmark: Fashion-MNIST 784-256-128-10, batch 128, " + epochs
                + " epochs (the first not timed), one fresh JVM per measurement");
        for (String path : paths) {
            for (String backend : backends) {
                double[] unset = new double[repetitions];
                double[] set = new double[repetitions];
                for (int r = 0; r < repetitions; r++) {
                    // Which setting goes first alternates, so a slow phase of the machine hits both alike.
                    boolean setFirst = r % 2 == 1;
                    double first = run(path, backend, setFirst, dir, epochs, master);
                    double second = run(path, backend, !setFirst, dir, epochs, master);
                    unset[r] = setFirst ? second : first;
                    set[r] = setFirst ? first : second;
                }
                System.out.println("# " + path + " " + backend + " unset " + Arrays.toString(unset) + " set "
                        + Arrays.toString(set));
                double unsetMedian = Timing.median(unset);
                double setMedian = Timing.median(set);
                SparkBench.result("bench=blas-threads path=" + path + " backend=" + backend + " epoch_s_unset="
                        + SparkBench.f(unsetMedian) + " epoch_s_set=" + SparkBench.f(setMedian) + " unset_over_set="
                        + SparkBench.f(unsetMedian / setMedian) + " repetitions=" + repetitions);
            }
        }
    }

    /** One measurement in a child JVM with the thread variable of {@code backend} unset or set to 1. */
    private static double run(String path, String backend, boolean variableSet, Path dir, int epochs, String master)
            throws Exception {
        boolean mkl = backend.equals("mkl");
        String variable = mkl ? "MKL_NUM_THREADS" : "OPENBLAS_NUM_THREADS";
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!option.startsWith("-D" + NATIVE_LIB + "=")) {
                command.add(option);
            }
        }
        String nativeLibOption = "-D" + NATIVE_LIB + "=" + (mkl ? "libmkl_rt.so" : "libblas.so.3");
        command.addAll(List.of(nativeLibOption, "-cp", System.getProperty("java.class.path"),
                BlasThreadsBenchmark.class.getName(), "--child", path, "--data", dir.toString(),
                "--epochs", Integer.toString(epochs), "--master", master,
                "--executor-env", nativeLibOption + (variableSet ? " " + variable + "=1" : "")));
        Map<String, String> environment = new HashMap<>();
        for (String name : List.of("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")) {
            environment.put(name, null);
        }
        if (variableSet) {
            environment.put(variable, "1");
        }
        System.out.println("# " + path + " on " + backend + " with " + variable + (variableSet ? "=1" : " unset"));
        List<Map<String, String>> results = ExternalProcess.results(command, environment, 20);
        String seconds = ExternalProcess.find(results, "epoch_s");
        if (seconds == null) {
            throw new IllegalStateException("the " + path + " run on " + backend + " printed no epoch_s");
        }
        return Double.parseDouble(seconds);
    }

    /** The steady epoch seconds of one path in this JVM. */
    private static double measure(String path, Path dir, int epochs, String master, String executorEnv)
            throws Exception {
        switch (path) {
            case "parallel":
                return parallelEpoch(dir, epochs);
            case "spark-local":
                return sparkEpoch(SparkBench.session("local[2]"), dir, epochs);
            case "spark-cluster":
                return sparkEpoch(clusterSession(master, executorEnv), dir, epochs);
            default:
                throw new IllegalArgumentException("--paths: expected parallel, spark-local or spark-cluster, got "
                        + path);
        }
    }

    private static double parallelEpoch(Path dir, int epochs) throws Exception {
        LabeledData train = FashionMnist.train(dir);
        float[] targets = train.oneHot();
        Network network = Network.builder().layers(784, 256, 128, 10).optimizer(OptimizerKind.ADAM).seed(7).build();
        double[] seconds = new double[epochs];
        try (ParallelTrainer trainer = new ParallelTrainer(network, 2, NumaTopology.detect())) {
            for (int e = 0; e < epochs; e++) {
                long start = System.nanoTime();
                trainer.trainEpochs(train.features(), targets, LossType.CROSS_ENTROPY, 1e-3f, 128, 1, 11);
                seconds[e] = (System.nanoTime() - start) / 1e9;
            }
        }
        return steady(seconds);
    }

    private static double sparkEpoch(SparkSession spark, Path dir, int epochs) throws Exception {
        try {
            Dataset<Row> train = SparkBench.fashion(spark, dir, true, 4);
            KortexClassificationModel model = new KortexClassifier().setHiddenLayers(256, 128).setMaxIter(epochs)
                    .setSeed(7).fit(train);
            return steady(model.summary().secondsHistory());
        } finally {
            spark.stop();
        }
    }

    /** Two 1-core executors whose environment and JVM options are {@code executorEnv}'s words. */
    private static SparkSession clusterSession(String master, String executorEnv) {
        List<String> config = new ArrayList<>(List.of("spark.cores.max", "2", "spark.executor.cores", "1",
                "spark.executor.memory", "2g"));
        for (String word : executorEnv.trim().split("\\s+")) {
            if (word.startsWith("-D")) {
                config.addAll(List.of("spark.executor.extraJavaOptions", word));
            } else if (word.contains("=")) {
                config.addAll(List.of("spark.executorEnv." + word.substring(0, word.indexOf('=')),
                        word.substring(word.indexOf('=') + 1)));
            }
        }
        return SparkBench.session(master, config.toArray(new String[0]));
    }

    /** The median of all epochs but the first (JIT and cache warm-up). */
    private static double steady(double[] seconds) {
        return Timing.median(Arrays.copyOfRange(seconds, Math.min(1, seconds.length - 1), seconds.length));
    }
}
