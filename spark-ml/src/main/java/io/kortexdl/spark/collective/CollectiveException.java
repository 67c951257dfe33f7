package io.kortexdl.spark.collective;

/**
 * A collective operation that could not complete: a peer closed its connection (its process
 * died), did not answer within the timeout, sent something out of order, or the set-up failed.
 * The message names the peer (its Spark executor, block and address) and the operation.
 */
public final class CollectiveException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A failure described by {@code message}, caused by {@code cause} (may be null). */
    public CollectiveException(String message, Throwable cause) {
        super(message, cause);
    }
}
