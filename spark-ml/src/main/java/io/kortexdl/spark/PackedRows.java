package io.kortexdl.spark;

import io.kortexdl.kernels.LossType;
import io.kortexdl.kernels.SparseBatch;
import io.kortexdl.spark.executor.ChunkSlot;
import io.kortexdl.spark.executor.ChunkSource;
import java.nio.ByteBuffer;

/**
 * A packed block's training rows as its trainer loads them, with the targets the fit's loss reads:
 * chunks on the heap are handed over as they are, chunks on local disk are read, checked and
 * decoded into the slot's own buffers. One load at a time, as {@link ChunkSource} allows: the
 * read buffer is this source's.
 */
final class PackedRows implements ChunkSource {
    private final int block;
    private final int inputSize;
    private final PackedBlock.Part part;
    private final TrainingSpec spec;
    private ByteBuffer readBuffer;

    PackedRows(PackedBlock packed, TrainingSpec spec) {
        this.block = packed.block;
        this.inputSize = spec.inputSize(); // the fit's: a block without rows has none of its own
        this.part = packed.train;
        this.spec = spec;
    }

    @Override
    public int rows() {
        return part.rows;
    }

    @Override
    public int rowsPerChunk() {
        return part.rowsPerChunk;
    }

    @Override
    public boolean sparse() {
        return part.sparse;
    }

    @Override
    public boolean streamed() {
        return part.onDisk();
    }

    @Override
    public void load(int chunk, ChunkSlot slot) {
        RowChunk rows;
        if (part.onDisk()) {
            if (readBuffer == null) {
                readBuffer = ByteBuffer.allocateDirect(part.largestChunkBytes());
            }
            rows = part.chunk(chunk, block, readBuffer, part.sparse ? null : slot.denseBuffer(chunkRows(chunk) * inputSize));
        } else {
            rows = part.chunk(chunk, block, null, null);
        }
        float[] targets = slot.targetBuffer(rows.rows() * spec.outputSize());
        targets(spec, rows, targets);
        if (part.sparse) {
            slot.holdSparse(new SparseBatch(rows.rows(), inputSize, rows.rowStarts(), rows.indices(), rows.features()),
                    targets);
        } else {
            slot.holdDense(rows.rows(), rows.features(), targets);
        }
    }

    /**
     * Writes the targets of {@code chunk}'s rows into {@code out} as the loss reads them: one-hot
     * rows scaled by the row weight for classification (softmax cross-entropy's gradient
     * {@code p * sum(t) - t} then weighs each row exactly), the standardized label for regression
     * ({@link TrainingSpec#labelScaling()}).
     */
    static void targets(TrainingSpec spec, RowChunk chunk, float[] out) {
        int rows = chunk.rows();
        float[] labels = chunk.labels();
        if (spec.loss() != LossType.CROSS_ENTROPY) {
            for (int r = 0; r < rows; r++) {
                out[r] = spec.labelScaling().standardize(labels[r]);
            }
            return;
        }
        int classes = spec.outputSize();
        java.util.Arrays.fill(out, 0, rows * classes, 0f);
        float[] weights = chunk.weights();
        for (int r = 0; r < rows; r++) {
            out[r * classes + (int) labels[r]] = weights == null ? 1f : weights[r];
        }
    }
}
