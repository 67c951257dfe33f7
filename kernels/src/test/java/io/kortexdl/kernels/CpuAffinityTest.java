package io.kortexdl.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
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
            try (ParallelTrainer trainer = new ParallelTrainer(net, topology.cpuCount(), topology, pin)) {
                trainer.trainEpochs(x, t, LossType.MSE, 0.1f, 2, 1, 1);
                for (int w = 0; w < trainer.workers(); w++) {
                    assertEquals(pin, trainer.isPinned(w), "worker " + w + " on " + topology);
                }
            }
        }
        Network net = Network.builder().layers(4, 3).build();
        try (ParallelTrainer trainer = new ParallelTrainer(net, 1, topology)) {
            trainer.trainEpochs(x, t, LossType.MSE, 0.1f, 2, 1, 1);
            assertFalse(trainer.isPinned(0), "pinning is off unless -D" + ParallelTrainer.PIN_PROPERTY + "=true");
        }
    }
}
