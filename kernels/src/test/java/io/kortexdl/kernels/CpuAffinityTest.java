package io.kortexdl.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Pinning really restricts the calling thread, as the kernel reports it in /proc/thread-self. */
class CpuAffinityTest {

    private static String allowedCpus() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/thread-self/status"))) {
            if (line.startsWith("Cpus_allowed_list:")) {
                return line.substring(line.indexOf(':') + 1).trim();
            }
        }
        throw new AssertionError("no Cpus_allowed_list");
    }

    @Test
    void pinsOnlyTheCallingThread() throws Exception {
        int[] cpus = NumaTopology.detect().cpus(0);
        int target = cpus[cpus.length - 1];
        AtomicReference<String> seen = new AtomicReference<>();
        AtomicReference<Boolean> pinned = new AtomicReference<>();
        Thread thread = new Thread(() -> {
            pinned.set(CpuAffinity.pinCurrentThread(target));
            try {
                seen.set(allowedCpus());
            } catch (Exception e) {
                seen.set(e.toString());
            }
        });
        thread.start();
        thread.join();
        assertTrue(pinned.get());
        assertEquals(String.valueOf(target), seen.get());
        assertEquals(CpuList.format(cpus), allowedCpus(), "other threads keep their CPUs");
    }

    @Test
    void refusesImpossibleCpus() {
        assertFalse(CpuAffinity.pinCurrentThread(-1));
        assertFalse(CpuAffinity.pinCurrentThread(5000));
    }

    @Test
    void trainersPinTheirWorkersOnlyWhenAsked() {
        int[] cpus = NumaTopology.detect().cpus(0);
        int[][] perNode = new int[cpus.length][];
        for (int i = 0; i < cpus.length; i++) {
            perNode[i] = new int[] {cpus[i]};
        }
        float[] x = new float[8];
        float[] t = new float[6];
        NumaTopology topology = NumaTopology.of(perNode);
        for (boolean pin : new boolean[] {true, false}) {
            Network net = Network.builder().layers(4, 3).build();
            Set<String> before = TrainerThreads.allowedCpusByTask().keySet();
            try (ParallelTrainer trainer = new ParallelTrainer(net, topology.cpuCount(), topology, pin)) {
                trainer.trainEpochs(x, t, LossType.MSE, 0.1f, 2, 1, 1);
                Map<String, String> workers = new HashMap<>(TrainerThreads.allowedCpusByTask());
                workers.keySet().removeAll(before);
                assertEquals(trainer.workers(), workers.size(), "the trainer's workers: " + workers);
                Set<String> own = new HashSet<>();
                for (String allowed : workers.values()) {
                    own.add(allowed);
                    assertEquals(pin ? 1 : cpus.length, CpuList.parse(allowed).length, "a worker may run on "
                            + allowed + (pin ? "; pinned, it runs on one CPU" : "; not pinned, on every CPU"));
                }
                if (pin) {
                    assertEquals(trainer.workers(), own.size(), "one CPU each: " + workers);
                }
            }
        }
        Network net = Network.builder().layers(4, 3).build();
        Set<String> before = TrainerThreads.allowedCpusByTask().keySet();
        try (ParallelTrainer trainer = new ParallelTrainer(net, 1, topology)) {
            trainer.trainEpochs(x, t, LossType.MSE, 0.1f, 2, 1, 1);
            Map<String, String> workers = new HashMap<>(TrainerThreads.allowedCpusByTask());
            workers.keySet().removeAll(before);
            assertEquals(List.of(CpuList.format(cpus)), List.copyOf(workers.values()),
                    "pinning is off unless -D" + ParallelTrainer.PIN_PROPERTY + "=true");
        }
    }
}
