package io.kortexdl.kernels;

/**
 * The execution core behind {@link Network}: parameters, optimizer, pooled workspaces and the
 * forward, evaluation and training loops over them, on the single-caller or the thread-safe
 * path. Arguments are checked by the caller.
 */
final class NetworkEngine {
    private final ParameterLayout layout;
    private final Propagation propagation;
    private final ParameterStore store;
    private final WorkspacePool workspaces;
    private final Optimizer optimizer;
    private final float l2;
    private final ParameterStore.Step step = this::applyStep;

    NetworkEngine(ParameterLayout layout, Propagation propagation, float[] initial, Optimizer optimizer, float l2) {
        this.layout = layout;
        this.propagation = propagation;
        this.store = new ParameterStore(initial);
        this.workspaces = new WorkspacePool(layout);
        this.optimizer = optimizer;
        this.l2 = l2;
    }

    ParameterStore store() {
        return store;
    }

    Propagation propagation() {
        return propagation;
    }

    /** Applies L2 decay and one optimizer step from {@code gradient}, whole and atomically for readers. */
    void applyUpdate(float[] gradient, float learningRate) {
        store.update(step, gradient, learningRate);
    }

    /**
     * Forward pass of {@code batchSize} rows into {@code out}, {@link Network#CHUNK_ROWS} rows per GEMM pass:
     * every forward entry point runs the same chunks, so they agree bit for bit.
     */
    void forward(float[] inputs, int batchSize, float[] out, boolean safe) {
        int rowsPerChunk = Math.min(Network.CHUNK_ROWS, batchSize);
        Workspace ws = workspaces.take(rowsPerChunk);
        ParameterStore.Buffer pinned = store.acquire(safe);
        try {
            float[] params = pinned.values;
            float[] result = ws.activations[layout.layerCount() - 1];
            for (int row = 0; row < batchSize; row += rowsPerChunk) {
                int rows = Math.min(rowsPerChunk, batchSize - row);
                propagation.forward(params, inputs, row * layout.inputSize(), rows, ws);
                System.arraycopy(result, 0, out, row * layout.outputSize(), rows * layout.outputSize());
            }
        } finally {
            store.release(pinned, safe);
            workspaces.give(ws);
        }
    }

    /** Mean loss of {@code batchSize} rows, evaluated in chunks of {@link Network#CHUNK_ROWS}. */
    float evaluate(float[] inputs, float[] targets, LossType loss, int batchSize, boolean safe) {
        int rowsPerChunk = Math.min(Network.CHUNK_ROWS, batchSize);
        Workspace ws = workspaces.take(rowsPerChunk);
        ParameterStore.Buffer pinned = store.acquire(safe);
        try {
            float[] params = pinned.values;
            double weightedSum = 0;
            for (int row = 0; row < batchSize; row += rowsPerChunk) {
                int rows = Math.min(rowsPerChunk, batchSize - row);
                weightedSum += (double) rows * propagation.loss(params, inputs, row * layout.inputSize(), targets,
                        row * layout.outputSize(), rows, loss, ws);
            }
            return (float) (weightedSum / batchSize);
        } finally {
            store.release(pinned, safe);
            workspaces.give(ws);
        }
    }

    /** One optimizer step on one batch; returns the batch's mean loss before the update. */
    float train(float[] inputs, float[] targets, LossType loss, float learningRate, int batchSize, boolean safe) {
        Workspace ws = workspaces.take(batchSize);
        try {
            float value;
            ParameterStore.Buffer pinned = store.acquire(safe);
            try {
                value = propagation.lossAndGradient(pinned.values, inputs, 0, targets, 0, batchSize, loss, ws);
            } finally {
                store.release(pinned, safe);
            }
            if (!Float.isFinite(value)) {
                throw new NonFiniteLossException(value, "trainBatch, " + loss + ", batch of " + batchSize);
            }
            store.update(step, ws.gradient(), learningRate, safe);
            return value;
        } finally {
            workspaces.give(ws);
        }
    }

    /** Forward pass of every row of {@code batch} into {@code out}, {@link Network#CHUNK_ROWS} rows per pass. */
    void forward(SparseBatch batch, float[] out, boolean safe) {
        int rowsPerChunk = Math.min(Network.CHUNK_ROWS, batch.rows());
        Workspace ws = workspaces.take(rowsPerChunk);
        ParameterStore.Buffer pinned = store.acquire(safe);
        try {
            float[] params = pinned.values;
            float[] result = ws.activations[layout.layerCount() - 1];
            for (int row = 0; row < batch.rows(); row += rowsPerChunk) {
                int rows = Math.min(rowsPerChunk, batch.rows() - row);
                propagation.forward(params, batch, row, rows, ws);
                System.arraycopy(result, 0, out, row * layout.outputSize(), rows * layout.outputSize());
            }
        } finally {
            store.release(pinned, safe);
            workspaces.give(ws);
        }
    }

    /** Mean loss of every row of {@code batch}, evaluated in chunks of {@link Network#CHUNK_ROWS}. */
    float evaluate(SparseBatch batch, float[] targets, LossType loss, boolean safe) {
        int rowsPerChunk = Math.min(Network.CHUNK_ROWS, batch.rows());
        Workspace ws = workspaces.take(rowsPerChunk);
        ParameterStore.Buffer pinned = store.acquire(safe);
        try {
            float[] params = pinned.values;
            double weightedSum = 0;
            for (int row = 0; row < batch.rows(); row += rowsPerChunk) {
                int rows = Math.min(rowsPerChunk, batch.rows() - row);
                weightedSum += (double) rows * propagation.loss(params, batch, row, rows, targets,
                        row * layout.outputSize(), loss, ws);
            }
            return (float) (weightedSum / batch.rows());
        } finally {
            store.release(pinned, safe);
            workspaces.give(ws);
        }
    }

    /**
     * The mean loss of rows {@code [firstRow, firstRow + rows)} of {@code batch} and its gradient
     * in {@code ws.gradient()} (of the first layer's weights, only the rows in {@code ws.touched()}).
     */
    float lossAndGradient(SparseBatch batch, int firstRow, int rows, float[] targets, int targetOffset, LossType loss,
                          Workspace ws, boolean safe) {
        ParameterStore.Buffer pinned = store.acquire(safe);
        try {
            return propagation.lossAndGradient(pinned.values, batch, firstRow, rows, targets, targetOffset, loss, ws);
        } finally {
            store.release(pinned, safe);
        }
    }

    /** One lazy optimizer step on one sparse batch; returns the batch's mean loss before the update. */
    float train(SparseBatch batch, float[] targets, LossType loss, float learningRate, boolean safe) {
        Workspace ws = workspaces.take(batch.rows());
        try {
            float value = lossAndGradient(batch, 0, batch.rows(), targets, 0, loss, ws, safe);
            if (!Float.isFinite(value)) {
                throw new NonFiniteLossException(value, "trainBatch, " + loss + ", sparse batch of " + batch.rows());
            }
            RowSet touched = ws.touched();
            touched.sort();
            applyLazyUpdate(ws.gradient(), touched.members(), touched.size(), learningRate, safe);
            return value;
        } finally {
            workspaces.give(ws);
        }
    }

    /**
     * Applies L2 decay and one optimizer step to the first layer's weight rows {@code rows[0 .. count)} and
     * to every parameter after the first layer's weights (biases and the later layers), leaving
     * the other first-layer weights and their optimizer state as they are. Atomic for readers when
     * {@code safe}, at the cost of copying the whole vector; in place otherwise.
     */
    void applyLazyUpdate(float[] gradient, int[] rows, int count, float learningRate, boolean safe) {
        ParameterStore.Step lazy = (from, to, g, rate) -> {
            if (from != to) {
                System.arraycopy(from, 0, to, 0, from.length);
            }
            lazyStep(to, g, rows, count, rate);
        };
        store.update(lazy, gradient, learningRate, safe);
    }

    private void lazyStep(float[] values, float[] gradient, int[] rows, int count, float learningRate) {
        lazyRowsStep(values, gradient, rows, 0, count, learningRate);
        tailStep(values, gradient, learningRate);
        optimizer.endStep();
    }

    /**
     * Part of a lazy step, in place: L2 decay and the optimizer step of the first layer's weight
     * rows {@code rows[first .. last)}. Disjoint parts may run concurrently; {@link #tailStep} and
     * {@link #endStep()} complete the step.
     */
    void lazyRowsStep(float[] values, float[] gradient, int[] rows, int first, int last, float learningRate) {
        int width = layout.fanOut(0);
        int base = layout.weightOffset(0);
        if (l2 != 0f) {
            for (int i = first; i < last; i++) {
                int start = base + rows[i] * width;
                for (int j = start; j < start + width; j++) {
                    gradient[j] += l2 * values[j];
                }
            }
        }
        optimizer.stepRows(values, values, gradient, learningRate, base, width, rows, first, last);
    }

    /** The L2 coefficient added to weight gradients as {@code l2 * w}. */
    float l2() {
        return l2;
    }

    /** Part of a lazy step, in place: every parameter after the first layer's weights. */
    void tailStep(float[] values, float[] gradient, float learningRate) {
        applyStepRange(values, values, gradient, learningRate, layout.biasOffset(0), values.length);
    }

    private void applyStep(float[] from, float[] to, float[] gradient, float learningRate) {
        applyStepRange(from, to, gradient, learningRate, 0, from.length);
        optimizer.endStep();
    }

    /**
     * The part of one update for parameters {@code [start, end)}: decays the weights (not the
     * biases) into the gradient, then lets the optimizer write the new values. Disjoint ranges
     * may run concurrently; {@link #endStep()} follows once all are done.
     */
    void applyStepRange(float[] from, float[] to, float[] gradient, float learningRate, int start, int end) {
        if (l2 != 0f) {
            for (int l = 0; l < layout.layerCount(); l++) {
                int lo = Math.max(start, layout.weightOffset(l));
                int hi = Math.min(end, layout.weightOffset(l) + layout.fanIn(l) * layout.fanOut(l));
                for (int i = lo; i < hi; i++) {
                    gradient[i] += l2 * from[i];
                }
            }
        }
        optimizer.stepRange(from, to, gradient, learningRate, start, end);
    }

    /** Ends an update made of {@link #applyStepRange} calls. */
    void endStep() {
        optimizer.endStep();
    }
}
