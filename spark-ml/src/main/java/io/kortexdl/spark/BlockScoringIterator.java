package io.kortexdl.spark;

import io.kortexdl.kernels.BlasThreads;
import io.kortexdl.kernels.Network;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Scores rows of any representation in blocks of {@link MetricSums#CHUNK_ROWS}: reads each
 * row's features into one buffer, runs one forward pass per block, then emits each row with its
 * outputs. Both the internal-row and the {@code Row} scoring paths run on it.
 *
 * @param <R> the row type
 */
final class BlockScoringIterator<R> implements Iterator<R> {

    /** How rows are read, kept and written for one representation. */
    interface RowKind<R> {
        /** Writes the features of {@code row} (the {@code number}-th of the partition) into {@code in[offset ..]}. */
        void readFeatures(R row, long number, float[] in, int offset);

        /** The row to hold until its block is scored (a copy where upstream reuses row objects). */
        R keep(R row);

        /** {@code row} with the outputs {@code out[offset .. offset + width)} appended. */
        R emit(R row, float[] out, int offset, int width);
    }

    private final Iterator<R> rows;
    private final Network network;
    private final RowKind<R> kind;
    private final int inputs;
    private final int width;
    private final List<R> pending = new ArrayList<>(MetricSums.CHUNK_ROWS);
    private final float[] in;
    private float[] out;
    private int next;
    private long rowNumber;

    BlockScoringIterator(Iterator<R> rows, NetworkWeights weights, RowKind<R> kind) {
        this.rows = rows;
        this.network = weights.toNetwork();
        this.kind = kind;
        this.inputs = weights.inputSize();
        this.width = weights.outputSize();
        this.in = new float[MetricSums.CHUNK_ROWS * inputs];
    }

    @Override
    public boolean hasNext() {
        if (next < pending.size()) {
            return true;
        }
        pending.clear();
        next = 0;
        while (rows.hasNext() && pending.size() < MetricSums.CHUNK_ROWS) {
            R row = rows.next();
            kind.readFeatures(row, rowNumber++, in, pending.size() * inputs);
            pending.add(kind.keep(row));
        }
        if (pending.isEmpty()) {
            return false;
        }
        int n = pending.size();
        // Spark runs one scoring task per core: a multithreaded BLAS under each would oversubscribe them.
        try (BlasThreads.Section section = network.blas().threads().singleThreaded()) {
            out = network.forwardBatch(n == MetricSums.CHUNK_ROWS ? in : Arrays.copyOf(in, n * inputs), n);
        }
        return true;
    }

    @Override
    public R next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        int r = next++;
        return kind.emit(pending.get(r), out, r * width, width);
    }
}
