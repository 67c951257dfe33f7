package io.kortexdl.examples.bench;

import io.kortexdl.examples.Args;
import io.kortexdl.kernels.LossType;
import io.kortexdl.kernels.Network;
import io.kortexdl.kernels.OptimizerKind;
import io.kortexdl.kernels.blas.NetlibBlas;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code ./kortex bench concurrency [--threads 1 2 4 8 16] [--config small|medium|large|all]
 * [--repetitions 5] [--batch 128]}: for each operation on one shared {@link Network}, the time of N calls made
 * in sequence by one thread against the same N calls spread over T threads, and the speedup.
 *
 * <p>Prints one line per figure: {@code RESULT bench=concurrency config=medium op=forward
 * threads=2 calls=... sequential_s=... parallel_s=... speedup=...}, each time the median of the
 * repetitions. Sequential and parallel runs alternate within a repetition so machine noise hits
 * both alike; both run on pool threads.
 */
public final class ConcurrencyBenchmark {
    private static final Map<String, int[]> CONFIGS = Map.of(
            "small", new int[] {100, 50, 10},
            "medium", new int[] {784, 256, 128, 10},
            "large", new int[] {1000, 512, 256, 128, 10});
    private static final List<String> CONFIG_ORDER = List.of("small", "medium", "large");
    private static final int BULK_ROWS = 1024;
    /** Target length of one sequential run, so every config gets comparable timing resolution. */
    private static final double TARGET_SECONDS = 0.4;

    private ConcurrencyBenchmark() {
    }

    /** Runs the benchmark; see the class comment for the arguments. */
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        List<String> threadArgs = args.values("--threads");
        String config = args.value("--config", "all");
        int repetitions = args.intValue("--repetitions", 5);
        int batch = args.intValue("--batch", 128);
        args.finish();
        int[] threads = threadArgs == null ? new int[] {1, 2, 4, 8, 16}
                : threadArgs.stream().mapToInt(Integer::parseInt).toArray();
        List<String> configs = config.equals("all") ? CONFIG_ORDER : List.of(config);
        for (String name : configs) {
            if (!CONFIGS.containsKey(name)) {
                System.err.println("error: --config must be small, medium, large or all, got " + name);
                System.exit(2);
            }
        }
        System.out.println("# concurrency benchmark: " + Runtime.getRuntime().availableProcessors() + " cores, BLAS "
                + io.kortexdl.kernels.blas.Blas.system().name() + ", " + NetlibBlas.blasThreadsSetting() + ", batch " + batch
                + " rows per call (forwardBatch: " + BULK_ROWS + ")");
        for (String name : configs) {
            runConfig(name, CONFIGS.get(name), threads, repetitions, batch);
        }
    }

    private static void runConfig(String name, int[] layers, int[] threadCounts, int repetitions, int batch) throws Exception {
        Network net = Network.builder().layers(layers).optimizer(OptimizerKind.SGD).build();
        int in = layers[0];
        int out = layers[layers.length - 1];
        SplittableRandom random = new SplittableRandom(1);
        float[] x = new float[BULK_ROWS * in];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextDouble();
        }
        float[] batchX = java.util.Arrays.copyOf(x, batch * in);
        float[] batchT = new float[batch * out];
        for (int r = 0; r < batch; r++) {
            batchT[r * out + random.nextInt(out)] = 1f;
        }
        Map<String, Runnable> ops = new java.util.LinkedHashMap<>();
        ops.put("forward", () -> net.forward(batchX, batch));
        ops.put("forwardBatch", () -> net.forwardBatch(x, BULK_ROWS));
        ops.put("trainBatchThreadSafe", () -> net.trainBatchThreadSafe(batchX, batchT, LossType.CROSS_ENTROPY, 1e-4f, batch));
        ops.put("evaluate", () -> net.evaluate(batchX, batchT, LossType.CROSS_ENTROPY, batch));
        for (Map.Entry<String, Runnable> op : ops.entrySet()) {
            Runnable call = op.getValue();
            int calls = calibrate(call);
            for (int threads : threadCounts) {
                double[] sequential = new double[repetitions];
                double[] parallel = new double[repetitions];
                timeSequential(call, calls);
                timeParallel(call, calls, threads);
                for (int rep = 0; rep < repetitions; rep++) {
                    sequential[rep] = timeSequential(call, calls);
                    parallel[rep] = timeParallel(call, calls, threads);
                }
                double seq = Timing.median(sequential);
                double par = Timing.median(parallel);
                System.out.printf(Locale.ROOT, "RESULT bench=concurrency config=%s op=%s threads=%d calls=%d "
                                + "sequential_s=%.4f parallel_s=%.4f speedup=%.2f%n",
                        name, op.getKey(), threads, calls, seq, par, seq / par);
            }
        }
    }

    private static int calibrate(Runnable call) {
        for (int i = 0; i < 20; i++) {
            call.run();
        }
        int calls = 10;
        while (true) {
            long start = System.nanoTime();
            for (int i = 0; i < calls; i++) {
                call.run();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            if (seconds > TARGET_SECONDS / 4) {
                int scaled = (int) Math.ceil(calls * TARGET_SECONDS / seconds);
                return Math.max(16, scaled - scaled % 16);
            }
            calls *= 4;
        }
    }

    /** N calls in sequence, on a pool thread like the parallel runs so both get the same kind of thread. */
    private static double timeSequential(Runnable call, int calls) throws Exception {
        return timeParallel(call, calls, 1);
    }

    /**
     * Wall time from the first worker's start to the last worker's end, taken by the workers
     * themselves: the coordinating thread may wait for a core while they run.
     */
    private static double timeParallel(Runnable call, int calls, int threads) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CyclicBarrier barrier = new CyclicBarrier(threads);
            List<Future<long[]>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int share = calls / threads + (t < calls % threads ? 1 : 0);
                futures.add(pool.submit(() -> {
                    barrier.await();
                    long start = System.nanoTime();
                    for (int i = 0; i < share; i++) {
                        call.run();
                    }
                    return new long[] {start, System.nanoTime()};
                }));
            }
            long first = Long.MAX_VALUE;
            long last = Long.MIN_VALUE;
            for (Future<long[]> f : futures) {
                long[] span = f.get();
                first = Math.min(first, span[0]);
                last = Math.max(last, span[1]);
            }
            return (last - first) / 1e9;
        } finally {
            pool.shutdown();
        }
    }
}
