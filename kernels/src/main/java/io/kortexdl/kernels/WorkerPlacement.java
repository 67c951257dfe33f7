package io.kortexdl.kernels;

import java.util.List;

/**
 * Which NUMA node and CPU each worker of a {@link ParallelTrainer} belongs to. Workers are
 * numbered node by node, so the workers of one node are consecutive; the gradient reduction
 * runs within each node first, then across nodes.
 */
public final class WorkerPlacement {
    private final NumaTopology topology;
    private final int[] workerNode;
    private final int[] workerCpu;
    private final List<int[]> nodeWorkers;

    WorkerPlacement(NumaTopology topology, int[] workerNode, int[] workerCpu, List<int[]> nodeWorkers) {
        this.topology = topology;
        this.workerNode = workerNode;
        this.workerCpu = workerCpu;
        this.nodeWorkers = nodeWorkers;
    }

    /** The topology the workers were placed on. */
    public NumaTopology topology() {
        return topology;
    }

    /** Number of workers. */
    public int workers() {
        return workerNode.length;
    }

    /** The node index (into the topology) of worker {@code w}. */
    public int node(int w) {
        return workerNode[w];
    }

    /** The CPU worker {@code w} is meant to run on. */
    public int cpu(int w) {
        return workerCpu[w];
    }

    /** A copy of the workers on node index {@code n}, ascending; empty if the node got none. */
    public int[] workersOn(int n) {
        return nodeWorkers.get(n).clone();
    }

    /** The first worker of node index {@code n}, which holds the node's partial gradient sum, or -1. */
    public int leader(int n) {
        int[] workers = nodeWorkers.get(n);
        return workers.length == 0 ? -1 : workers[0];
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder(workers() + " workers on " + topology.nodeCount() + " node(s): ");
        for (int n = 0; n < topology.nodeCount(); n++) {
            int[] workers = nodeWorkers.get(n);
            out.append(n == 0 ? "" : "; ").append("node").append(topology.nodeId(n)).append(" workers ");
            if (workers.length == 0) {
                out.append("none");
            }
            for (int i = 0; i < workers.length; i++) {
                out.append(i == 0 ? "" : ",").append(workers[i]).append("@cpu").append(workerCpu[workers[i]]);
            }
        }
        return out.toString();
    }
}
