package io.kortexdl.spark;

import io.kortexdl.spark.executor.ChunkUnavailableException;
import java.io.Serializable;
import java.nio.ByteBuffer;

/**
 * One executor's share of a training set as packed rows: its training rows and the rows held out
 * for validation, each a {@link Part} of {@link RowChunk}s kept on the heap or on the executor's
 * local disk ({@link BlockStorage}). This is what Spark caches for a fit instead of a DataFrame
 * of Vectors; for a block on disk it is only the chunks' handle.
 *
 * <p>Packing never throws for bad data: the first problem found is recorded in {@link #error}
 * and packing stops, so the driver can raise one clear {@code IllegalArgumentException}.
 */
final class PackedBlock implements Serializable {
    private static final long serialVersionUID = 2L;

    final int block;
    final int inputSize;
    final Part train;
    final Part validation;
    /** The first problem found in this block, or null. */
    final String error;
    /** Largest label seen, and where, for the class-count check. */
    final double maxLabel;
    final String maxLabelWhere;
    /** Mean of the training labels and the sum of their squared deviations from it (Welford, in row order). */
    final double labelMean;
    final double labelSquaredDeviations;
    /** Where the rows are and why, for the driver's log. */
    final BlockStorage.Choice storage;

    PackedBlock(int block, int inputSize, Part train, Part validation, String error, double maxLabel,
                String maxLabelWhere, double labelMean, double labelSquaredDeviations, BlockStorage.Choice storage) {
        this.block = block;
        this.inputSize = inputSize;
        this.train = train;
        this.validation = validation;
        this.error = error;
        this.maxLabel = maxLabel;
        this.maxLabelWhere = maxLabelWhere;
        this.labelMean = labelMean;
        this.labelSquaredDeviations = labelSquaredDeviations;
        this.storage = storage;
    }

    /**
     * Rows of one kind (training or validation) in chunks of {@code rowsPerChunk} rows (the last
     * one may hold fewer): on the heap ({@link #resident}), or on local disk as chunks
     * {@code firstChunk ..} of spill {@code spill} ({@link SpillStore}), each checked against its
     * {@link ChunkCodec.Stamp} when read.
     */
    static final class Part implements Serializable {
        private static final long serialVersionUID = 3L;

        final int rows;
        final int rowsPerChunk;
        final boolean sparse;
        /** The chunks on the heap, or null when they are on disk. */
        final RowChunk[] resident;
        /** The spill holding the chunks on disk, or -1. */
        final int spill;
        /** The spill's number of this part's first chunk. */
        final int firstChunk;
        /** One per chunk on disk; null on the heap. */
        final ChunkCodec.Stamp[] stamps;
        /** Feature values held: every value when dense, the non-zeros when sparse. */
        final long storedValues;
        /** Sum of the row weights (the row count when unweighted), in row order. */
        final double weightSum;

        private Part(int rows, int rowsPerChunk, boolean sparse, RowChunk[] resident, int spill, int firstChunk,
                     ChunkCodec.Stamp[] stamps, long storedValues, double weightSum) {
            this.rows = rows;
            this.rowsPerChunk = rowsPerChunk;
            this.sparse = sparse;
            this.resident = resident;
            this.spill = spill;
            this.firstChunk = firstChunk;
            this.stamps = stamps;
            this.storedValues = storedValues;
            this.weightSum = weightSum;
        }

        /** Rows on the heap. */
        static Part onHeap(int rowsPerChunk, boolean sparse, RowChunk[] chunks, double weightSum) {
            int rows = 0;
            long values = 0;
            for (RowChunk chunk : chunks) {
                rows += chunk.rows();
                values += chunk.values();
            }
            return new Part(rows, rowsPerChunk, sparse, chunks, -1, 0, null, values, weightSum);
        }

        /** Rows on local disk: chunks {@code firstChunk ..} of {@code spill}, one stamp each. */
        static Part onDisk(int rows, int rowsPerChunk, boolean sparse, int spill, int firstChunk,
                           ChunkCodec.Stamp[] stamps, long storedValues, double weightSum) {
            return new Part(rows, rowsPerChunk, sparse, null, spill, firstChunk, stamps, storedValues, weightSum);
        }

        /** No rows. */
        static Part empty(int rowsPerChunk, boolean sparse) {
            return onHeap(rowsPerChunk, sparse, new RowChunk[0], 0);
        }

        /** Whether the chunks are on local disk. */
        boolean onDisk() {
            return resident == null;
        }

        int chunkCount() {
            return onDisk() ? stamps.length : resident.length;
        }

        /** The most bytes one chunk takes on disk, 0 on the heap: the size of a read buffer. */
        int largestChunkBytes() {
            int largest = 0;
            if (stamps != null) {
                for (ChunkCodec.Stamp stamp : stamps) {
                    largest = Math.max(largest, stamp.bytes());
                }
            }
            return largest;
        }

        /**
         * Chunk {@code c}: the one on the heap, or the one on disk read into {@code buffer} (when it
         * has room) and decoded, its dense features into {@code features} when that has room.
         *
         * @param block this part's block, for messages
         * @throws ChunkUnavailableException when the chunk on disk is gone from every executor or
         *     fails its checks; a chunk that fails them is removed from the executors that hold it
         */
        RowChunk chunk(int c, int block, ByteBuffer buffer, float[] features) {
            if (!onDisk()) {
                return resident[c];
            }
            int id = firstChunk + c;
            String what = "chunk " + c + " of block " + block + " (Spark block rdd_" + spill + "_" + id + ")";
            ByteBuffer bytes;
            try {
                bytes = SpillStore.read(spill, id, buffer);
            } catch (Exception e) { // Spark's Scala code throws IOException undeclared: a file gone, a disk error
                throw new ChunkUnavailableException(block, what + " could not be read: " + e, e);
            }
            if (bytes == null) {
                throw new ChunkUnavailableException(block, what + " is on no executor any more", null);
            }
            try {
                return ChunkCodec.decode(bytes, stamps[c], features, what);
            } catch (ChunkCodec.CorruptChunkException e) {
                SpillStore.removeChunk(spill, id);
                throw new ChunkUnavailableException(block, e.getMessage(), e);
            }
        }
    }

    /** The block's counts and problems without its rows, for the driver. */
    Summary summary() {
        return new Summary(block, inputSize, train.rows, validation.rows, train.weightSum, error, maxLabel,
                maxLabelWhere, labelMean, labelSquaredDeviations, train.storedValues + validation.storedValues, storage);
    }

    /**
     * What the driver learns about a block after packing.
     *
     * @param labelMean mean of the training labels (Welford's update, in row order)
     * @param labelSquaredDeviations sum of the training labels' squared deviations from {@code labelMean}
     * @param storedValues feature values held, training and validation: every value when dense, the non-zeros when sparse
     * @param storage where the rows are and why
     */
    record Summary(int block, int inputSize, int trainRows, int validationRows, double trainWeight, String error,
                   double maxLabel, String maxLabelWhere, double labelMean, double labelSquaredDeviations,
                   long storedValues, BlockStorage.Choice storage)
            implements Serializable {
    }
}
