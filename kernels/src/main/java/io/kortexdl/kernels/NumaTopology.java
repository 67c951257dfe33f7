package io.kortexdl.kernels;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * The NUMA nodes this process may run on and the CPUs of each, as Linux reports them under
 * {@code /sys/devices/system/node/node<N>/cpulist}, restricted to the CPUs the process is
 * allowed to use ({@code Cpus_allowed_list} in {@code /proc/self/status}). Nodes left without an
 * allowed CPU are dropped. Where sysfs is absent or unreadable, the topology is one node holding
 * the JVM's available processors.
 */
public final class NumaTopology {
    private static final Path SYSFS_NODES = Path.of("/sys/devices/system/node");
    private static final Path PROC_STATUS = Path.of("/proc/self/status");

    private final int[] nodeIds;
    private final int[][] cpus;

    private NumaTopology(int[] nodeIds, int[][] cpus) {
        this.nodeIds = nodeIds;
        this.cpus = cpus;
    }

    /** The topology of this machine and process, falling back to {@link #singleNode(int)}. */
    public static NumaTopology detect() {
        int[] allowed = null;
        try {
            for (String line : Files.readAllLines(PROC_STATUS)) {
                if (line.startsWith("Cpus_allowed_list:")) {
                    allowed = CpuList.parse(line.substring(line.indexOf(':') + 1));
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            allowed = null;
        }
        return fromSysfs(SYSFS_NODES, allowed, Runtime.getRuntime().availableProcessors());
    }

    /**
     * Reads a sysfs-style node directory ({@code node0/cpulist}, {@code node1/cpulist}, ...).
     *
     * @param nodeDirectory the directory holding the {@code node<N>} folders
     * @param allowedCpus the CPUs the process may use, or null for all
     * @param fallbackCpus CPUs of the single node used when nothing usable is found
     */
    public static NumaTopology fromSysfs(Path nodeDirectory, int[] allowedCpus, int fallbackCpus) {
        TreeMap<Integer, int[]> nodes = new TreeMap<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(nodeDirectory, "node[0-9]*")) {
            for (Path dir : dirs) {
                int id;
                try {
                    id = Integer.parseInt(dir.getFileName().toString().substring(4));
                } catch (NumberFormatException e) {
                    continue;
                }
                Path list = dir.resolve("cpulist");
                if (!Files.isReadable(list)) {
                    continue;
                }
                int[] nodeCpus = restrict(CpuList.parse(Files.readString(list)), allowedCpus);
                if (nodeCpus.length > 0) {
                    nodes.put(id, nodeCpus);
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            nodes.clear();
        }
        if (nodes.isEmpty()) {
            return singleNode(allowedCpus != null && allowedCpus.length > 0 ? allowedCpus.length : fallbackCpus);
        }
        return new NumaTopology(nodes.keySet().stream().mapToInt(Integer::intValue).toArray(),
                nodes.values().toArray(new int[0][]));
    }

    /**
     * One node with CPUs {@code 0 .. cpus-1}.
     *
     * @throws IllegalArgumentException if {@code cpus < 1}
     */
    public static NumaTopology singleNode(int cpus) {
        return of(range(0, cpus));
    }

    /**
     * A synthetic topology, node {@code i} holding {@code cpusPerNode[i]}; for tests and for
     * describing a machine by hand.
     *
     * @throws IllegalArgumentException if there is no node, a node has no CPU, or a CPU repeats
     */
    public static NumaTopology of(int[]... cpusPerNode) {
        if (cpusPerNode == null || cpusPerNode.length == 0) {
            throw new IllegalArgumentException("cpusPerNode: expected at least one node");
        }
        int[][] copy = new int[cpusPerNode.length][];
        java.util.BitSet seen = new java.util.BitSet();
        for (int n = 0; n < copy.length; n++) {
            if (cpusPerNode[n] == null || cpusPerNode[n].length == 0) {
                throw new IllegalArgumentException("cpusPerNode[" + n + "]: expected at least one CPU");
            }
            copy[n] = cpusPerNode[n].clone();
            for (int cpu : copy[n]) {
                if (cpu < 0 || seen.get(cpu)) {
                    throw new IllegalArgumentException("cpusPerNode[" + n + "]: CPU " + cpu + " is negative or repeated");
                }
                seen.set(cpu);
            }
        }
        return new NumaTopology(range(0, copy.length), copy);
    }

    /** Number of nodes. */
    public int nodeCount() {
        return cpus.length;
    }

    /** The operating system's id of node {@code index} (ids may have gaps). */
    public int nodeId(int index) {
        return nodeIds[index];
    }

    /** A copy of the CPU ids of node {@code index}. */
    public int[] cpus(int index) {
        return cpus[index].clone();
    }

    /** Total CPUs over all nodes. */
    public int cpuCount() {
        int total = 0;
        for (int[] node : cpus) {
            total += node.length;
        }
        return total;
    }

    /**
     * Places {@code workers} workers: nodes get workers in proportion to their CPUs (largest
     * remainders first, ties to the lower node), and within a node workers take its CPUs in order,
     * wrapping when there are more workers than CPUs.
     *
     * @throws IllegalArgumentException if {@code workers < 1}
     */
    public WorkerPlacement place(int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers: expected >= 1, got " + workers);
        }
        int total = cpuCount();
        int[] perNode = new int[cpus.length];
        double[] remainder = new double[cpus.length];
        int assigned = 0;
        for (int n = 0; n < cpus.length; n++) {
            double exact = (double) workers * cpus[n].length / total;
            perNode[n] = (int) Math.floor(exact);
            remainder[n] = exact - perNode[n];
            assigned += perNode[n];
        }
        while (assigned < workers) {
            int best = 0;
            for (int n = 1; n < cpus.length; n++) {
                if (remainder[n] > remainder[best] + 1e-12) {
                    best = n;
                }
            }
            perNode[best]++;
            remainder[best] = -1;
            assigned++;
        }
        List<int[]> nodeWorkers = new ArrayList<>();
        int[] workerCpu = new int[workers];
        int[] workerNode = new int[workers];
        int next = 0;
        for (int n = 0; n < cpus.length; n++) {
            int[] ids = new int[perNode[n]];
            for (int i = 0; i < perNode[n]; i++) {
                ids[i] = next;
                workerNode[next] = n;
                workerCpu[next] = cpus[n][i % cpus[n].length];
                next++;
            }
            nodeWorkers.add(ids);
        }
        return new WorkerPlacement(this, workerNode, workerCpu, nodeWorkers);
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        for (int n = 0; n < cpus.length; n++) {
            out.append(n == 0 ? "" : "; ").append("node").append(nodeIds[n]).append(": cpus ")
                    .append(CpuList.format(cpus[n]));
        }
        return out.toString();
    }

    private static int[] restrict(int[] cpus, int[] allowed) {
        if (allowed == null) {
            return cpus;
        }
        return Arrays.stream(cpus).filter(c -> Arrays.binarySearch(allowed, c) >= 0).toArray();
    }

    private static int[] range(int from, int to) {
        if (to <= from) {
            throw new IllegalArgumentException("cpus: expected >= 1, got " + (to - from));
        }
        int[] values = new int[to - from];
        for (int i = 0; i < values.length; i++) {
            values[i] = from + i;
        }
        return values;
    }
}
