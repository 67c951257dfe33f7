package io.kortexdl.spark;

import io.kortexdl.kernels.Network;
import io.kortexdl.kernels.SparseBatch;
import java.io.Serializable;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;

/**
 * A model's weights and their shared thread-safe network ({@link NetworkWeights#sharedNetwork()})
 * for row-at-a-time predictions ({@code predict}, {@code predictRaw}); the network itself is never
 * serialized.
 */
final class InferenceNetwork implements Serializable {
    private static final long serialVersionUID = 1L;

    private final NetworkWeights weights;

    InferenceNetwork(NetworkWeights weights) {
        this.weights = weights;
    }

    /**
     * The network outputs for one row.
     *
     * @throws IllegalArgumentException if {@code features} has another size or a non-finite value
     */
    float[] outputs(Vector features) {
        int inputs = weights.inputSize();
        if (features.size() != inputs) {
            throw new IllegalArgumentException("features: expected " + inputs + " values, got " + features.size());
        }
        if (features instanceof SparseVector sparse) {
            return network().forward(sparseRow(sparse));
        }
        float[] in = new float[inputs];
        double[] values = features.toArray();
        for (int i = 0; i < in.length; i++) {
            in[i] = (float) values[i];
            if (!Float.isFinite(in[i])) {
                throw new IllegalArgumentException("features[" + i + "] is " + values[i] + "; features must be finite");
            }
        }
        return network().forwardThreadSafe(in, 1);
    }

    /** One sparse row as a batch, its non-zeros only, so a wide vector is never made dense. */
    private static SparseBatch sparseRow(SparseVector vector) {
        int[] indices = vector.indices();
        double[] values = vector.values();
        float[] floats = new float[values.length];
        for (int k = 0; k < values.length; k++) {
            floats[k] = (float) values[k];
            if (!Float.isFinite(floats[k])) {
                throw new IllegalArgumentException("features[" + indices[k] + "] is " + values[k]
                        + "; features must be finite");
            }
        }
        return new SparseBatch(1, vector.size(), new int[] {0, indices.length}, indices, floats);
    }

    private Network network() {
        return weights.sharedNetwork();
    }

}
