package io.kortexdl.kernels;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The binary model format of {@link Network#save} and {@link Network#load}, version 1.
 * Big-endian, in this order:
 * <pre>
 *   int    magic 0x4B58444C ("KXDL")      int   format version (1)
 *   int    number of layer sizes n         int[n] layer sizes, input first
 *   byte   hidden activation               byte  output activation     (Activation ordinals)
 *   byte   weight init (WeightInit ordinal) long seed                   float l2
 *   byte   optimizer (OptimizerKind ordinal) int h  float[h] hyper-parameters
 *   int    parameter count p               float[p] parameters in ParameterLayout order
 *   int    CRC-32 of every byte above
 * </pre>
 * Reading checks every field against its bounds before using it, never allocates more than
 * the bytes actually present justify, and never uses Java object serialisation.
 */
public final class NetworkFormat {
    /** "KXDL". */
    public static final int MAGIC = 0x4B58444C;
    /** The version this build writes and the newest it reads. */
    public static final int VERSION = 1;
    static final int MAX_LAYER_SIZES = 64;
    static final int MAX_LAYER_WIDTH = 1 << 24;
    private static final int MAX_HYPER_PARAMETERS = 16;
    private static final int CHUNK_FLOATS = 1 << 16;

    private NetworkFormat() {
    }

    /**
     * Writes {@code network} to {@code out} (flushed, not closed).
     *
     * @throws IOException if the stream fails
     */
    public static void write(Network network, OutputStream out) throws IOException {
        CheckedOutputStream checked = new CheckedOutputStream(new BufferedOutputStream(nonClosing(out), 1 << 16), new CRC32());
        DataOutputStream data = new DataOutputStream(checked);
        int[] sizes = network.layerSizes();
        data.writeInt(MAGIC);
        data.writeInt(VERSION);
        data.writeInt(sizes.length);
        for (int size : sizes) {
            data.writeInt(size);
        }
        data.writeByte(network.hiddenActivation().ordinal());
        data.writeByte(network.outputActivation().ordinal());
        data.writeByte(network.weightInit().ordinal());
        data.writeLong(network.seed());
        data.writeFloat(network.l2());
        float[] hyper = network.optimizer().hyperParameters();
        data.writeByte(network.optimizer().kind().ordinal());
        data.writeInt(hyper.length);
        for (float h : hyper) {
            data.writeFloat(h);
        }
        float[] params = network.getParameters();
        data.writeInt(params.length);
        writeFloats(data, params);
        data.flush();
        data.writeInt((int) checked.getChecksum().getValue());
        data.flush();
    }

    /**
     * Reads a network written by {@link #write}.
     *
     * @throws IOException naming what is wrong: truncated input, bad magic, a newer version,
     *     an out-of-range field, sizes that disagree with the parameter count, or a checksum mismatch
     */
    public static Network read(InputStream in) throws IOException {
        if (in == null) {
            throw new IOException("Cannot read a KortexDL network: the input stream is null");
        }
        CheckedInputStream checked = new CheckedInputStream(new BufferedInputStream(in, 1 << 16), new CRC32());
        DataInputStream data = new DataInputStream(checked);
        try {
            int magic = data.readInt();
            if (magic != MAGIC) {
                throw corrupt(String.format("not a KortexDL network (magic 0x%08X, expected 0x%08X)", magic, MAGIC));
            }
            int version = data.readInt();
            if (version > VERSION) {
                throw corrupt("format version " + version + " was written by a newer KortexDL; this build reads up to "
                        + VERSION);
            }
            if (version < 1) {
                throw corrupt("invalid format version " + version);
            }
            int count = checkRange("number of layer sizes", data.readInt(), 2, MAX_LAYER_SIZES);
            int[] sizes = new int[count];
            for (int i = 0; i < count; i++) {
                sizes[i] = checkRange("layer size " + i, data.readInt(), 1, MAX_LAYER_WIDTH);
            }
            long expectedParams = ParameterLayout.parameterCount(sizes);
            if (expectedParams > ParameterLayout.MAX_PARAMETERS) {
                throw corrupt("layer sizes " + java.util.Arrays.toString(sizes) + " need more than 2^31 parameters");
            }
            Activation hidden = enumAt(Activation.values(), data.readByte(), "hidden activation");
            Activation output = enumAt(Activation.values(), data.readByte(), "output activation");
            WeightInit init = enumAt(WeightInit.values(), data.readByte(), "weight init");
            long seed = data.readLong();
            float l2 = data.readFloat();
            if (!(l2 >= 0f) || Float.isInfinite(l2)) {
                throw corrupt("invalid l2 " + l2);
            }
            OptimizerKind kind = enumAt(OptimizerKind.values(), data.readByte(), "optimizer");
            int hyperCount = checkRange("number of optimizer hyper-parameters", data.readInt(), 0, MAX_HYPER_PARAMETERS);
            float[] hyper = new float[hyperCount];
            for (int i = 0; i < hyperCount; i++) {
                hyper[i] = data.readFloat();
            }
            int declared = data.readInt();
            if (declared != expectedParams) {
                throw corrupt("parameter count " + declared + " does not match layer sizes "
                        + java.util.Arrays.toString(sizes) + " (" + expectedParams + " parameters)");
            }
            float[] params = readFloats(data, declared);
            int computed = (int) checked.getChecksum().getValue();
            int stored = data.readInt();
            if (computed != stored) {
                throw corrupt(String.format("checksum mismatch (stored 0x%08X, computed 0x%08X): the file is damaged",
                        stored, computed));
            }
            for (int i = 0; i < params.length; i++) {
                if (!Float.isFinite(params[i])) {
                    throw corrupt("parameter " + i + " is " + params[i]);
                }
            }
            Network.Builder builder = Network.builder().layers(sizes).hiddenActivation(hidden)
                    .outputActivation(output).weightInit(init).seed(seed).l2(l2).parameters(params);
            try {
                builder.optimizer(kind, hyper);
            } catch (IllegalArgumentException e) {
                throw corrupt("invalid optimizer settings: " + e.getMessage());
            }
            return builder.build();
        } catch (EOFException e) {
            throw corrupt("truncated input: the stream ended before the network was complete");
        }
    }

    private static void writeFloats(DataOutputStream data, float[] values) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(CHUNK_FLOATS * Float.BYTES).order(ByteOrder.BIG_ENDIAN);
        for (int start = 0; start < values.length; start += CHUNK_FLOATS) {
            int n = Math.min(CHUNK_FLOATS, values.length - start);
            bytes.clear();
            bytes.asFloatBuffer().put(values, start, n);
            data.write(bytes.array(), 0, n * Float.BYTES);
        }
    }

    /** Reads chunk by chunk so a lying header cannot make us allocate more than the input holds. */
    private static float[] readFloats(DataInputStream data, int count) throws IOException {
        List<float[]> chunks = new ArrayList<>();
        byte[] bytes = new byte[CHUNK_FLOATS * Float.BYTES];
        int remaining = count;
        while (remaining > 0) {
            int n = Math.min(CHUNK_FLOATS, remaining);
            data.readFully(bytes, 0, n * Float.BYTES);
            float[] chunk = new float[n];
            ByteBuffer.wrap(bytes, 0, n * Float.BYTES).order(ByteOrder.BIG_ENDIAN).asFloatBuffer().get(chunk);
            chunks.add(chunk);
            remaining -= n;
        }
        float[] values = new float[count];
        int offset = 0;
        for (float[] chunk : chunks) {
            System.arraycopy(chunk, 0, values, offset, chunk.length);
            offset += chunk.length;
        }
        return values;
    }

    private static int checkRange(String what, int value, int min, int max) throws IOException {
        if (value < min || value > max) {
            throw corrupt(what + " is " + value + ", expected " + min + ".." + max);
        }
        return value;
    }

    private static <E extends Enum<E>> E enumAt(E[] values, byte ordinal, String what) throws IOException {
        if (ordinal < 0 || ordinal >= values.length) {
            throw corrupt(what + " code " + ordinal + " is unknown (expected 0.." + (values.length - 1) + ")");
        }
        return values[ordinal];
    }

    private static IOException corrupt(String detail) {
        return new IOException("Cannot read KortexDL network: " + detail);
    }

    private static OutputStream nonClosing(OutputStream out) {
        return new java.io.FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
    }
}
