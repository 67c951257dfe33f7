package io.kortexdl.kernels;

/**
 * One worker thread of a {@link ParallelTrainer}: its replica buffers (its share of the batch,
 * activations, gradient), allocated and first touched by its own thread so that on a NUMA
 * machine they live on the worker's node, and the per-step protocol every worker follows.
 *
 * <p>A training step: each worker gathers its contiguous share of the batch and computes the
 * mean-loss gradient of it; barrier; each node's workers sum their node's gradients, scaled by
 * share/batch, into the node leader's buffer, each worker a slice of the parameters; barrier;
 * with several nodes, all workers sum the node leaders' buffers into the root worker's, again
 * by slices; barrier; worker 0 applies the optimizer step; barrier. Sums always run in worker
 * and node order, so results are bitwise reproducible for a given worker count.
 */
final class TrainerWorker {
    final int index;
    private final TrainerWorker[] all;
    private final WorkerPlacement placement;
    private final SpinBarrier barrier;
    private final NetworkEngine engine;
    private final Propagation propagation;
    private final ParameterLayout layout;
    private final int rootWorker;
    /** The workers of this worker's node, this worker's position among them, and the workers of every node. */
    private final int[] nodeWorkers;
    private final int nodePosition;
    private final int[][] workersOfNode;
    /** Leaders of the nodes that have workers, in node order. */
    private final int[] leaders;

    private final int[] slice = new int[2];
    private Workspace workspace;
    private float[] shareInputs = new float[0];
    private float[] shareTargets = new float[0];
    /** Rows of the current step's share, and their gradient's weight in the reduction. */
    int rows;
    float scale;
    double lossSum;

    TrainerWorker(int index, TrainerWorker[] all, WorkerPlacement placement, SpinBarrier barrier, NetworkEngine engine,
                  Propagation propagation, ParameterLayout layout, int rootWorker) {
        this.index = index;
        this.all = all;
        this.placement = placement;
        this.barrier = barrier;
        this.engine = engine;
        this.propagation = propagation;
        this.layout = layout;
        this.rootWorker = rootWorker;
        int nodes = placement.topology().nodeCount();
        this.workersOfNode = new int[nodes][];
        int[] nodeLeaders = new int[nodes];
        int used = 0;
        for (int n = 0; n < nodes; n++) {
            workersOfNode[n] = placement.workersOn(n);
            if (workersOfNode[n].length > 0) {
                nodeLeaders[used++] = workersOfNode[n][0];
            }
        }
        this.leaders = java.util.Arrays.copyOf(nodeLeaders, used);
        this.nodeWorkers = workersOfNode[placement.node(index)];
        this.nodePosition = java.util.Arrays.binarySearch(nodeWorkers, index);
    }

    float[] gradient() {
        return workspace.gradient();
    }

    /** Runs this worker's part of {@code job}; called on the worker's own thread. */
    void run(TrainingJob job) {
        if (job.mode == TrainingJob.Mode.EVALUATE) {
            evaluate(job);
            return;
        }
        try {
            runSteps(job);
        } finally {
            if (index == 0 && job.target != null) {
                engine.store().endUpdate(job.target, false);
                job.target = null;
            }
        }
    }

    private void runSteps(TrainingJob job) {
        int workers = all.length;
        ensureCapacity((job.batchSize + workers - 1) / workers);
        float[] params = engine.store().unsynchronizedValues();
        boolean train = job.mode == TrainingJob.Mode.TRAIN;
        for (int step = 0; step < job.steps; step++) {
            int start = job.from + step * job.batchSize;
            int batch = Math.min(job.batchSize, job.end - start);
            if (index == 0 && train) {
                job.target = engine.store().beginUpdate();
            }
            computeShare(job, params, start, batch);
            barrier.await();
            double total = 0;
            for (TrainerWorker worker : all) {
                total += worker.lossSum;
            }
            boolean finite = Double.isFinite(total);
            ParameterStore.Buffer target = job.target;
            int[] slice = reduce();
            if (train && finite) {
                engine.applyStepRange(params, target.values, all[rootWorker].gradient(), job.learningRate,
                        slice[0], slice[1]);
            } else if (!train) {
                System.arraycopy(all[rootWorker].gradient(), slice[0], job.gradientOut, slice[0], slice[1] - slice[0]);
            }
            barrier.await();
            if (index == 0) {
                finishStep(job, step, start, batch, total, finite);
            }
            if (train && !finite) {
                return;
            }
            if (train) {
                params = target.values;
            }
        }
    }

    private void computeShare(TrainingJob job, float[] params, int start, int batch) {
        int workers = all.length;
        int lo = start + (int) ((long) batch * index / workers);
        int hi = start + (int) ((long) batch * (index + 1) / workers);
        rows = hi - lo;
        lossSum = 0;
        if (rows == 0) {
            scale = 0f;
            return;
        }
        int in = layout.inputSize();
        int out = layout.outputSize();
        for (int r = 0; r < rows; r++) {
            int row = job.order[lo + r];
            job.inputs.copyRow(row, shareInputs, r * in);
            job.targets.copyRow(row, shareTargets, r * out);
        }
        float mean = propagation.lossAndGradient(params, shareInputs, 0, shareTargets, 0, rows, job.loss, workspace);
        lossSum = (double) mean * rows;
        scale = job.mode == TrainingJob.Mode.GRADIENT ? rows : (float) rows / batch;
    }

    /**
     * Node-local reduction into each node leader, then (several nodes) across leaders into the
     * root; returns the slice {@code [lo, hi)} of the root gradient this worker completed last.
     */
    private int[] reduce() {
        int count = layout.parameterCount();
        slice[0] = (int) ((long) count * nodePosition / nodeWorkers.length);
        slice[1] = (int) ((long) count * (nodePosition + 1) / nodeWorkers.length);
        sumInto(all[nodeWorkers[0]].gradient(), nodeWorkers, slice[0], slice[1], true);
        if (leaders.length > 1) {
            barrier.await();
            slice[0] = (int) ((long) count * index / all.length);
            slice[1] = (int) ((long) count * (index + 1) / all.length);
            sumInto(all[rootWorker].gradient(), leaders, slice[0], slice[1], false);
        }
        return slice;
    }

    /**
     * {@code target[lo, hi) = sum over sources (in order) of weight * source.gradient}, skipping
     * sources that saw no rows; the weight is the worker's scale in the node phase and 1 across nodes.
     */
    private void sumInto(float[] target, int[] sources, int lo, int hi, boolean scaled) {
        boolean first = true;
        for (int source : sources) {
            if (!contributed(source, scaled)) {
                continue;
            }
            float[] g = all[source].gradient();
            float weight = scaled ? all[source].scale : 1f;
            if (first) {
                for (int i = lo; i < hi; i++) {
                    target[i] = weight * g[i];
                }
                first = false;
            } else {
                for (int i = lo; i < hi; i++) {
                    target[i] += weight * g[i];
                }
            }
        }
        if (first) {
            java.util.Arrays.fill(target, lo, hi, 0f);
        }
    }

    /** Whether {@code worker}'s buffer holds a contribution: its own rows, or (as a leader) its node's. */
    private boolean contributed(int worker, boolean ownRows) {
        if (ownRows) {
            return all[worker].rows > 0;
        }
        for (int w : workersOfNode[placement.node(worker)]) {
            if (all[w].rows > 0) {
                return true;
            }
        }
        return false;
    }

    /** Worker 0, after every slice is done: publishes or discards the update and records the step. */
    private void finishStep(TrainingJob job, int step, int start, int batch, double total, boolean finite) {
        if (job.mode == TrainingJob.Mode.TRAIN) {
            engine.store().endUpdate(job.target, finite);
            job.target = null;
            if (!finite) {
                job.error = new NonFiniteLossException((float) (total / batch), job.context + ", step " + (step + 1)
                        + " of " + job.steps + " (order positions " + start + ".." + (start + batch - 1) + ")", step + 1);
                job.stop = true;
                return;
            }
            engine.endStep();
        }
        job.lossSum += total;
        job.rows += batch;
        job.stepsDone++;
    }

    private void evaluate(TrainingJob job) {
        int chunkRows = Network.CHUNK_ROWS;
        ensureCapacity(chunkRows);
        float[] params = engine.store().unsynchronizedValues();
        int rowsTotal = job.end;
        float[] inputs = job.inputs.single();
        float[] targets = job.targets.single();
        for (int c = index; c * chunkRows < rowsTotal; c += all.length) {
            int first = c * chunkRows;
            int n = Math.min(chunkRows, rowsTotal - first);
            job.chunkLoss[c] = (double) n * propagation.loss(params, inputs, first * layout.inputSize(),
                    targets, first * layout.outputSize(), n, job.loss, workspace);
        }
    }

    private void ensureCapacity(int rowsNeeded) {
        if (workspace == null) {
            workspace = new Workspace(layout, Math.max(1, rowsNeeded));
            workspace.gradient(); // allocated now, on this worker's thread: other workers sum into it
        }
        workspace.ensureRows(rowsNeeded);
        if (shareInputs.length < rowsNeeded * layout.inputSize()) {
            shareInputs = new float[rowsNeeded * layout.inputSize()];
            shareTargets = new float[rowsNeeded * layout.outputSize()];
        }
    }
}
