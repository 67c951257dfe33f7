package io.kortexdl.kernels;

/**
 * The execution core behind {@link Network}: parameters, optimizer, pooled workspaces and the
 * forward, evaluation and training loops over them, on the single-caller or the thread-safe
 * path. Arguments are checked by the caller.
 */
final class NetworkEngine {
    /** Rows per chunk in chunked forward and evaluation: large enough for efficient GEMMs, small enough for cache. */
    static final int CHUNK_ROWS = 256;

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

    /** Forward pass of {@code batchSize} rows into {@code out}, {@code chunkRows} rows per GEMM pass. */
    void forward(float[] inputs, int batchSize, float[] out, int chunkRows, boolean safe) {
        int rowsPerChunk = Math.min(chunkRows, batchSize);
        Workspace ws = workspaces.take(rowsPerChunk);
        ParameterStore.Buffer pinned = safe ? store.pin() : null;
        try {
            float[] params = safe ? pinned.values : store.unsynchronizedValues();
            float[] result = ws.activations[layout.layerCount() - 1];
            for (int row = 0; row < batchSize; row += rowsPerChunk) {
                int rows = Math.min(rowsPerChunk, batchSize - row);
                propagation.forward(params, inputs, row * layout.inputSize(), rows, ws);
                System.arraycopy(result, 0, out, row * layout.outputSize(), rows * layout.outputSize());
            }
        } finally {
            if (safe) {
                store.unpin(pinned);
            }
            workspaces.give(ws);
        }
    }

    /** Mean loss of {@code batchSize} rows, evaluated in chunks of {@link #CHUNK_ROWS}. */
    float evaluate(float[] inputs, float[] targets, LossType loss, int batchSize, boolean safe) {
        int rowsPerChunk = Math.min(CHUNK_ROWS, batchSize);
        Workspace ws = workspaces.take(rowsPerChunk);
        ParameterStore.Buffer pinned = safe ? store.pin() : null;
        try {
            float[] params = safe ? pinned.values : store.unsynchronizedValues();
            double weightedSum = 0;
            for (int row = 0; row < batchSize; row += rowsPerChunk) {
                int rows = Math.min(rowsPerChunk, batchSize - row);
                weightedSum += (double) rows * propagation.loss(params, inputs, row * layout.inputSize(), targets,
                        row * layout.outputSize(), rows, loss, ws);
            }
            return (float) (weightedSum / batchSize);
        } finally {
            if (safe) {
                store.unpin(pinned);
            }
            workspaces.give(ws);
        }
    }

    /** One optimizer step on one batch; returns the batch's mean loss before the update. */
    float train(float[] inputs, float[] targets, LossType loss, float learningRate, int batchSize, boolean safe) {
        Workspace ws = workspaces.take(batchSize);
        try {
            float value;
            if (safe) {
                ParameterStore.Buffer pinned = store.pin();
                try {
                    value = propagation.lossAndGradient(pinned.values, inputs, 0, targets, 0, batchSize, loss, ws);
                } finally {
                    store.unpin(pinned);
                }
            } else {
                value = propagation.lossAndGradient(store.unsynchronizedValues(), inputs, 0, targets, 0, batchSize,
                        loss, ws);
            }
            if (!Float.isFinite(value)) {
                throw new NonFiniteLossException(value, "trainBatch, " + loss + ", batch of " + batchSize);
            }
            if (safe) {
                store.update(step, ws.gradient, learningRate);
            } else {
                store.updateInPlace(step, ws.gradient, learningRate);
            }
            return value;
        } finally {
            workspaces.give(ws);
        }
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
