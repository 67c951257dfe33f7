package io.kortexdl.spark;

import io.kortexdl.kernels.Activation;
import io.kortexdl.kernels.LossType;
import io.kortexdl.kernels.OptimizerKind;
import io.kortexdl.kernels.ParameterLayout;
import io.kortexdl.spark.executor.TrainingState;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * The binary layout of a {@link Checkpoint}: magic {@code KXCK}, a format version ({@link #VERSION}), the payload
 * length, the payload (big-endian fields and float arrays, each prefixed by its length) and the
 * CRC-32 of the payload. Reading checks the header before it allocates, never allocates more
 * than the stream's declared and present bytes, checks the checksum before parsing, and checks
 * every length against what remains; it never uses Java serialization.
 */
final class CheckpointFormat {
    static final int MAGIC = 0x4B58434B; // "KXCK"
    /**
     * The newest format: 2 adds the fingerprint's row order after the training rows. A fit whose
     * blocks are all shuffled whole writes version 1, the bytes release 0.1.0 writes and reads;
     * version 1 reads as {@link Checkpoint.Fingerprint#WHOLE_BLOCKS}.
     */
    static final int VERSION = 2;
    /** The largest payload accepted: ~2 GB, beyond any network this trainer can hold. */
    static final int MAX_PAYLOAD = Integer.MAX_VALUE - 64;
    private static final int MAX_LAYERS = 1024;
    private static final int MAX_HISTORY = 1_000_000;

    private CheckpointFormat() {
    }

    /** Writes {@code c} to {@code out} (not closed). */
    static void write(Checkpoint c, OutputStream out) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream p = new DataOutputStream(bytes);
        Checkpoint.Fingerprint f = c.fingerprint();
        p.writeInt(f.layerSizes().length);
        for (int size : f.layerSizes()) {
            p.writeInt(size);
        }
        utf(p, f.activation().name());
        utf(p, f.loss().name());
        utf(p, f.optimizer().name());
        p.writeLong(f.seed());
        p.writeInt(f.batchSize());
        p.writeInt(f.blocks());
        p.writeLong(f.trainRows());
        int version = f.rowOrder().equals(Checkpoint.Fingerprint.WHOLE_BLOCKS) ? 1 : VERSION;
        if (version > 1) {
            utf(p, f.rowOrder());
        }
        FitState s = c.state();
        p.writeInt(s.epochsDone);
        p.writeBoolean(s.stopped);
        utf(p, s.stopReason.paramName());
        p.writeLong(s.training.optimizerSteps());
        p.writeLong(0); // reserved (a round count in the first writers), ignored on reading
        floats(p, s.training.parameters());
        floats(p, s.training.optimizerState());
        p.writeInt(s.bestEpoch);
        p.writeDouble(s.bestValidationLoss);
        p.writeBoolean(s.best != null);
        if (s.best != null) {
            floats(p, s.best);
        }
        p.writeDouble(s.previousLoss);
        p.writeInt(s.history.size());
        for (EpochRecord r : s.history) {
            p.writeInt(r.epoch());
            p.writeInt(r.maxIter());
            p.writeDouble(r.loss());
            p.writeDouble(r.validationLoss());
            p.writeDouble(r.validationMetric());
            p.writeDouble(r.seconds());
            p.writeDouble(r.samplesPerSecond());
        }
        p.writeInt(s.rowsByExecutor.size());
        for (Map.Entry<String, Long> e : s.rowsByExecutor.entrySet()) {
            utf(p, e.getKey());
            p.writeLong(e.getValue());
        }
        p.flush();
        byte[] payload = bytes.toByteArray();
        CRC32 crc = new CRC32();
        crc.update(payload);
        DataOutputStream o = new DataOutputStream(out);
        o.writeInt(MAGIC);
        o.writeInt(version);
        o.writeInt(payload.length);
        o.write(payload);
        o.writeLong(crc.getValue());
        o.flush();
    }

    private static void utf(DataOutputStream p, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 0xFFFF) {
            throw new IOException("text field of " + bytes.length + " bytes is too long for a checkpoint");
        }
        p.writeShort(bytes.length);
        p.write(bytes);
    }

    private static void floats(DataOutputStream p, float[] values) throws IOException {
        p.writeInt(values.length);
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4);
        buffer.asFloatBuffer().put(values);
        p.write(buffer.array());
    }

    /**
     * Reads a checkpoint of at most {@code available} bytes from {@code in}.
     *
     * @param name the file, for messages
     * @throws IOException naming the problem: not a checkpoint, a newer version, truncated,
     *     damaged (checksum) or inconsistent
     */
    static Checkpoint read(InputStream in, long available, String name) throws IOException {
        DataInputStream d = new DataInputStream(in);
        try {
            if (d.readInt() != MAGIC) {
                throw new IOException(name + " is not a KortexDL checkpoint (wrong magic)");
            }
            int version = d.readInt();
            if (version < 1 || version > VERSION) {
                throw new IOException(name + ": checkpoint format version " + version + " is not supported (this"
                        + " release reads versions 1 to " + VERSION + ")");
            }
            int length = d.readInt();
            if (length < 0 || length > MAX_PAYLOAD || length > available - 20) {
                throw new IOException(name + " declares " + length + " bytes of state but holds " + available
                        + " bytes in all: truncated or damaged");
            }
            byte[] payload = new byte[length];
            d.readFully(payload);
            long expected = d.readLong();
            CRC32 crc = new CRC32();
            crc.update(payload);
            if (crc.getValue() != expected) {
                throw new IOException(name + " is damaged: its checksum does not match its contents");
            }
            return parse(ByteBuffer.wrap(payload), version, name);
        } catch (EOFException e) {
            throw new IOException(name + " is truncated", e);
        }
    }

    private static Checkpoint parse(ByteBuffer b, int version, String name) throws IOException {
        try {
            int layerCount = count(b, MAX_LAYERS, 4, name, "layer count");
            int[] layers = new int[layerCount];
            for (int i = 0; i < layerCount; i++) {
                layers[i] = b.getInt();
                if (layers[i] < 1) {
                    throw new IOException(name + ": layer " + i + " has size " + layers[i]);
                }
            }
            Checkpoint.Fingerprint f = new Checkpoint.Fingerprint(layers,
                    oneOf(utf(b, name), name, "activation", Activation.class),
                    oneOf(utf(b, name), name, "loss", LossType.class),
                    oneOf(utf(b, name), name, "optimizer", OptimizerKind.class),
                    b.getLong(), b.getInt(), b.getInt(), b.getLong(),
                    version == 1 ? Checkpoint.Fingerprint.WHOLE_BLOCKS : utf(b, name));
            if (f.batchSize() < 1 || f.blocks() < 1 || f.trainRows() < 1) {
                throw new IOException(name + ": batch size " + f.batchSize() + ", " + f.blocks() + " blocks and "
                        + f.trainRows() + " training rows are not a fit's");
            }
            int epochsDone = b.getInt();
            boolean stopped = b.get() != 0;
            String stopName = utf(b, name);
            StopReason stopReason = StopReason.ofParamName(stopName);
            if (stopReason == null) {
                throw new IOException(name + ": unknown stop reason '" + stopName + "'");
            }
            long optimizerSteps = b.getLong();
            b.getLong(); // reserved
            float[] parameters = floats(b, name, "parameters");
            long expectedParameters = ParameterLayout.parameterCount(layers);
            if (layers.length < 2 || parameters.length != expectedParameters) {
                throw new IOException(name + ": layers " + java.util.Arrays.toString(layers) + " need "
                        + expectedParameters + " parameters, but it holds " + parameters.length);
            }
            float[] state = floats(b, name, "optimizer state");
            // An optimizer of no parameters says how many state values each parameter has.
            int stateCopies = f.optimizer().create(f.optimizer().defaultHyperParameters(), 0)
                    .stateValuesPerParameter();
            if (state.length != (long) stateCopies * parameters.length) {
                throw new IOException(name + ": " + f.optimizer() + " state of " + state.length + " values for "
                        + parameters.length + " parameters");
            }
            int bestEpoch = b.getInt();
            double bestValidationLoss = b.getDouble();
            float[] best = b.get() != 0 ? floats(b, name, "best parameters") : null;
            if (best != null && best.length != parameters.length) {
                throw new IOException(name + ": the best epoch's parameters have the wrong length " + best.length);
            }
            double previousLoss = b.getDouble();
            int epochs = count(b, MAX_HISTORY, 4 + 4 + 5 * 8, name, "history length");
            List<EpochRecord> history = new ArrayList<>(epochs);
            for (int i = 0; i < epochs; i++) {
                history.add(new EpochRecord(b.getInt(), b.getInt(), b.getDouble(), b.getDouble(), b.getDouble(),
                        b.getDouble(), b.getDouble()));
            }
            int executors = count(b, MAX_HISTORY, 2 + 8, name, "executor count");
            Map<String, Long> rows = new LinkedHashMap<>();
            for (int i = 0; i < executors; i++) {
                rows.put(utf(b, name), b.getLong());
            }
            if (optimizerSteps < 0) {
                throw new IOException(name + ": optimizer step count " + optimizerSteps);
            }
            if (b.hasRemaining()) {
                throw new IOException(name + ": " + b.remaining() + " unexpected bytes after the state");
            }
            if (epochsDone < 0 || epochsDone != history.size() || bestEpoch < 0 || bestEpoch > epochsDone) {
                throw new IOException(name + ": " + epochsDone + " epochs done, " + history.size()
                        + " in its history, best epoch " + bestEpoch);
            }
            for (int i = 0; i < history.size(); i++) {
                if (history.get(i).epoch() != i + 1) {
                    throw new IOException(name + ": history entry " + i + " is epoch " + history.get(i).epoch());
                }
            }
            FitState fit = new FitState(new TrainingState(parameters, state, optimizerSteps));
            fit.epochsDone = epochsDone;
            // The first writers set this flag after the last epoch of maxIter too; only a stopping rule counts.
            fit.stopped = stopped && stopReason != StopReason.MAX_ITER;
            fit.stopReason = stopReason;
            fit.bestEpoch = bestEpoch;
            fit.bestValidationLoss = bestValidationLoss;
            fit.best = best;
            fit.previousLoss = previousLoss;
            fit.history.addAll(history);
            fit.rowsByExecutor.putAll(rows);
            return new Checkpoint(f, fit);
        } catch (java.nio.BufferUnderflowException e) {
            throw new IOException(name + " is inconsistent: its state ends early", e);
        }
    }

    private static <E extends Enum<E>> E oneOf(String value, String name, String what, Class<E> type)
            throws IOException {
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(value)) {
                return e;
            }
        }
        throw new IOException(name + ": unknown " + what + " '" + value + "'");
    }

    /** A count of items of at least {@code itemBytes} bytes each, checked against what remains. */
    private static int count(ByteBuffer b, int max, int itemBytes, String name, String what) throws IOException {
        int n = b.getInt();
        if (n < 0 || n > max || (long) n * itemBytes > b.remaining()) {
            throw new IOException(name + ": " + what + " " + n + " is impossible here");
        }
        return n;
    }

    private static float[] floats(ByteBuffer b, String name, String what) throws IOException {
        int n = count(b, Integer.MAX_VALUE / 4, 4, name, what + " length");
        float[] values = new float[n];
        b.asFloatBuffer().get(values);
        b.position(b.position() + n * 4);
        return values;
    }

    private static String utf(ByteBuffer b, String name) throws IOException {
        int length = Short.toUnsignedInt(b.getShort());
        if (length > b.remaining()) {
            throw new IOException(name + ": a text field runs past the end");
        }
        byte[] bytes = new byte[length];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
