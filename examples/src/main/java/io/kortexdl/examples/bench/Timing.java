package io.kortexdl.examples.bench;

import java.util.Arrays;

/** Small timing helpers for the benchmarks: medians over repetitions, in seconds. */
final class Timing {
    private Timing() {
    }

    /** Something to time that may throw. */
    @FunctionalInterface
    interface Task {
        void run() throws Exception;
    }

    /** Runs {@code task} {@code warmups} times untimed, then {@code repetitions} times, and returns the median seconds. */
    static double medianSeconds(int warmups, int repetitions, Task task) throws Exception {
        for (int i = 0; i < warmups; i++) {
            task.run();
        }
        double[] seconds = new double[repetitions];
        for (int i = 0; i < repetitions; i++) {
            long start = System.nanoTime();
            task.run();
            seconds[i] = (System.nanoTime() - start) / 1e9;
        }
        return median(seconds);
    }

    /** The median of {@code values} (the mean of the middle two for an even count). */
    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
