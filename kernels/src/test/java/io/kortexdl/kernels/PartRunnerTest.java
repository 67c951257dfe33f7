package io.kortexdl.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The spinning part runner under real contention: every part of every run exactly once, its plain
 * writes visible to the caller, runs after the helpers have parked, failures, closing, and two
 * runners sharing the machine's cores with their callers.
 */
class PartRunnerTest {

    /** Runs {@code runs} runs of 1..threads parts; each part adds its index + 1 to its own plain counter. */
    private static void runAndCount(PartRunner runner, int runs, boolean pauses) throws InterruptedException {
        int threads = runner.threads();
        long[] counts = new long[threads];
        long[] expected = new long[threads];
        for (int run = 0; run < runs; run++) {
            int parts = 1 + run % threads;
            runner.run(parts, t -> counts[t] += t + 1);
            for (int t = 0; t < parts; t++) {
                expected[t] += t + 1;
            }
            assertArrayEquals(expected, counts, "after run " + run + " of " + parts + " parts");
            if (pauses && run % 100 == 99) {
                Thread.sleep(30); // long enough for the helpers to stop spinning and park
            }
        }
    }

    @Test
    void everyPartRunsOnceAndItsWritesAreSeenIncludingAfterHelpersPark() throws Exception {
        try (PartRunner runner = new PartRunner(3, "part-runner-test")) {
            runAndCount(runner, 5_000, false);
            runAndCount(runner, 600, true);
        }
    }

    @Test
    void twoRunnersAndTheirCallersShareTheCores() throws Exception {
        try (PartRunner a = new PartRunner(2, "part-runner-a"); PartRunner b = new PartRunner(3, "part-runner-b")) {
            CompletableFuture<Void> first = CompletableFuture.runAsync(() -> {
                try {
                    runAndCount(a, 5_000, false);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            runAndCount(b, 5_000, false);
            first.get(120, TimeUnit.SECONDS);
        }
    }

    @Test
    void aFailingPartIsRethrownOnceEveryPartHasEndedAndTheRunnerStaysUsable() throws Exception {
        try (PartRunner runner = new PartRunner(3, "part-runner-failing")) {
            boolean[] slowPartEnded = new boolean[1];
            IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> runner.run(3, t -> {
                if (t == 1) {
                    throw new IllegalStateException("part 1 failed");
                }
                if (t == 2) {
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    slowPartEnded[0] = true;
                }
            }));
            assertEquals("part 1 failed", thrown.getMessage());
            assertTrue(slowPartEnded[0], "run returned before part 2 ended");
            assertThrows(IllegalArgumentException.class, () -> runner.run(2, t -> {
                throw new IllegalArgumentException("part " + t);
            }), "part 0's failure comes first");
            runAndCount(runner, 300, false);
        }
    }

    @Test
    void closeEndsTheHelperThreadsAndRefusesFurtherRuns() throws Exception {
        PartRunner runner = new PartRunner(3, "part-runner-closing");
        runner.run(3, t -> { });
        runner.close();
        runner.close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (helpersAlive("part-runner-closing") && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(false, helpersAlive("part-runner-closing"), "helper threads still running after close()");
        assertThrows(IllegalStateException.class, () -> runner.run(2, t -> { }));
        int[] ran = new int[1];
        runner.run(1, t -> ran[0]++);
        assertEquals(1, ran[0], "one part still runs on the caller");
    }

    private static boolean helpersAlive(String name) {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(thread -> thread.getName().startsWith(name + "-") && thread.isAlive());
    }
}
