package io.kortexdl.spark;

import io.kortexdl.kernels.Network;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Scores rows of any representation in blocks of {@link ChunkForward#ROWS}: reads each
 * row's non-zero features into one {@link FeatureBlock}, runs one forward pass per block, then
 * emits each row with its outputs. Both the internal-row and the {@code Row} scoring paths run on it.
 *
 * @param <R> the row type
 */
final class BlockScoringIterator<R> implements Iterator<R> {

    /** How rows are read, kept and written for one representation. */
    interface RowKind<R> {
        /** Appends the features of {@code row} (the {@code number}-th of the partition) to {@code sink}'s open row. */
        void readFeatures(R row, long number, CsrRows sink);

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
    private final List<R> pending = new ArrayList<>(ChunkForward.ROWS);
    private final FeatureBlock block;
    private float[] out;
    private int next;
    private long rowNumber;

    BlockScoringIterator(Iterator<R> rows, NetworkWeights weights, RowKind<R> kind) {
        this.rows = rows;
        this.network = weights.sharedNetwork();
        this.kind = kind;
        this.inputs = weights.inputSize();
        this.width = weights.outputSize();
        this.block = new FeatureBlock(inputs);
    }

    @Override
    public boolean hasNext() {
        if (next < pending.size()) {
            return true;
        }
        pending.clear();
        block.clear();
        next = 0;
        while (rows.hasNext() && pending.size() < ChunkForward.ROWS) {
            R row = rows.next();
            kind.readFeatures(row, rowNumber++, block.sink());
            block.endRow();
            pending.add(kind.keep(row));
        }
        if (pending.isEmpty()) {
            return false;
        }
        out = block.forward(network);
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
