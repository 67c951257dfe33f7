package io.kortexdl.kernels;

import io.kortexdl.kernels.blas.BlasThreads;
import java.util.Arrays;

/**
 * Trains a {@link Network} on the rows of one large {@link SparseBatch} (a whole partition in
 * CSR form), taking mini-batches in a given order, the way {@link ParallelTrainer} does for
 * dense rows. Every step is a lazy update (see
 * {@link Network#trainBatch(SparseBatch, float[], LossType, float)}), and the trainer records
 * which first-layer rows have changed since {@link #clearChanged()}, so a caller that averages or
 * sums across machines needs to send only those rows.
 *
 * <p><b>Threads.</b> With {@code threads > 1} the first layer, where a wide sparse network spends
 * its time, is split among the threads: its forward pass by rows, its weight gradient and
 * optimizer step by columns (each row's gradient summed and stepped at once, see
 * {@link SortedColumnStep}). Every value is computed in the same order as on one thread, so the
 * result is the same bits whatever the thread count.
 *
 * <p>The threads own the cores, so the native BLAS runs the dense layers on one thread of its own
 * ({@link BlasThreads#singleThreaded()}), as in {@link ParallelTrainer}. One caller at a time, and
 * nobody else training the network meanwhile. {@link #close()} stops the helper threads.
 */
public final class SparseTrainer implements AutoCloseable {
    /** Steps of fewer rows per thread than this run on the calling thread alone. */
    private static final int MIN_ROWS_PER_THREAD = 8;

    private final Network network;
    private final NetworkEngine engine;
    private final ParameterLayout layout;
    private final Workspace[] workspaces;
    private final PartRunner runner;
    /** The changed rows, each thread adding those it steps (parts of one set; rows may repeat across parts). */
    private final RowSet[] changed;
    private final RowSet union;
    private final float[] warm;
    private final SortedColumnStep[] sorted;
    private int[] batchStarts = new int[1];
    private int[] batchIndices = new int[0];
    private float[] batchValues = new float[0];
    /** The batch row of each of the batch's non-zeros. */
    private int[] batchRowOf = new int[0];
    private float[] batchTargets = new float[0];
    private float[] scaled;

    /** A trainer of {@code network} on the calling thread. */
    public SparseTrainer(Network network) {
        this(network, 1);
    }

    /**
     * A trainer of {@code network} on the calling thread and {@code threads - 1} helper threads.
     *
     * @throws IllegalArgumentException if {@code threads < 1}
     */
    public SparseTrainer(Network network, int threads) {
        Checks.nonNull("network", network);
        if (threads < 1) {
            throw new IllegalArgumentException("threads: expected >= 1, got " + threads);
        }
        this.network = network;
        this.engine = network.engine();
        this.layout = network.layout();
        this.workspaces = new Workspace[threads];
        for (int t = 0; t < threads; t++) {
            workspaces[t] = new Workspace(layout, 1);
        }
        this.runner = new PartRunner(threads, "kortexdl-sparse-trainer");
        this.changed = new RowSet[threads];
        for (int t = 0; t < threads; t++) {
            changed[t] = new RowSet(layout.inputSize());
        }
        this.union = new RowSet(layout.inputSize());
        this.warm = new float[threads];
        this.sorted = new SortedColumnStep[threads];
        for (int t = 0; t < threads; t++) {
            sorted[t] = new SortedColumnStep(layout);
        }
    }

    /** Threads each step uses, the caller's included. */
    public int threads() {
        return workspaces.length;
    }

    /** The network being trained. */
    public Network network() {
        return network;
    }

    /**
     * Runs {@code steps} lazy mini-batch steps over {@code order[from ..]}, {@code batchSize} rows
     * per step (the last step takes what is left before the end of {@code order}).
     *
     * @param data every row the order may name, {@code network().inputSize()} wide
     * @param targets {@code data.rows() x outputSize()} row-major
     * @return the losses and counts of the steps taken
     * @throws IllegalArgumentException on bad shapes, indices or counts
     * @throws NonFiniteLossException naming the 1-based step; that step is not applied
     */
    public TrainingProgress trainSteps(SparseBatch data, float[] targets, int[] order, int from, int steps,
                                       int batchSize, LossType loss, float learningRate) {
        Checks.nonNull("data", data);
        Checks.matrix("targets", targets, data.rows(), layout.outputSize());
        return trainSteps(SparseChunks.of(data), RowChunks.of(targets, layout.outputSize()), order, from, steps,
                batchSize, loss, learningRate);
    }

    /**
     * {@link #trainSteps(SparseBatch, float[], int[], int, int, int, LossType, float)} over rows
     * held in chunks: {@code order} names rows of {@code data}, whose targets are the same rows of
     * {@code targets}.
     *
     * @throws IllegalArgumentException also when {@code targets} does not lay its rows out as {@code data} does
     */
    public TrainingProgress trainSteps(SparseChunks data, RowChunks targets, int[] order, int from, int steps,
                                       int batchSize, LossType loss, float learningRate) {
        check(data, targets, loss, order, from,
                (int) Math.min(order == null ? 0 : order.length, from + (long) Math.max(0, steps) * batchSize));
        Checks.learningRate(learningRate);
        Checks.batchSize(batchSize);
        if (steps < 0 || (long) steps * batchSize > (long) order.length - from + batchSize - 1) {
            throw new IllegalArgumentException("steps: " + steps + " steps of " + batchSize + " rows do not fit the "
                    + (order.length - from) + " rows of order after position " + from);
        }
        double lossSum = 0;
        long rows = 0;
        try (BlasThreads.Section section = network.blas().threads().singleThreaded()) {
            for (int step = 0; step < steps; step++) {
                int start = from + step * batchSize;
                int count = Math.min(batchSize, order.length - start);
                SparseBatch batch = gather(data, targets, order, start, count);
                float value = forwardBackward(batch, count, loss);
                if (!Float.isFinite(value)) {
                    throw new NonFiniteLossException(value, "sparse step " + (step + 1) + " of " + steps + ", " + loss,
                            step + 1);
                }
                fusedStep(batch, count, learningRate);
                lossSum += (double) value * count;
                rows += count;
            }
        }
        return new TrainingProgress(lossSum, rows, steps);
    }

    /**
     * The gradient of the summed per-row loss over {@code order[from .. from + count)}, nothing
     * updated. Written into {@code gradientOut}: every parameter after the first layer's weights,
     * and of the first layer's weights the rows of the columns these rows hold non-zeros in, which
     * are added to {@link #changedRows()}. Other first-layer rows of {@code gradientOut} are left
     * as they were (their gradient is 0).
     *
     * @return the summed loss of the rows
     * @throws IllegalArgumentException on bad shapes, indices or counts
     */
    public double gradientSum(SparseBatch data, float[] targets, int[] order, int from, int count, LossType loss,
                              float[] gradientOut) {
        Checks.nonNull("data", data);
        Checks.matrix("targets", targets, data.rows(), layout.outputSize());
        return gradientSum(SparseChunks.of(data), RowChunks.of(targets, layout.outputSize()), order, from, count, loss,
                gradientOut);
    }

    /**
     * {@link #gradientSum(SparseBatch, float[], int[], int, int, LossType, float[])} over rows held
     * in chunks, as {@link #trainSteps(SparseChunks, RowChunks, int[], int, int, int, LossType, float)}
     * takes them.
     */
    public double gradientSum(SparseChunks data, RowChunks targets, int[] order, int from, int count, LossType loss,
                              float[] gradientOut) {
        check(data, targets, loss, order, from,
                order == null ? 0 : from + Math.max(0, Math.min(count, order.length - from)));
        if (count < 1 || count > order.length - from) {
            throw new IllegalArgumentException("count: expected 1.." + (order.length - from) + ", got " + count);
        }
        Checks.matrix("gradientOut", gradientOut, 1, layout.parameterCount());
        SparseBatch batch = gather(data, targets, order, from, count);
        float mean;
        try (BlasThreads.Section section = network.blas().threads().singleThreaded()) {
            mean = forwardBackward(batch, count, loss);
        }
        int parts = parts(count);
        runner.run(parts, t -> firstLayerGradient(batch, count, t, parts));
        collectUnion(parts);
        float[] gradient = workspaces[0].gradient();
        int width = layout.fanOut(0);
        int base = layout.weightOffset(0);
        for (int i = 0; i < union.size(); i++) {
            int start = base + union.get(i) * width;
            for (int j = start; j < start + width; j++) {
                gradientOut[j] = gradient[j] * count;
            }
        }
        for (int j = layout.biasOffset(0); j < gradient.length; j++) {
            gradientOut[j] = gradient[j] * count;
        }
        changed[0].addAll(union);
        return (double) mean * count;
    }

    /**
     * One lazy optimizer step (with the network's L2) from a gradient of a loss summed over
     * {@code rowCount} rows: the first layer's weight rows {@code rows[0 .. count)} (increasing)
     * and every parameter after the first layer's weights are stepped with the gradient divided by
     * {@code rowCount}; the other first-layer rows and their optimizer state are left alone.
     *
     * @throws IllegalArgumentException on a bad row, {@code rowCount < 1}, a bad rate or a non-finite value
     */
    public void applyGradientSum(float[] gradientSum, int[] rows, int count, long rowCount, float learningRate) {
        Checks.matrix("gradientSum", gradientSum, 1, layout.parameterCount());
        Checks.nonNull("rows", rows);
        Checks.learningRate(learningRate);
        if (rowCount < 1) {
            throw new IllegalArgumentException("rowCount: expected >= 1, got " + rowCount);
        }
        if (count < 0 || count > rows.length) {
            throw new IllegalArgumentException("count: expected 0.." + rows.length + ", got " + count);
        }
        if (scaled == null) {
            scaled = new float[layout.parameterCount()];
        }
        float inverse = (float) (1.0 / rowCount);
        int width = layout.fanOut(0);
        int base = layout.weightOffset(0);
        int previous = -1;
        for (int i = 0; i < count; i++) {
            if (rows[i] <= previous || rows[i] >= layout.inputSize()) {
                throw new IllegalArgumentException("rows[" + i + "]: expected an input row in " + (previous + 1) + ".."
                        + (layout.inputSize() - 1) + " (increasing), got " + rows[i]);
            }
            previous = rows[i];
            scale(gradientSum, base + rows[i] * width, base + rows[i] * width + width, inverse);
        }
        scale(gradientSum, layout.biasOffset(0), gradientSum.length, inverse);
        update(scaled, rows, count, learningRate);
        for (int i = 0; i < count; i++) {
            changed[0].add(rows[i]);
        }
    }

    /** The first-layer rows trained, or given a gradient, since {@link #clearChanged()}, in increasing order. */
    public int[] changedRows() {
        for (int t = 1; t < changed.length; t++) {
            changed[0].addAll(changed[t]);
            changed[t].clear();
        }
        return changed[0].sorted();
    }

    /** Forgets the changed rows (e.g. after a sync made them equal everywhere). */
    public void clearChanged() {
        for (RowSet part : changed) {
            part.clear();
        }
    }

    /** Threads that share the first layer of a step of {@code count} rows. */
    private int parts(int count) {
        return count < MIN_ROWS_PER_THREAD * workspaces.length ? 1 : workspaces.length;
    }

    /**
     * The forward pass of the batch's {@code count} rows and the backward pass down to the first
     * layer: the mean loss, with every gradient after the first layer's weights in workspace 0's
     * gradient and the first layer's delta in its {@code firstDelta}. The threads split the first
     * layer's forward pass by rows, so every value is computed as on one thread.
     */
    private float forwardBackward(SparseBatch batch, int count, LossType loss) {
        Workspace ws = workspaces[0];
        ws.ensureRows(count);
        Propagation propagation = engine.propagation();
        int parts = parts(count);
        boolean safe = network.isThreadSafe();
        ParameterStore.Buffer pinned = engine.store().acquire(safe);
        try {
            float[] params = pinned.values;
            runner.run(parts, t -> warm[t] = propagation.sparseFirstLayer(params, batch, 0, count * t / parts,
                    count * (t + 1) / parts, ws.activations[0]));
            propagation.forwardFrom(params, count, ws);
            return propagation.backwardToFirstLayer(params, batchTargets, 0, count, loss, ws);
        } finally {
            engine.store().release(pinned, safe);
        }
    }

    /**
     * Part {@code t} of {@code parts} of the first layer's weight gradient after
     * {@link #forwardBackward}: the rows of the columns in the part's share of the input width,
     * into workspace 0's gradient, listed (sorted) in workspace {@code t}'s touched rows.
     */
    private void firstLayerGradient(SparseBatch batch, int count, int t, int parts) {
        Workspace ws = workspaces[0];
        long columns = layout.inputSize();
        RowSet touched = workspaces[t].touched();
        touched.clear();
        warm[t] += engine.propagation().sparseFirstLayerGradient(batch, 0, count, ws.firstDelta, ws.gradient(),
                touched, (int) (columns * t / parts), (int) (columns * (t + 1) / parts));
        touched.sort();
    }

    /** Puts the parts' touched rows, in increasing order, into {@link #union}. */
    private void collectUnion(int parts) {
        union.clear();
        for (int t = 0; t < parts; t++) {
            union.addAll(workspaces[t].touched()); // ascending: the parts' columns are
            workspaces[0].sink += warm[t];
        }
    }

    /**
     * One lazy step on the batch after {@link #forwardBackward}: each thread steps the first-layer
     * rows of its share of the columns, forming each row's gradient just before its update
     * ({@link SortedColumnStep}, or through the gradient array for an optimizer that needs it);
     * then the later layers are stepped.
     */
    private void fusedStep(SparseBatch batch, int count, float learningRate) {
        int parts = parts(count);
        PackedRowsOptimizer packed = network.optimizer() instanceof PackedRowsOptimizer p ? p : null;
        ParameterStore.Step step = (from, to, g, rate) -> {
            if (from != to) {
                System.arraycopy(from, 0, to, 0, from.length);
            }
            runner.run(parts, t -> {
                if (packed != null) {
                    long columns = layout.inputSize();
                    warm[t] += sorted[t].step(to, batch, batchRowOf, workspaces[0].firstDelta,
                            (int) (columns * t / parts), (int) (columns * (t + 1) / parts), engine.l2(), packed,
                            rate, changed[t]);
                } else {
                    firstLayerGradient(batch, count, t, parts);
                    RowSet touched = workspaces[t].touched();
                    engine.lazyRowsStep(to, g, touched.members(), 0, touched.size(), rate);
                    changed[t].addAll(touched);
                }
            });
            engine.tailStep(to, g, rate);
            engine.endStep();
        };
        engine.store().update(step, workspaces[0].gradient(), learningRate, network.isThreadSafe());
        for (int t = 0; t < parts; t++) {
            workspaces[0].sink += warm[t];
        }
    }

    /** One lazy step from {@code gradient} over first-layer rows {@code rows[0 .. count)}, the rows split among the threads. */
    private void update(float[] gradient, int[] rows, int count, float learningRate) {
        ParameterStore.Step step = (from, to, g, rate) -> {
            if (from != to) {
                System.arraycopy(from, 0, to, 0, from.length);
            }
            int threads = count < MIN_ROWS_PER_THREAD * workspaces.length ? 1 : workspaces.length;
            runner.run(threads, t -> engine.lazyRowsStep(to, g, rows, count * t / threads, count * (t + 1) / threads,
                    rate));
            engine.tailStep(to, g, rate);
            engine.endStep();
        };
        engine.store().update(step, gradient, learningRate, network.isThreadSafe());
    }

    /** Stops the helper threads; the trainer cannot run several threads afterwards. Idempotent. */
    @Override
    public void close() {
        runner.close();
    }

    private void scale(float[] gradientSum, int start, int end, float inverse) {
        for (int j = start; j < end; j++) {
            float g = gradientSum[j];
            if (!Float.isFinite(g)) {
                throw new IllegalArgumentException("gradientSum[" + j + "]: expected a finite value, got " + g);
            }
            scaled[j] = g * inverse;
        }
    }

    /** Copies rows {@code order[start .. start + count)} of {@code data} and their targets into the batch buffers. */
    private SparseBatch gather(SparseChunks data, RowChunks targets, int[] order, int start, int count) {
        int out = layout.outputSize();
        int nonZeros = 0;
        for (int i = 0; i < count; i++) {
            int r = order[start + i];
            SparseBatch chunk = data.chunkOf(r);
            int local = data.rowInChunk(r);
            nonZeros += chunk.rowStarts[local + 1] - chunk.rowStarts[local];
        }
        if (batchStarts.length < count + 1) {
            batchStarts = new int[count + 1];
        }
        if (batchIndices.length < nonZeros) {
            batchIndices = new int[nonZeros];
            batchValues = new float[nonZeros];
            batchRowOf = new int[nonZeros];
        }
        if (batchTargets.length < count * out) {
            batchTargets = new float[count * out];
        }
        int at = 0;
        for (int i = 0; i < count; i++) {
            int r = order[start + i];
            SparseBatch chunk = data.chunkOf(r);
            int local = data.rowInChunk(r);
            int first = chunk.rowStarts[local];
            int n = chunk.rowStarts[local + 1] - first;
            System.arraycopy(chunk.indices, first, batchIndices, at, n);
            System.arraycopy(chunk.values, first, batchValues, at, n);
            Arrays.fill(batchRowOf, at, at + n, i);
            at += n;
            batchStarts[i + 1] = at;
            targets.copyRow(r, batchTargets, i * out);
        }
        workspaces[0].ensureRows(count);
        return new SparseBatch(count, data.columns(), batchStarts, batchIndices, batchValues, false);
    }

    /** Checks the shapes, and that positions {@code [from, end)} of {@code order} name rows of {@code data}. */
    private void check(SparseChunks data, RowChunks targets, LossType loss, int[] order, int from, int end) {
        Checks.nonNull("data", data);
        Checks.nonNull("targets", targets);
        Checks.nonNull("loss", loss);
        if (data.columns() != layout.inputSize()) {
            throw new IllegalArgumentException("data: expected rows of width inputSize() = " + layout.inputSize()
                    + ", got " + data.columns() + " columns");
        }
        if (targets.width() != layout.outputSize() || !data.sameRowsAs(targets)) {
            throw new IllegalArgumentException("targets: expected one row of " + layout.outputSize()
                    + " values for each row of data, in chunks of the same rows");
        }
        Checks.nonNull("order", order);
        if (from < 0 || from >= order.length) {
            throw new IllegalArgumentException("from: expected 0.." + (order.length - 1) + ", got " + from);
        }
        for (int i = from; i < end; i++) {
            if (!data.holds(order[i])) {
                throw new IllegalArgumentException("order[" + i + "]: expected " + (data.chunkCount() == 1
                        ? "a row index 0.." + (data.chunkRows(0) - 1) : "a row the chunks hold") + ", got " + order[i]);
            }
        }
    }
}
