package io.kortexdl.spark;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The bytes of a {@link RowChunk} on local disk: a 28-byte header (magic {@code KXRC}, format
 * version, flags, rows, features per row, feature values, CRC-32C of the payload), then the payload, all
 * little-endian: for sparse rows the row starts and the column indices, then the feature values,
 * the labels and, when weighted, the weights. Reading checks the header against what the block's
 * handle recorded (the chunk's length and checksum) and the payload against its checksum before
 * it takes a value, so a truncated, altered or misplaced chunk is refused, never trained on.
 */
final class ChunkCodec {
    static final int MAGIC = 0x4352584B; // "KXRC" in little-endian bytes
    static final int VERSION = 1;
    static final int HEADER_BYTES = 28;
    private static final int SPARSE = 1;
    private static final int WEIGHTED = 2;

    private ChunkCodec() {
    }

    /**
     * What a block's handle records of a chunk on disk, checked when it is read.
     *
     * @param bytes the encoded length
     * @param crc the CRC-32C of its payload
     */
    record Stamp(int bytes, int crc) implements java.io.Serializable {
    }

    /** Bytes {@code chunk} encodes to. */
    static int encodedBytes(RowChunk chunk) {
        long bytes = HEADER_BYTES + 4L * chunk.values() + 4L * chunk.rows();
        if (chunk.weights() != null) {
            bytes += 4L * chunk.rows();
        }
        if (chunk.sparse()) {
            bytes += 4L * (chunk.rows() + 1) + 4L * chunk.values();
        }
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a chunk of " + chunk.rows() + " rows and " + chunk.values()
                    + " values does not fit one buffer");
        }
        return (int) bytes;
    }

    /**
     * Writes {@code chunk} into {@code out} from position 0 (whose capacity is at least
     * {@link #encodedBytes}) and flips it for reading; returns the chunk's stamp.
     */
    static Stamp encode(RowChunk chunk, ByteBuffer out) {
        out.clear().order(ByteOrder.LITTLE_ENDIAN);
        int rows = chunk.rows();
        int values = chunk.values();
        out.position(HEADER_BYTES);
        if (chunk.sparse()) {
            out.asIntBuffer().put(chunk.rowStarts(), 0, rows + 1);
            out.position(out.position() + 4 * (rows + 1));
            out.asIntBuffer().put(chunk.indices(), 0, values);
            out.position(out.position() + 4 * values);
        }
        putFloats(out, chunk.features(), values);
        putFloats(out, chunk.labels(), rows);
        if (chunk.weights() != null) {
            putFloats(out, chunk.weights(), rows);
        }
        int end = out.position();
        int crc = crc(out, end);
        out.putInt(0, MAGIC).putInt(4, VERSION).putInt(8, (chunk.sparse() ? SPARSE : 0)
                | (chunk.weights() != null ? WEIGHTED : 0)).putInt(12, rows).putInt(16, chunk.width())
                .putInt(20, values).putInt(24, crc);
        out.position(0).limit(end);
        return new Stamp(end, crc);
    }

    /**
     * The chunk in {@code in} (position 0 to its limit), checked against {@code stamp}; dense
     * features go into {@code features} when it has room, else into a new array.
     *
     * @param what the chunk, for messages: its block, number and where it was read
     * @throws CorruptChunkException when the bytes are not the chunk the stamp describes
     */
    static RowChunk decode(ByteBuffer in, Stamp stamp, float[] features, String what) {
        ByteBuffer bytes = in.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int length = bytes.remaining();
        if (length != stamp.bytes()) {
            throw new CorruptChunkException(what + " has " + length + " bytes; " + stamp.bytes() + " were written");
        }
        if (length < HEADER_BYTES || bytes.getInt(0) != MAGIC || bytes.getInt(4) != VERSION) {
            throw new CorruptChunkException(what + " does not start with a KortexDL chunk header");
        }
        int flags = bytes.getInt(8);
        int rows = bytes.getInt(12);
        int width = bytes.getInt(16);
        int values = bytes.getInt(20);
        boolean sparse = (flags & SPARSE) != 0;
        boolean weighted = (flags & WEIGHTED) != 0;
        long expected = HEADER_BYTES + 4L * values + 4L * rows * (weighted ? 2 : 1)
                + (sparse ? 4L * (rows + 1) + 4L * values : 0);
        if (rows < 1 || width < 1 || values < 0 || expected != length || (!sparse && (long) rows * width != values)) {
            throw new CorruptChunkException(what + " has a header of " + rows + " rows of " + width + " features and "
                    + values + " values that does not match its " + length + " bytes");
        }
        int crc = crc(bytes, length);
        if (crc != stamp.crc() || bytes.getInt(24) != stamp.crc()) {
            throw new CorruptChunkException(what + " fails its CRC-32C check (computed "
                    + Integer.toHexString(crc) + ", written " + Integer.toHexString(stamp.crc()) + ")");
        }
        bytes.position(HEADER_BYTES);
        int[] rowStarts = null;
        int[] indices = null;
        if (sparse) {
            rowStarts = new int[rows + 1];
            bytes.asIntBuffer().get(rowStarts);
            bytes.position(bytes.position() + 4 * (rows + 1));
            indices = new int[values];
            bytes.asIntBuffer().get(indices);
            bytes.position(bytes.position() + 4 * values);
        }
        float[] out = !sparse && features != null && features.length >= values ? features : new float[values];
        getFloats(bytes, out, values);
        float[] labels = new float[rows];
        getFloats(bytes, labels, rows);
        float[] weights = null;
        if (weighted) {
            weights = new float[rows];
            getFloats(bytes, weights, rows);
        }
        return new RowChunk(rows, width, out, rowStarts, indices, labels, weights);
    }

    private static void putFloats(ByteBuffer out, float[] values, int count) {
        out.asFloatBuffer().put(values, 0, count);
        out.position(out.position() + 4 * count);
    }

    private static void getFloats(ByteBuffer in, float[] values, int count) {
        in.asFloatBuffer().get(values, 0, count);
        in.position(in.position() + 4 * count);
    }

    /** The CRC-32C of bytes {@code [HEADER_BYTES, end)} of {@code buffer}. */
    private static int crc(ByteBuffer buffer, int end) {
        CRC32C crc = new CRC32C();
        crc.update(buffer.duplicate().limit(end).position(HEADER_BYTES));
        return (int) crc.getValue();
    }

    /** Bytes that are not the chunk its block's handle describes. */
    static final class CorruptChunkException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CorruptChunkException(String message) {
            super(message);
        }
    }
}
