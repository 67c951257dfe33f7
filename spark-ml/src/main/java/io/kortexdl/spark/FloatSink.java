package io.kortexdl.spark;

import java.util.ArrayList;
import java.util.List;

/**
 * Appends float rows into fixed-size chunks and hands back one exactly sized array, so packing
 * a partition never holds more than one spare chunk beyond the data.
 */
final class FloatSink {
    private static final int CHUNK = 1 << 20;

    private final List<float[]> full = new ArrayList<>();
    private float[] current = new float[0];
    private int used;
    private long size;
    private int offset;

    /** Room for {@code count} more floats: returns the array to write and sets {@link #offset()}. */
    float[] reserve(int count) {
        if (used + count > current.length) {
            if (used > 0) {
                float[] trimmed = current.length == used ? current : java.util.Arrays.copyOf(current, used);
                full.add(trimmed);
            }
            current = new float[Math.max(CHUNK, count)];
            used = 0;
        }
        int at = used;
        used += count;
        size += count;
        offset = at;
        return current;
    }

    /** Where the last {@link #reserve} starts in the array it returned. */
    int offset() {
        return offset;
    }

    /** Appends one value. */
    void add(float value) {
        float[] target = reserve(1);
        target[offset] = value;
    }

    /** Number of floats appended. */
    long size() {
        return size;
    }

    /**
     * Every float appended, in order, in an array of exactly {@link #size()} values.
     *
     * @throws IllegalStateException if that exceeds the largest Java array
     */
    float[] toArray(String what) {
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException(what + ": " + size + " floats do not fit one Java array; use more"
                    + " partitions or executors");
        }
        float[] out = new float[(int) size];
        int at = 0;
        for (float[] chunk : full) {
            System.arraycopy(chunk, 0, out, at, chunk.length);
            at += chunk.length;
        }
        System.arraycopy(current, 0, out, at, used);
        return out;
    }
}
