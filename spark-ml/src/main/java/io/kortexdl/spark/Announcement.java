package io.kortexdl.spark;

import io.kortexdl.spark.collective.Peer;

/**
 * What one training task announces when its epoch's tasks meet ({@link EpochChannel}): whether
 * its block is there, where its collective listens, and how many rows it trains, from which
 * every task derives the same {@link io.kortexdl.spark.executor.EpochPlan}.
 *
 * @param status whether the task can train its block
 * @param executor the Spark executor id it runs on
 * @param host the address its collective listens on ({@code "-"} when it does not listen)
 * @param port the port its collective listens on (0 when it does not listen)
 * @param rows its block's training rows (0 when the block is missing)
 */
record Announcement(Status status, String executor, String host, int port, int rows) {

    /** Whether a task can train its block. */
    enum Status {
        /** The block is there; the task listens at {@code host:port}. */
        READY,
        /** No cached copy of the block is left; nobody trains this attempt. */
        BLOCK_MISSING
    }

    /** @throws IllegalArgumentException when a text field is empty or holds a space, or a count is negative */
    Announcement {
        for (String field : new String[] {executor, host}) {
            if (field == null || field.isEmpty() || field.indexOf(' ') >= 0) {
                throw new IllegalArgumentException("an announcement field must be one word, got '" + field + "'");
            }
        }
        if (port < 0 || rows < 0) {
            throw new IllegalArgumentException("an announcement of port " + port + " and " + rows + " rows");
        }
    }

    /** A task ready to train {@code rows} rows, listening at {@code host:port}. */
    static Announcement ready(String executor, String host, int port, int rows) {
        return new Announcement(Status.READY, executor, host, port, rows);
    }

    /** A task whose block is missing. */
    static Announcement blockMissing(String executor) {
        return new Announcement(Status.BLOCK_MISSING, executor, "-", 0, 0);
    }

    /** This task as participant {@code rank} of the collective. */
    Peer peer(int rank) {
        return new Peer(rank, executor, host, port);
    }

    /** The announcement as one line: {@code STATUS executor host port rows}, which {@link #decode} reads. */
    String encode() {
        return status + " " + executor + " " + host + " " + port + " " + rows;
    }

    /**
     * The announcement {@link #encode()} wrote.
     *
     * @throws IllegalArgumentException when {@code line} is not one
     */
    static Announcement decode(String line) {
        String[] fields = line.split(" ", -1);
        if (fields.length != 5) {
            throw new IllegalArgumentException("not a training task's announcement: '" + line + "'");
        }
        try {
            return new Announcement(Status.valueOf(fields[0]), fields[1], fields[2], Integer.parseInt(fields[3]),
                    Integer.parseInt(fields[4]));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a training task's announcement: '" + line + "'", e);
        }
    }
}
