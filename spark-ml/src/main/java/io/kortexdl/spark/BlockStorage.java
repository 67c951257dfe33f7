package io.kortexdl.spark;

import java.io.Serializable;
import java.util.Locale;

/**
 * Where a fit keeps each executor's packed training rows, the {@code blockStorage} param:
 * {@link #AUTO} (the default) keeps a block on the heap when it fits the memory Spark manages and
 * writes it to the executor's local disk otherwise; {@link #MEMORY} keeps every block on the heap
 * and refuses one that does not fit; {@link #DISK} writes every block to local disk, from where
 * each epoch streams it through a window of {@code diskWindowInMB}.
 */
enum BlockStorage {
    AUTO, MEMORY, DISK;

    /** The param's values, in declaration order. */
    static final String[] PARAM_VALUES = {"auto", "memory", "disk"};

    /** The param value naming this storage. */
    String paramValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The storage a param value names; the param's validator has already checked it. */
    static BlockStorage fromParam(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }

    /**
     * Where one block's rows went and why, for the driver's log.
     *
     * @param onDisk whether they are on local disk (else on the heap)
     * @param bytes their packed size
     * @param reason why, with the figures
     */
    record Choice(boolean onDisk, long bytes, String reason) implements Serializable {
    }
}
