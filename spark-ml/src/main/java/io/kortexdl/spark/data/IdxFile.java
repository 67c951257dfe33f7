package io.kortexdl.spark.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files (the MNIST format) of unsigned bytes, plain or gzipped, into memory.
 * Only the {@code ubyte} element type is supported, which is what MNIST-style data sets use.
 */
public final class IdxFile {
    private static final int UNSIGNED_BYTE = 0x08;
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private final int[] dimensions;
    private final byte[] data;

    private IdxFile(int[] dimensions, byte[] data) {
        this.dimensions = dimensions;
        this.data = data;
    }

    /**
     * Reads the file at {@code path}; a name ending in {@code .gz} is decompressed.
     *
     * @throws IOException if the file is missing, truncated or not an unsigned-byte IDX file
     */
    public static IdxFile read(Path path) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(path), 1 << 16)) {
            InputStream in = path.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
            return read(in, path.toString());
        }
    }

    /**
     * Reads an IDX stream (not decompressed here).
     *
     * @param source a name for error messages
     * @throws IOException if the stream is truncated or not an unsigned-byte IDX file
     */
    public static IdxFile read(InputStream in, String source) throws IOException {
        DataInputStream data = new DataInputStream(in);
        try {
            int magic = data.readInt();
            if ((magic >>> 16) != 0 || ((magic >>> 8) & 0xFF) != UNSIGNED_BYTE) {
                throw new IOException(source + ": not an unsigned-byte IDX file (magic 0x" + Integer.toHexString(magic) + ")");
            }
            int rank = magic & 0xFF;
            if (rank < 1 || rank > 4) {
                throw new IOException(source + ": IDX rank " + rank + " is not 1..4");
            }
            int[] dims = new int[rank];
            long count = 1;
            for (int i = 0; i < rank; i++) {
                dims[i] = data.readInt();
                if (dims[i] < 0) {
                    throw new IOException(source + ": dimension " + i + " is negative (" + dims[i] + ")");
                }
                count *= dims[i];
                if (count > MAX_ELEMENTS) {
                    throw new IOException(source + ": more than 2^31 elements declared");
                }
            }
            byte[] bytes = data.readNBytes((int) count);
            if (bytes.length != count) {
                throw new IOException(source + ": truncated, " + bytes.length + " of " + count + " bytes present");
            }
            return new IdxFile(dims, bytes);
        } catch (EOFException e) {
            throw new IOException(source + ": truncated IDX header", e);
        }
    }

    /**
     * Writes an unsigned-byte IDX file of the given dimensions (not compressed here).
     *
     * @throws IllegalArgumentException if {@code data} does not hold exactly the elements the dimensions declare
     */
    public static void write(java.io.OutputStream out, int[] dimensions, byte[] data) throws IOException {
        long count = 1;
        for (int d : dimensions) {
            count *= d;
        }
        if (dimensions.length < 1 || dimensions.length > 4 || count != data.length) {
            throw new IllegalArgumentException("dimensions " + java.util.Arrays.toString(dimensions) + " declare "
                    + count + " elements, data holds " + data.length);
        }
        java.io.DataOutputStream header = new java.io.DataOutputStream(out);
        header.writeInt((UNSIGNED_BYTE << 8) | dimensions.length);
        for (int d : dimensions) {
            header.writeInt(d);
        }
        header.write(data);
        header.flush();
    }

    /** A copy of the dimensions, outermost (the item count) first. */
    public int[] dimensions() {
        return dimensions.clone();
    }

    /** Number of items: the first dimension. */
    public int items() {
        return dimensions[0];
    }

    /** Elements per item: the product of the other dimensions. */
    public int itemSize() {
        int size = 1;
        for (int i = 1; i < dimensions.length; i++) {
            size *= dimensions[i];
        }
        return size;
    }

    /** Element {@code i} as an unsigned value 0..255. */
    public int unsigned(int i) {
        return data[i] & 0xFF;
    }

    /** A copy of elements {@code [from, from + count)} as raw bytes. */
    public byte[] bytes(int from, int count) {
        return java.util.Arrays.copyOfRange(data, from, from + count);
    }

    /** Every element scaled by {@code scale}, as {@code float}s. */
    public float[] toFloats(float scale) {
        float[] out = new float[data.length];
        for (int i = 0; i < data.length; i++) {
            out[i] = (data[i] & 0xFF) * scale;
        }
        return out;
    }
}
