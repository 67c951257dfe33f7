package io.kortexdl.spark.executor;

/**
 * The training rows of one block as an executor trains them.
 *
 * @param block the block's index, which is its rank in every epoch's collective
 * @param rows where the rows and their targets come from, a chunk at a time
 * @param inputs features per row
 * @param outputs targets per row (classes, or 1 for regression)
 * @param windowChunks chunks per window when {@code rows} is streamed from disk ({@link EpochOrder#fillWindowed})
 */
public record BlockData(int block, ChunkSource rows, int inputs, int outputs, int windowChunks) {

    /** @throws IllegalArgumentException unless the widths and the window are positive */
    public BlockData {
        if (inputs < 1 || outputs < 1 || windowChunks < 1) {
            throw new IllegalArgumentException("block " + block + ": expected positive widths and window, got "
                    + inputs + ", " + outputs + " and " + windowChunks);
        }
    }
}
