package io.kortexdl.spark;

import io.kortexdl.kernels.Network;
import java.io.Serializable;
import org.apache.spark.ml.linalg.Vector;

/**
 * A model's weights and, built on first use in each JVM, a thread-safe network for row-at-a-time
 * predictions ({@code predict}, {@code predictRaw}); the network itself is never serialized.
 */
final class InferenceNetwork implements Serializable {
    private static final long serialVersionUID = 1L;

    private final NetworkWeights weights;
    private transient volatile Network network;

    InferenceNetwork(NetworkWeights weights) {
        this.weights = weights;
    }

    NetworkWeights weights() {
        return weights;
    }

    /**
     * The network outputs for one row.
     *
     * @throws IllegalArgumentException if {@code features} has another size or a non-finite value
     */
    float[] outputs(Vector features) {
        float[] in = new float[weights.inputSize()];
        if (features.size() != in.length) {
            throw new IllegalArgumentException("features: expected " + in.length + " values, got " + features.size());
        }
        double[] values = features.toArray();
        for (int i = 0; i < in.length; i++) {
            in[i] = (float) values[i];
            if (!Float.isFinite(in[i])) {
                throw new IllegalArgumentException("features[" + i + "] is " + values[i] + "; features must be finite");
            }
        }
        return network().forwardThreadSafe(in, 1);
    }

    private Network network() {
        Network n = network;
        if (n == null) {
            synchronized (this) {
                n = network;
                if (n == null) {
                    n = weights.toNetwork();
                    n.enableThreadSafety(true);
                    network = n;
                }
            }
        }
        return n;
    }
}
