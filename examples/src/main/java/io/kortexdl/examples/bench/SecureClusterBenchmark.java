package io.kortexdl.examples.bench;

import io.kortexdl.examples.Args;
import io.kortexdl.examples.data.FashionMnist;
import io.kortexdl.spark.KortexClassificationModel;
import io.kortexdl.spark.KortexClassifier;
import io.kortexdl.spark.KortexTrainingSummary;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code ./kortex bench spark-cluster --secure}: what Spark's authentication and encryption cost
 * the collective. KortexClassifier (784-256-128-10, full Fashion-MNIST) on two executors of the
 * launcher's standalone cluster, in both sync modes, under each of the given protections:
 * {@code none} on a plain cluster; {@code authenticated} ({@code spark.authenticate}) and
 * {@code encrypted} (with {@code spark.network.crypto.enabled}) on a cluster started with the
 * application secret in {@code KORTEX_CLUSTER_SECRET}. Each protection is an application of its
 * own; the applications alternate, {@code --repetitions} times, so that a slow spell of this
 * shared machine does not land on one protection only.
 *
 * <p>Per protection and mode: the median over the repetitions of the steady epoch (median of the
 * later half of the epochs), milliseconds per sync, and a CRC of the fitted parameters (equal
 * CRCs: the same bits). A run of {@code none} writes its figures to the baseline file; the others
 * print their ratios to it, and {@code encrypted} also its ratio to {@code authenticated} of the
 * same run.
 *
 * <p>Arguments: {@code --master spark://127.0.0.1:7077 --protections none|authenticated,encrypted
 * --baseline FILE [--data DIR] [--epochs 8] [--repetitions 3]}.
 */
public final class SecureClusterBenchmark {
    private static final String[] MODES = {"default", "exact"};

    private SecureClusterBenchmark() {
    }

    /** One fit's figures. */
    private record Fit(double epochSeconds, double millisPerSync, long syncsPerEpoch, String crc) {
    }

    /** Runs the benchmark; see the class comment. */
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        String master = args.value("--master", "spark://127.0.0.1:7077");
        List<String> protections = List.of(args.value("--protections", "none").split(","));
        Path baseline = Path.of(args.value("--baseline", "secure-cluster-baseline.txt"));
        Path dir = Path.of(args.value("--data", FashionMnist.defaultDir().toString()));
        int epochs = args.intValue("--epochs", 8);
        int repetitions = args.intValue("--repetitions", 3);
        args.finish();

        Map<String, List<Fit>> fits = new LinkedHashMap<>();
        for (int r = 0; r < repetitions; r++) {
            for (String protection : protections) {
                SparkSession spark = SparkBench.session(master, config(protection));
                try {
                    Dataset<Row> train = SparkBench.fashion(spark, dir, true, 4).cache();
                    train.count();
                    for (String mode : MODES) {
                        fits.computeIfAbsent(protection + " " + mode, k -> new ArrayList<>()).add(fit(train, mode,
                                epochs));
                    }
                } finally {
                    spark.stop();
                }
            }
        }
        Map<String, double[]> plain = readBaseline(baseline);
        StringBuilder written = new StringBuilder();
        for (String protection : protections) {
            for (String mode : MODES) {
                List<Fit> runs = fits.get(protection + " " + mode);
                double epoch = Timing.median(runs.stream().mapToDouble(Fit::epochSeconds).toArray());
                double sync = Timing.median(runs.stream().mapToDouble(Fit::millisPerSync).toArray());
                String crc = runs.get(0).crc();
                boolean sameBits = runs.stream().allMatch(f -> f.crc().equals(crc));
                String line = "bench=spark-cluster-secure protection=" + protection + " mode=" + mode + " executors=2"
                        + " repetitions=" + repetitions + " epoch_s=" + SparkBench.f(epoch) + " ms_per_sync="
                        + SparkBench.f(sync) + " syncs_per_epoch=" + runs.get(0).syncsPerEpoch() + " parameters_crc="
                        + crc + " same_bits_every_repetition=" + sameBits;
                if (protection.equals("none")) {
                    written.append(mode).append(' ').append(epoch).append(' ').append(sync).append(' ')
                            .append(crc).append('\n');
                } else if (plain.containsKey(mode)) {
                    double[] p = plain.get(mode);
                    line += " plain_epoch_s=" + SparkBench.f(p[0]) + " over_plain=" + SparkBench.f(epoch / p[0])
                            + " plain_ms_per_sync=" + SparkBench.f(p[1]) + " same_bits_as_plain="
                            + Long.toHexString((long) p[2]).equals(crc);
                }
                if (protection.equals("encrypted") && fits.containsKey("authenticated " + mode)) {
                    double authenticated = Timing.median(fits.get("authenticated " + mode).stream()
                            .mapToDouble(Fit::epochSeconds).toArray());
                    line += " encrypted_over_authenticated=" + SparkBench.f(epoch / authenticated);
                }
                SparkBench.result(line);
            }
        }
        if (protections.contains("none")) {
            Files.writeString(baseline, written.toString(), StandardCharsets.UTF_8);
        }
    }

    /** The session settings of {@code protection}. */
    private static String[] config(String protection) {
        List<String> config = new ArrayList<>(List.of("spark.cores.max", "2", "spark.executor.cores", "1",
                "spark.executor.memory", "2g"));
        if (protection.equals("none")) {
            return config.toArray(new String[0]);
        }
        String secret = System.getenv("KORTEX_CLUSTER_SECRET");
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("protection " + protection + " needs the cluster's secret in"
                    + " KORTEX_CLUSTER_SECRET");
        }
        config.addAll(List.of("spark.authenticate", "true", "spark.authenticate.secret", secret));
        if (protection.equals("encrypted")) {
            config.addAll(List.of("spark.network.crypto.enabled", "true"));
        } else if (!protection.equals("authenticated")) {
            throw new IllegalArgumentException("--protections holds '" + protection + "'; expected none,"
                    + " authenticated or encrypted");
        }
        return config.toArray(new String[0]);
    }

    private static Fit fit(Dataset<Row> train, String mode, int epochs) {
        int interval = mode.equals("exact") ? 1 : new KortexClassifier().getSyncInterval();
        KortexClassificationModel model = new KortexClassifier().setHiddenLayers(256, 128).setMaxIter(epochs)
                .setSyncInterval(interval).setSeed(7).fit(train);
        KortexTrainingSummary summary = model.summary();
        double[] seconds = summary.secondsHistory();
        double steady = Timing.median(Arrays.copyOfRange(seconds, seconds.length / 2, seconds.length));
        return new Fit(steady, summary.millisPerSync(), summary.syncs() / seconds.length,
                crc(model.weights().parameters()));
    }

    /** The plain run's figures by mode: epoch seconds, milliseconds per sync, parameters' CRC as a number. */
    private static Map<String, double[]> readBaseline(Path baseline) throws IOException {
        Map<String, double[]> figures = new HashMap<>();
        if (!Files.exists(baseline)) {
            return figures;
        }
        for (String line : Files.readAllLines(baseline, StandardCharsets.UTF_8)) {
            String[] parts = line.trim().split(" ");
            if (parts.length == 4) {
                figures.put(parts[0], new double[] {Double.parseDouble(parts[1]), Double.parseDouble(parts[2]),
                        Long.parseLong(parts[3], 16)});
            }
        }
        return figures;
    }

    private static String crc(float[] parameters) {
        ByteBuffer bytes = ByteBuffer.allocate(4 * parameters.length);
        bytes.asFloatBuffer().put(parameters);
        CRC32 crc = new CRC32();
        crc.update(bytes.array());
        return Long.toHexString(crc.getValue());
    }
}
