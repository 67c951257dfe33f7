package io.kortexdl.kernels;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A trainer's worker threads seen from outside, as a test sees them: Java threads by their name,
 * and on Linux the kernel's tasks of this process with the CPUs each may run on. A test takes a
 * snapshot before it builds a trainer; what is new afterwards belongs to that trainer.
 */
final class TrainerThreads {
    /** How {@link ParallelTrainer} names its workers; also the whole of a task's 15-character Linux name. */
    static final String PREFIX = "kortex-trainer-";

    private TrainerThreads() {
    }

    /** The live Java threads named as trainer workers. */
    static Set<Thread> alive() {
        Set<Thread> out = new HashSet<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().startsWith(PREFIX) && thread.isAlive()) {
                out.add(thread);
            }
        }
        return out;
    }

    /** The ids of the threads in {@code after} but not in {@code before}. */
    static long[] newIds(Set<Thread> before, Set<Thread> after) {
        return after.stream().filter(t -> !before.contains(t)).mapToLong(Thread::getId).toArray();
    }

    /** This process's Linux tasks named as trainer workers: task id to its {@code Cpus_allowed_list}. */
    static Map<String, String> allowedCpusByTask() {
        Map<String, String> out = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    if (!Files.readString(task.resolve("comm")).trim().startsWith(PREFIX)) {
                        continue;
                    }
                    for (String line : Files.readAllLines(task.resolve("status"))) {
                        if (line.startsWith("Cpus_allowed_list:")) {
                            out.put(task.getFileName().toString(), line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                } catch (IOException e) {
                    // the task ended meanwhile
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
