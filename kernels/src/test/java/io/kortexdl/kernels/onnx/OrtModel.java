package io.kortexdl.kernels.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * An exported model loaded in ONNX Runtime for Java (one intra-op thread, so runs repeat), with
 * its outputs read back as flat arrays. Shared with the Spark tests through the kernels' test jar.
 */
public final class OrtModel implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    /** The outputs of one run, by name. */
    public record Outputs(Map<String, float[]> floats, Map<String, long[]> longs) {
        public float[] floats(String name) {
            float[] values = floats.get(name);
            if (values == null) {
                throw new AssertionError("no float output " + name + " among " + floats.keySet() + longs.keySet());
            }
            return values;
        }

        public long[] longs(String name) {
            long[] values = longs.get(name);
            if (values == null) {
                throw new AssertionError("no int64 output " + name + " among " + floats.keySet() + longs.keySet());
            }
            return values;
        }
    }

    /** Loads {@code model} (an ONNX file's bytes). */
    public OrtModel(byte[] model) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(1);
        this.session = env.createSession(model, options);
    }

    /** The runtime's session, for its metadata and input names. */
    public OrtSession session() {
        return session;
    }

    /** Runs dense rows ({@code rows x width} row-major) through the {@code features} input. */
    public Outputs dense(float[] rows, int count, int width) throws OrtException {
        try (OnnxTensor features = OnnxTensor.createTensor(env, FloatBuffer.wrap(rows), new long[] {count, width})) {
            return run(Map.of("features", features));
        }
    }

    /** Runs padded sparse rows through the {@code indices} and {@code values} inputs, {@code count x k} each. */
    public Outputs sparse(long[] indices, float[] values, int count, int k) throws OrtException {
        try (OnnxTensor i = OnnxTensor.createTensor(env, LongBuffer.wrap(indices), new long[] {count, k});
             OnnxTensor v = OnnxTensor.createTensor(env, FloatBuffer.wrap(values), new long[] {count, k})) {
            return run(Map.of("indices", i, "values", v));
        }
    }

    private Outputs run(Map<String, OnnxTensor> inputs) throws OrtException {
        Map<String, float[]> floats = new HashMap<>();
        Map<String, long[]> longs = new HashMap<>();
        try (OrtSession.Result result = session.run(inputs)) {
            for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : result) {
                OnnxTensor tensor = (OnnxTensor) e.getValue();
                switch (tensor.getInfo().type) {
                    case FLOAT -> {
                        FloatBuffer buffer = tensor.getFloatBuffer();
                        float[] values = new float[buffer.remaining()];
                        buffer.get(values);
                        floats.put(e.getKey(), values);
                    }
                    case INT64 -> {
                        LongBuffer buffer = tensor.getLongBuffer();
                        long[] values = new long[buffer.remaining()];
                        buffer.get(values);
                        longs.put(e.getKey(), values);
                    }
                    default -> throw new AssertionError(e.getKey() + " has type " + tensor.getInfo().type);
                }
            }
        }
        return new Outputs(floats, longs);
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
