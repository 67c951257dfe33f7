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

    /**
     * Runs every task {@code warmups} times untimed, then all of them in turn {@code repetitions}
     * times, so that the machine's drift in speed reaches each alike; the seconds of task {@code t}
     * in repetition {@code r} are at {@code [t][r]}.
     */
    static double[][] interleavedSeconds(int warmups, int repetitions, Task... tasks) throws Exception {
        double[][] seconds = new double[tasks.length][repetitions];
        for (int r = -warmups; r < repetitions; r++) {
            for (int t = 0; t < tasks.length; t++) {
                long start = System.nanoTime();
                tasks[t].run();
                if (r >= 0) {
                    seconds[t][r] = (System.nanoTime() - start) / 1e9;
                }
            }
        }
        return seconds;
    }

    /** The median of {@code values} (the mean of the middle two for an even count). */
    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
