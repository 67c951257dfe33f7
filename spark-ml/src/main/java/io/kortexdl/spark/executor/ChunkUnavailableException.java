package io.kortexdl.spark.executor;

/**
 * A chunk of a block's rows that cannot be trained on: no copy is left (its executor was lost), or
 * the copy failed its checksum. Nothing of the chunk was trained on; the block must be packed
 * again from its source.
 */
public final class ChunkUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int block;

    /**
     * @param block the block whose chunk it is
     * @param message what was wrong, naming the chunk and where it was read
     */
    public ChunkUnavailableException(int block, String message, Throwable cause) {
        super(message, cause);
        this.block = block;
    }

    /** The block whose chunk it is. */
    public int block() {
        return block;
    }
}
