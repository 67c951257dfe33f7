package io.kortexdl.examples.bench;

import io.kortexdl.examples.Args;
import io.kortexdl.spark.collective.Collective;
import io.kortexdl.spark.collective.CollectiveSettings;
import io.kortexdl.spark.collective.Guard;
import io.kortexdl.spark.collective.Peer;
import io.kortexdl.spark.collective.TcpCollective;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code ./kortex bench collective}: the executors' allreduce between participants on loopback
 * (threads of one JVM, real TCP), the constants of the README's cost model: the time of one
 * allreduce of 4 bytes (two message latencies and the per-message cost), of the Fashion-MNIST
 * gradient (0.94 MB) and of ten times that, from which the effective bandwidth follows, and the
 * rate at which one core adds float arrays; with two participants, then the cost model of
 * {@link CollectiveCostModel} from those constants. Then the gradient's allreduce again with the
 * collective encrypted (AES-GCM, 128-bit keys, as under {@code spark.network.crypto.enabled}),
 * against the plain one measured above.
 *
 * <p>Arguments: {@code [--participants 2] [--repetitions 400]}.
 */
public final class CollectiveBenchmark {
    private CollectiveBenchmark() {
    }

    /** Runs the benchmark; see the class comment. */
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        int n = args.intValue("--participants", 2);
        int repetitions = args.intValue("--repetitions", 400);
        args.finish();

        int fashion = 235_146 + 1;
        double[] perOperation = new double[3];
        int[] sizes = {1, fashion, 10 * fashion};
        for (int s = 0; s < sizes.length; s++) {
            int floats = sizes[s];
            int reps = floats > fashion ? Math.max(10, repetitions / 10) : repetitions;
            double[] seconds = allreduce(n, floats, reps, CollectiveSettings.DEFAULTS, Guard.NONE, reps / 10);
            double median = Timing.median(seconds);
            perOperation[s] = median;
            long bytes = 4L * floats;
            double perParticipantBytes = 2.0 * (n - 1) / n * bytes;
            SparkBench.result("bench=collective participants=" + n + " floats=" + floats + " ms_per_allreduce="
                    + SparkBench.f(median * 1e3) + " bytes_sent_each=" + (long) perParticipantBytes
                    + " effective_gb_per_s=" + SparkBench.f(perParticipantBytes / median / 1e9));
        }
        // Encrypted: the gradient (exact mode's sync) and parameters with Adam's two moments (an averaging sync).
        CollectiveSettings encrypted = CollectiveSettings.DEFAULTS.protectedBy(CollectiveSettings.Protection.ENCRYPTED,
                128);
        for (int floats : new int[] {fashion, 3 * fashion}) {
            double plainMedian = floats == fashion ? perOperation[1]
                    : Timing.median(allreduce(n, floats, repetitions / 4, CollectiveSettings.DEFAULTS, Guard.NONE,
                    repetitions / 10));
            // Warm-up past the JIT's compilation of the JDK's AES-GCM (about a thousand 64 KiB chunks; see Sealer).
            double sealed = Timing.median(allreduce(n, floats, floats == fashion ? repetitions : repetitions / 4,
                    encrypted, Guard.of(encrypted, "benchmark secret"), 1_000 * fashion / floats));
            double bytesEach = 2.0 * (n - 1) / n * 4L * floats;
            SparkBench.result("bench=collective-encrypted participants=" + n + " floats=" + floats
                    + " ms_per_allreduce=" + SparkBench.f(sealed * 1e3) + " plain_ms_per_allreduce="
                    + SparkBench.f(plainMedian * 1e3) + " effective_gb_per_s=" + SparkBench.f(bytesEach / sealed / 1e9)
                    + " plain_effective_gb_per_s=" + SparkBench.f(bytesEach / plainMedian / 1e9)
                    + " encrypted_over_plain=" + SparkBench.f(sealed / plainMedian));
        }
        float[] a = new float[fashion];
        float[] b = new float[fashion];
        Arrays.fill(b, 1e-3f);
        double addSeconds = Timing.medianSeconds(50, 200, () -> {
            for (int i = 0; i < a.length; i++) {
                a[i] += b[i];
            }
        });
        SparkBench.result("bench=collective-reduce floats=" + fashion + " ms=" + SparkBench.f(addSeconds * 1e3)
                + " gfloats_per_s=" + SparkBench.f(fashion / addSeconds / 1e9));
        if (n == 2) {
            // Two participants: an allreduce is two messages each way; a large one moves half the array per message.
            double message = perOperation[0] / 2;
            double copyRate = (4.0 * sizes[2]) / (perOperation[2] - 2 * message);
            CollectiveCostModel.Measured measured = new CollectiveCostModel.Measured(message, copyRate,
                    fashion / addSeconds);
            SparkBench.result("bench=collective-constants message_us=" + SparkBench.f(message * 1e6)
                    + " loopback_copy_gb_per_s=" + SparkBench.f(copyRate / 1e9) + " reduce_gfloats_per_s="
                    + SparkBench.f(measured.reduceFloatsPerSecond() / 1e9));
            CollectiveCostModel.print(measured);
        }
    }

    /**
     * Seconds of each of {@code repetitions} allreduce operations of {@code floats} floats, as rank 0
     * saw them, after at least {@code warmups} (and 5) unmeasured ones.
     */
    private static double[] allreduce(int n, int floats, int repetitions, CollectiveSettings settings, Guard guard,
                                      int warmups) throws Exception {
        List<TcpCollective.Listener> listeners = new ArrayList<>();
        List<Peer> peers = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            TcpCollective.Listener listener = TcpCollective.listen("127.0.0.1", settings, r, n, 1, guard);
            listeners.add(listener);
            peers.add(new Peer(r, Integer.toString(r), "127.0.0.1", listener.port()));
        }
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<double[]>> futures = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                int rank = r;
                futures.add(pool.submit(() -> {
                    try (Collective c = TcpCollective.connect(listeners.get(rank), peers, settings,
                            () -> false)) {
                        float[] data = new float[floats];
                        double[] seconds = new double[repetitions];
                        for (int i = -Math.max(5, warmups); i < repetitions; i++) {
                            Arrays.fill(data, rank + 1);
                            long start = System.nanoTime();
                            c.allreduceSum(data, floats);
                            if (i >= 0) {
                                seconds[i] = (System.nanoTime() - start) / 1e9;
                            }
                        }
                        return seconds;
                    }
                }));
            }
            double[] first = futures.get(0).get();
            for (Future<double[]> f : futures) {
                f.get();
            }
            return first;
        } finally {
            pool.shutdownNow();
        }
    }
}
