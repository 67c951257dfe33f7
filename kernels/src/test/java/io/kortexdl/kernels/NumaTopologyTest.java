package io.kortexdl.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sysfs parser on fake node trees, and worker placement on synthetic topologies. */
class NumaTopologyTest {
    @TempDir
    Path sysfs;

    private void node(int id, String cpulist) throws IOException {
        Path dir = Files.createDirectories(sysfs.resolve("node" + id));
        if (cpulist != null) {
            Files.writeString(dir.resolve("cpulist"), cpulist + "\n");
        }
    }

    @Test
    void cpuListsWithRangesAndGaps() {
        assertArrayEquals(new int[] {0, 1, 2, 3, 8, 9, 10, 11}, CpuList.parse("0-3,8-11"));
        assertArrayEquals(new int[] {5}, CpuList.parse(" 5\n"));
        assertArrayEquals(new int[0], CpuList.parse(""));
        assertEquals("0-3,8-11,15", CpuList.format(new int[] {8, 9, 10, 11, 0, 1, 2, 3, 15}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CpuList.parse("0-3,x"));
        assertEquals("CPU list '0-3,x': bad range 'x'", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CpuList.parse("7-2"));
    }

    @Test
    void twoNodes() throws IOException {
        node(0, "0-3");
        node(1, "4-7");
        NumaTopology t = NumaTopology.fromSysfs(sysfs, null, 1);
        assertEquals(2, t.nodeCount());
        assertArrayEquals(new int[] {4, 5, 6, 7}, t.cpus(1));
        assertEquals("node0: cpus 0-3; node1: cpus 4-7", t.toString());
    }

    @Test
    void fourNodesWithGapsOfflineCpusAndAMissingFile() throws IOException {
        node(0, "0-3,8-11");
        node(1, "4-7,12-15");
        node(2, "");          // memory-only node: no CPU
        node(3, null);        // no cpulist file
        node(5, "16-17");     // node ids may skip numbers
        Files.createDirectories(sysfs.resolve("possible"));
        int[] allowed = {0, 1, 2, 3, 8, 9, 16, 17}; // CPUs 4-7 and 10-15 offline or not allowed
        NumaTopology t = NumaTopology.fromSysfs(sysfs, allowed, 1);
        assertEquals(2, t.nodeCount(), t.toString());
        assertEquals(0, t.nodeId(0));
        assertEquals(5, t.nodeId(1));
        assertArrayEquals(new int[] {0, 1, 2, 3, 8, 9}, t.cpus(0));
        assertArrayEquals(new int[] {16, 17}, t.cpus(1));
    }

    @Test
    void absentSysfsFallsBackToOneNode() {
        NumaTopology t = NumaTopology.fromSysfs(sysfs.resolve("missing"), null, 6);
        assertEquals(1, t.nodeCount());
        assertEquals(6, t.cpuCount());
        NumaTopology restricted = NumaTopology.fromSysfs(sysfs.resolve("missing"), new int[] {3, 5}, 6);
        assertEquals(2, restricted.cpuCount());
    }

    @Test
    void unreadableListFallsBackToOneNode() throws IOException {
        node(0, "garbage");
        assertEquals(1, NumaTopology.fromSysfs(sysfs, null, 3).nodeCount());
    }

    @Test
    void detectOnThisMachineCoversTheAvailableProcessors() {
        NumaTopology t = NumaTopology.detect();
        assertEquals(Runtime.getRuntime().availableProcessors(), t.cpuCount(), t.toString());
    }

    @Test
    void placementIsProportionalAndGroupedByNode() {
        NumaTopology t = NumaTopology.of(new int[] {0, 1, 2, 3}, new int[] {4, 5});
        WorkerPlacement three = t.place(3);
        assertArrayEquals(new int[] {0, 1}, three.workersOn(0));
        assertArrayEquals(new int[] {2}, three.workersOn(1));
        assertEquals(4, three.cpu(2));
        assertEquals(0, three.leader(0));
        assertEquals(2, three.leader(1));

        WorkerPlacement one = NumaTopology.of(new int[] {0}, new int[] {1, 2, 3}).place(1);
        assertArrayEquals(new int[0], one.workersOn(0));
        assertEquals(-1, one.leader(0));
        assertEquals(1, one.node(0));

        WorkerPlacement many = NumaTopology.of(new int[] {0}, new int[] {1}).place(5);
        assertArrayEquals(new int[] {0, 1, 2}, many.workersOn(0), "ties go to the lower node");
        assertEquals(0, many.cpu(2), "workers wrap around a node's CPUs");
        assertEquals("5 workers on 2 node(s): node0 workers 0@cpu0,1@cpu0,2@cpu0; node1 workers 3@cpu1,4@cpu1",
                many.toString());
        assertThrows(IllegalArgumentException.class, () -> t.place(0));
        assertThrows(IllegalArgumentException.class, () -> NumaTopology.of(new int[] {0}, new int[] {0}));
    }
}
