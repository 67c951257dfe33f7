package io.kortexdl.kernels.onnx;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One protocol-buffers message under construction, encoded in the standard wire format when
 * written. Nested messages and float arrays are kept by reference and streamed out, so a network
 * of hundreds of MiB is written without a copy of its parameters: every length prefix is computed
 * from the fields' sizes first.
 *
 * <p>It writes the handful of field kinds ONNX's messages need (varints, strings and bytes, nested
 * messages, packed int64, float32 arrays as bytes), so that the kernels need no protobuf runtime: Spark ships its own
 * {@code protobuf-java}, and a second, unshaded one on a user's classpath breaks it.
 */
final class ProtoMessage {
    private static final int VARINT = 0;
    private static final int LENGTH_DELIMITED = 2;

    /** One encoded field: its size in bytes, tag included, and how to write it. */
    private interface Field {
        long size();

        void write(Sink sink) throws IOException;
    }

    private final List<Field> fields = new ArrayList<>();
    private long size = -1;

    /** An {@code int32}, {@code int64} or enum field. */
    ProtoMessage varint(int field, long value) {
        return add(new Field() {
            @Override
            public long size() {
                return tagSize(field) + varintSize(value);
            }

            @Override
            public void write(Sink sink) throws IOException {
                sink.tag(field, VARINT);
                sink.varint(value);
            }
        });
    }

    /** A {@code string} field (UTF-8). */
    ProtoMessage string(int field, String value) {
        return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    /** A {@code bytes} field; the array is kept, not copied. */
    ProtoMessage bytes(int field, byte[] value) {
        return add(new Field() {
            @Override
            public long size() {
                return lengthDelimitedSize(field, value.length);
            }

            @Override
            public void write(Sink sink) throws IOException {
                sink.tag(field, LENGTH_DELIMITED);
                sink.varint(value.length);
                sink.bytes(value);
            }
        });
    }

    /** A nested message field; {@code message} is encoded when this one is written. */
    ProtoMessage message(int field, ProtoMessage message) {
        return add(new Field() {
            @Override
            public long size() {
                return lengthDelimitedSize(field, message.size());
            }

            @Override
            public void write(Sink sink) throws IOException {
                sink.tag(field, LENGTH_DELIMITED);
                sink.varint(message.size());
                message.write(sink);
            }
        });
    }

    /** A packed {@code repeated int64} field. */
    ProtoMessage packedInt64(int field, long... values) {
        long payload = 0;
        for (long v : values) {
            payload += varintSize(v);
        }
        long length = payload;
        long[] copy = values.clone();
        return add(new Field() {
            @Override
            public long size() {
                return lengthDelimitedSize(field, length);
            }

            @Override
            public void write(Sink sink) throws IOException {
                sink.tag(field, LENGTH_DELIMITED);
                sink.varint(length);
                for (long v : copy) {
                    sink.varint(v);
                }
            }
        });
    }

    /**
     * A {@code bytes} field holding {@code values[from, from + count)} as little-endian float32, as
     * ONNX's {@code TensorProto.raw_data} stores them. The array is read when the message is written.
     */
    ProtoMessage floatBytes(int field, float[] values, int from, int count) {
        return add(new Field() {
            @Override
            public long size() {
                return lengthDelimitedSize(field, 4L * count);
            }

            @Override
            public void write(Sink sink) throws IOException {
                sink.tag(field, LENGTH_DELIMITED);
                sink.varint(4L * count);
                sink.floats(values, from, count);
            }
        });
    }

    /** Size of the encoded message in bytes, without a length prefix. */
    long size() {
        if (size < 0) {
            long total = 0;
            for (Field f : fields) {
                total += f.size();
            }
            size = total;
        }
        return size;
    }

    /** Writes the encoded message to {@code out} (buffered here; {@code out} is flushed, not closed). */
    void writeTo(OutputStream out) throws IOException {
        Sink sink = new Sink(out);
        write(sink);
        sink.flush();
    }

    private void write(Sink sink) throws IOException {
        for (Field f : fields) {
            f.write(sink);
        }
    }

    private ProtoMessage add(Field field) {
        fields.add(field);
        size = -1;
        return this;
    }

    private static long lengthDelimitedSize(int field, long length) {
        return tagSize(field) + varintSize(length) + length;
    }

    private static int tagSize(int field) {
        return varintSize((long) field << 3);
    }

    /** Bytes of a varint; negative values take ten, as protobuf encodes int64 in two's complement. */
    static int varintSize(long value) {
        int bytes = 1;
        while ((value & ~0x7FL) != 0) {
            value >>>= 7;
            bytes++;
        }
        return bytes;
    }

    /** A buffered writer of wire-format primitives. */
    private static final class Sink {
        private final OutputStream out;
        private final ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

        Sink(OutputStream out) {
            this.out = out;
        }

        void tag(int field, int wireType) throws IOException {
            varint(((long) field << 3) | wireType);
        }

        void varint(long value) throws IOException {
            room(10);
            while ((value & ~0x7FL) != 0) {
                buffer.put((byte) ((value & 0x7F) | 0x80));
                value >>>= 7;
            }
            buffer.put((byte) value);
        }

        void bytes(byte[] bytes) throws IOException {
            int at = 0;
            while (at < bytes.length) {
                room(1);
                int n = Math.min(buffer.remaining(), bytes.length - at);
                buffer.put(bytes, at, n);
                at += n;
            }
        }

        void floats(float[] values, int from, int count) throws IOException {
            for (int i = from; i < from + count; i++) {
                room(4);
                buffer.putFloat(values[i]);
            }
        }

        void flush() throws IOException {
            out.write(buffer.array(), 0, buffer.position());
            buffer.clear();
            out.flush();
        }

        private void room(int bytes) throws IOException {
            if (buffer.remaining() < bytes) {
                out.write(buffer.array(), 0, buffer.position());
                buffer.clear();
            }
        }
    }
}
