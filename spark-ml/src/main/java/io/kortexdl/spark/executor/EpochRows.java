package io.kortexdl.spark.executor;

import io.kortexdl.kernels.NonFiniteLossException;
import io.kortexdl.kernels.RowChunks;
import io.kortexdl.kernels.SparseBatch;
import io.kortexdl.kernels.SparseChunks;
import io.kortexdl.kernels.TrainingProgress;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The rows of one block in the order an epoch visits them ({@link EpochOrder}), resident where
 * the steps need them, and the steps run over them.
 *
 * <p>A block on the heap is one window: its chunks are loaded once (their arrays handed over)
 * and every epoch shuffles all its rows. A block on local disk streams: the epoch deals its chunks
 * to windows of about {@code windowChunks} chunks, and two windows are resident at a time in
 * two halves of a ring of slots, the one being trained and the next, which a reader thread of
 * this block loads meanwhile; once the steps have left a window its half takes the window after
 * the next (after the last window of an epoch, the next epoch's first). A step whose rows run from
 * one window into the next trains over both. Rows are numbered by slot ({@code slot *
 * rowsPerChunk + row}), which for a block held whole is the block's own row number.
 *
 * <p>Calls come from one thread at a time (the block's trainer), each epoch's positions in
 * increasing order; {@link #startEpoch} begins an epoch, also one that is run again.
 */
final class EpochRows implements AutoCloseable {
    private final ChunkSource source;
    private final long seed;
    private final int block;
    private final int rows;
    private final int perChunk;
    private final int chunks;
    private final int windowChunks;
    private final int inputs;
    private final int outputs;
    private final ChunkSlot[] slots;
    /** One window holding the whole block, or the ring's two halves. */
    private final Window[] halves;
    /** Loads the windows ahead of the steps; null when the block is one window. */
    private final ExecutorService reader;
    private int epoch = -1;
    /** Epoch positions where each window of this epoch starts, and the end. */
    private int[] windowStarts = new int[1];
    private Window current;
    private Window ahead;
    private long waitNanos;

    /**
     * @param windowChunks chunks per window when {@code source} is streamed; a window holds at
     *     least one global batch of rows, so that a step never spans more than two windows
     * @param inputs features per row
     * @param outputs targets per row
     */
    EpochRows(ChunkSource source, long seed, int block, int windowChunks, int inputs, int outputs) {
        this.source = source;
        this.seed = seed;
        this.block = block;
        this.rows = source.rows();
        this.perChunk = source.rowsPerChunk();
        this.chunks = source.chunkCount();
        this.windowChunks = source.streamed() ? Math.max(1, Math.min(windowChunks, chunks)) : chunks;
        this.inputs = inputs;
        this.outputs = outputs;
        boolean whole = this.windowChunks >= chunks;
        this.slots = new ChunkSlot[whole ? chunks : 2 * this.windowChunks];
        for (int s = 0; s < slots.length; s++) {
            slots[s] = new ChunkSlot();
        }
        this.halves = whole ? new Window[] {new Window(0)}
                : new Window[] {new Window(0), new Window(this.windowChunks)};
        this.reader = whole ? null : Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "kortexdl-block-" + block + "-reader");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Training rows of the block. */
    int rows() {
        return rows;
    }

    /** Seconds the steps have waited for rows to load, since the last call (and the reset). */
    double takeWaitSeconds() {
        double seconds = waitNanos / 1e9;
        waitNanos = 0;
        return seconds;
    }

    /** Begins epoch {@code e} (0-based) at its first position; the first window is loaded if it is not yet. */
    void startEpoch(int e) {
        if (rows == 0) {
            return;
        }
        if (reader == null) {
            startWhole(e);
            return;
        }
        epoch = e;
        int[][] windows = EpochOrder.windows(seed, block, e, chunks, windowChunks);
        windowStarts = new int[windows.length + 1];
        for (int w = 0; w < windows.length; w++) {
            int end = windowStarts[w];
            for (int chunk : windows[w]) {
                end += source.chunkRows(chunk);
            }
            windowStarts[w + 1] = end;
        }
        if (ahead != null && ahead.holds(e, 0)) {
            advance();
            return;
        }
        for (Window half : halves) {
            settle(half);
            half.forget();
        }
        current = halves[0];
        ahead = halves[1];
        request(current, e, 0);
        await(current);
        current.start = 0;
        requestNext();
    }

    private void startWhole(int e) {
        Window whole = halves[0];
        if (whole.view == null) {
            long started = System.nanoTime();
            for (int c = 0; c < chunks; c++) {
                source.load(c, slots[c]);
            }
            whole.order = new int[rows];
            whole.rows = rows;
            whole.view = view(0, chunks, whole.order);
            waitNanos += System.nanoTime() - started;
        }
        EpochOrder.fill(seed, block, e, whole.order);
        whole.epoch = e;
        whole.index = 0;
        epoch = e;
        windowStarts = new int[] {0, rows};
        current = whole;
    }

    /**
     * Runs {@code steps} steps of {@code batchSize} rows from position {@code from} of this epoch
     * (the last one ends with the epoch's rows), loading windows as the steps reach them.
     *
     * @throws NonFiniteLossException naming the 1-based step of this call that diverged
     * @throws ChunkUnavailableException when a chunk the steps need is lost or corrupt
     */
    TrainingProgress trainSteps(BlockSteps kind, int from, int steps, int batchSize, float learningRate) {
        double lossSum = 0;
        long trained = 0;
        int done = 0;
        int position = from;
        while (done < steps) {
            Window window = windowAt(position);
            boolean last = window.index == windowStarts.length - 2;
            int inside = last ? steps - done : Math.min(steps - done, (window.end() - position) / batchSize);
            TrainingProgress progress;
            int taken;
            try {
                if (inside > 0) {
                    progress = kind.trainSteps(window.view, position - window.start, inside, batchSize, learningRate);
                    taken = inside;
                } else {
                    int count = Math.min(batchSize, rows - position);
                    progress = kind.trainSteps(across(position, count), 0, 1, batchSize, learningRate);
                    taken = 1;
                }
            } catch (NonFiniteLossException e) {
                throw new NonFiniteLossException(e.loss(), "block " + block + ", step " + (done + e.step())
                        + " from position " + from, done + e.step());
            }
            lossSum += progress.lossSum();
            trained += progress.rows();
            done += taken;
            position += taken * batchSize;
        }
        return new TrainingProgress(lossSum, trained, done);
    }

    /**
     * The gradient of the summed loss of positions {@code [from, from + count)} of this epoch into
     * {@code gradient} ({@link BlockSteps#gradientSum}); returns the summed loss.
     */
    double gradientSum(BlockSteps kind, int from, int count, float[] gradient) {
        Window window = windowAt(from);
        boolean last = window.index == windowStarts.length - 2;
        if (last || from + count <= window.end()) {
            return kind.gradientSum(window.view, from - window.start, count, gradient);
        }
        return kind.gradientSum(across(from, count), 0, count, gradient);
    }

    /** The window holding position {@code position}, moving on to the next one when the steps have left this one. */
    private Window windowAt(int position) {
        if (current == null || current.epoch != epoch || position < current.start) {
            throw new IllegalStateException("block " + block + ": position " + position + " of epoch " + (epoch + 1)
                    + " was asked for out of order");
        }
        while (position >= current.end() && current.index < windowStarts.length - 2) {
            advance();
        }
        return current;
    }

    /** Makes the window ahead (the next one of this epoch) current and starts loading the one after it. */
    private void advance() {
        await(ahead);
        ahead.start = windowStarts[ahead.index];
        Window left = current;
        current = ahead;
        ahead = left;
        requestNext();
    }

    /** Starts loading the window after the current one into the free half: the next of this epoch, or the next epoch's first. */
    private void requestNext() {
        int next = current.index + 1;
        if (next < windowStarts.length - 1) {
            request(ahead, epoch, next);
        } else {
            request(ahead, epoch + 1, 0);
        }
    }

    /** The rows of positions {@code [from, from + count)}, which run from the current window into the next. */
    private RowView across(int from, int count) {
        await(ahead);
        ahead.start = windowStarts[ahead.index];
        if (from + count > ahead.end() && ahead.index != windowStarts.length - 2) {
            throw new IllegalStateException("block " + block + ": a step of " + count + " rows from position " + from
                    + " runs past the window after the current one; windows must hold a step");
        }
        int[] order = new int[count];
        for (int i = 0; i < count; i++) {
            int position = from + i;
            Window window = position < current.end() ? current : ahead;
            order[i] = window.order[position - window.start];
        }
        return view(0, slots.length, order);
    }

    private void request(Window half, int e, int index) {
        settle(half);
        half.forget();
        half.epoch = e;
        half.index = index;
        half.loading = reader.submit(() -> fill(half, e, index));
    }

    /** Loads window {@code index} of epoch {@code e} into {@code half}: its chunks, then its order. */
    private void fill(Window half, int e, int index) {
        int[] members = EpochOrder.windows(seed, block, e, chunks, windowChunks)[index];
        int count = 0;
        for (int k = 0; k < windowChunks; k++) {
            ChunkSlot slot = slots[half.firstSlot + k];
            slot.clear();
            if (k < members.length) {
                source.load(members[k], slot);
                count += slot.rows();
            }
        }
        int[] order = new int[count];
        int at = 0;
        for (int k = 0; k < members.length; k++) {
            int first = (half.firstSlot + k) * perChunk;
            for (int r = 0; r < slots[half.firstSlot + k].rows(); r++) {
                order[at++] = first + r;
            }
        }
        EpochOrder.shuffleWindow(seed, block, e, index, order, count);
        half.order = order;
        half.rows = count;
        half.view = view(half.firstSlot, windowChunks, order);
    }

    /**
     * The rows of slots {@code [first, first + count)} over the whole ring (other slots empty, so
     * that row numbers are the ring's), named in {@code order}.
     */
    private RowView view(int first, int count, int[] order) {
        int[] counts = new int[slots.length];
        float[][] targets = new float[slots.length][];
        float[][] dense = source.sparse() ? null : new float[slots.length][];
        SparseBatch[] sparse = source.sparse() ? new SparseBatch[slots.length] : null;
        for (int s = first; s < first + count; s++) {
            counts[s] = slots[s].rows();
            targets[s] = slots[s].targets();
            if (dense != null) {
                dense[s] = slots[s].dense();
            } else {
                sparse[s] = slots[s].sparse();
            }
        }
        return new RowView(dense == null ? null : new RowChunks(inputs, perChunk, dense, counts),
                sparse == null ? null : new SparseChunks(inputs, perChunk, sparse),
                new RowChunks(outputs, perChunk, targets, counts), order);
    }

    /** Waits until {@code half} has loaded, counting the wait; rethrows what the load threw. */
    private void await(Window half) {
        if (half.loading == null) {
            return;
        }
        long started = System.nanoTime();
        try {
            half.loading.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("block " + block + ": interrupted while its rows were loading", e);
        } catch (ExecutionException e) {
            half.loading = null;
            half.forget();
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException("block " + block + ": loading rows failed", e.getCause());
        } finally {
            waitNanos += System.nanoTime() - started;
        }
        half.loading = null;
    }

    /** Waits for a load under way in {@code half} to end, whatever its outcome, so the half may be reused. */
    private static void settle(Window half) {
        if (half.loading == null) {
            return;
        }
        try {
            half.loading.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while a load ended", e);
        } catch (ExecutionException e) {
            // the outcome of a load nobody needs any more
        }
        half.loading = null;
    }

    /** Stops the reader thread, after the load it runs. */
    @Override
    public void close() {
        if (reader != null) {
            reader.shutdownNow();
            try {
                reader.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (ChunkSlot slot : slots) {
            slot.clear();
        }
    }

    /** One window: which one it holds, where it starts in its epoch, its order and its rows. */
    private final class Window {
        final int firstSlot;
        int epoch = -1;
        int index = -1;
        int start;
        int rows;
        int[] order;
        RowView view;
        Future<?> loading;

        Window(int firstSlot) {
            this.firstSlot = firstSlot;
        }

        boolean holds(int e, int w) {
            return epoch == e && index == w;
        }

        int end() {
            return start + rows;
        }

        void forget() {
            epoch = -1;
            index = -1;
            order = null;
            view = null;
        }
    }
}
