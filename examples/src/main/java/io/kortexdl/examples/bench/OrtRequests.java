package io.kortexdl.examples.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.kortexdl.kernels.Network;
import io.kortexdl.kernels.blas.BlasThreads;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Requests to ONNX Runtime for Java as the ONNX benchmarks send them, and the helpers they share.
 * A request's inputs are {@code float[]} or {@code long[]} arrays; each is copied once into a direct
 * buffer in native order, which the runtime reads in place: the fastest way to feed it from Java
 * (from a heap array it copies every request into a new direct buffer, and its rate then swung
 * between 77k and 166k Fashion-MNIST rows/s from run to run, against 211k to 220k).
 */
final class OrtRequests {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    /** Each input array's direct buffer, made on the warm-up runs (arrays hash by identity). */
    private final Map<Object, Buffer> direct = new ConcurrentHashMap<>();

    /** The runtime's version. */
    String version() {
        return env.getVersion();
    }

    /** A session with {@code threads} intra-op threads, one inter-op thread, every graph optimisation. */
    OrtSession session(byte[] onnx, int threads) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(threads);
        options.setInterOpNumThreads(1);
        options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        return env.createSession(onnx, options);
    }

    /**
     * Runs one request, each named input of {@code shape}, and reads back every output.
     *
     * @return the {@code prediction} output
     */
    long[] run(OrtSession session, Map<String, Object> inputs, long... shape) throws OrtException {
        Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, Object> input : inputs.entrySet()) {
                Buffer buffer = direct.computeIfAbsent(input.getValue(), OrtRequests::directCopy);
                tensors.put(input.getKey(), buffer instanceof FloatBuffer floats
                        ? OnnxTensor.createTensor(env, floats.duplicate(), shape)
                        : OnnxTensor.createTensor(env, ((LongBuffer) buffer).duplicate(), shape));
            }
            try (OrtSession.Result result = session.run(tensors)) {
                LongBuffer predictions = ((OnnxTensor) result.get("prediction").orElseThrow()).getLongBuffer();
                long[] out = new long[predictions.remaining()];
                predictions.get(out);
                return out;
            }
        } finally {
            tensors.values().forEach(OnnxTensor::close);
        }
    }

    /** Dense requests of {@code width}-wide rows through {@code features}; a checksum of the predictions. */
    long scoreDense(OrtSession session, List<float[]> requests, int width) throws OrtException {
        long sum = 0;
        for (float[] request : requests) {
            for (long p : run(session, Map.of("features", request), request.length / width, width)) {
                sum += p;
            }
        }
        return sum;
    }

    /** The kernels' forward pass over every request, the native BLAS single-threaded; a checksum. */
    static float forward(Network network, List<float[]> requests) {
        float sum = 0;
        try (BlasThreads.Section single = network.blas().threads().singleThreaded()) {
            for (float[] request : requests) {
                sum += network.forwardBatch(request, request.length / network.inputSize())[0];
            }
        }
        return sum;
    }

    /** Work on a share of the requests, returning a checksum. */
    @FunctionalInterface
    interface Share<T> {
        Object score(List<T> mine) throws Exception;
    }

    /** Two threads at once, each running {@code share} on every other request. */
    static <T> void twoCallers(List<T> requests, Share<T> share) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Object>> halves = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                List<T> mine = new ArrayList<>();
                for (int i = t; i < requests.size(); i += 2) {
                    mine.add(requests.get(i));
                }
                halves.add(pool.submit(() -> share.score(mine)));
            }
            for (Future<Object> half : halves) {
                half.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    private static Buffer directCopy(Object array) {
        if (array instanceof float[] floats) {
            FloatBuffer buffer = ByteBuffer.allocateDirect(4 * floats.length).order(ByteOrder.nativeOrder())
                    .asFloatBuffer();
            return buffer.put(floats).flip();
        }
        long[] longs = (long[]) array;
        LongBuffer buffer = ByteBuffer.allocateDirect(8 * longs.length).order(ByteOrder.nativeOrder()).asLongBuffer();
        return buffer.put(longs).flip();
    }
}
