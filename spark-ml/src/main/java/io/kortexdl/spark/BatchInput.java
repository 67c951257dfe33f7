package io.kortexdl.spark;

import org.apache.spark.sql.Dataset;

/**
 * Refuses streaming Datasets where an operation runs Spark jobs on its input at once ({@code fit},
 * {@code evaluate}): Spark allows those only inside a started streaming query, and its own message
 * ("Queries with streaming sources must be executed with writeStream.start()") names neither the
 * operation nor what to do instead. {@code transform} accepts streams and is not checked here.
 */
final class BatchInput {
    private BatchInput() {
    }

    /**
     * Checks that {@code dataset} is not streaming.
     *
     * @param operation what was called, for the message ("evaluate")
     * @param instead what to do with a stream instead, for the message
     * @throws IllegalArgumentException if {@code dataset} is a streaming Dataset
     */
    static void require(Dataset<?> dataset, String operation, String instead) {
        if (dataset.isStreaming()) {
            throw new IllegalArgumentException(operation + " needs a batch DataFrame, but was given a streaming one"
                    + " (read with spark.readStream()); " + instead);
        }
    }
}
