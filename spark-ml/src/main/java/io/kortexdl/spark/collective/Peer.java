package io.kortexdl.spark.collective;

/**
 * One participant of a collective as the others reach it.
 *
 * @param rank its position, 0-based; results are reduced in rank order
 * @param executor its Spark executor id, for messages
 * @param host the address it listens on
 * @param port the port it listens on
 */
public record Peer(int rank, String executor, String host, int port) {

    /** "executor 3 (rank 1, 10.0.0.5:40012)", for messages. */
    public String describe() {
        return "executor " + executor + " (rank " + rank + ", " + host + ":" + port + ")";
    }
}
