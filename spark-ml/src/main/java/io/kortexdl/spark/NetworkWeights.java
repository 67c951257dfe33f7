package io.kortexdl.spark;

import io.kortexdl.kernels.Activation;
import io.kortexdl.kernels.Network;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * An immutable, serializable snapshot of a trained network: layer sizes, hidden activation and
 * parameters. This is what models carry to executors and what warm starts begin from; it
 * travels as the kernels' checksummed format, never as Java-serialized kernel objects.
 */
public final class NetworkWeights implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int[] layerSizes;
    private final String hiddenActivation;
    private final float[] parameters;
    private transient volatile Network shared;

    NetworkWeights(int[] layerSizes, Activation hiddenActivation, float[] parameters) {
        this.layerSizes = layerSizes.clone();
        this.hiddenActivation = hiddenActivation.name();
        this.parameters = parameters.clone();
    }

    /** The snapshot of {@code network}'s architecture and current parameters. */
    static NetworkWeights of(Network network) {
        return new NetworkWeights(network.layerSizes(), network.hiddenActivation(), network.getParameters());
    }

    /** Layer sizes from the input to the output. */
    public int[] layerSizes() {
        return layerSizes.clone();
    }

    /** Number of inputs (features). */
    public int inputSize() {
        return layerSizes[0];
    }

    /** Number of outputs (classes, or 1 for regression). */
    public int outputSize() {
        return layerSizes[layerSizes.length - 1];
    }

    /** Activation of the hidden layers. */
    public Activation hiddenActivation() {
        return Activation.valueOf(hiddenActivation);
    }

    /** Number of trainable parameters. */
    public int parameterCount() {
        return parameters.length;
    }

    /** A copy of the flat parameter vector, laid out as the kernels' {@code ParameterLayout}. */
    public float[] parameters() {
        return parameters.clone();
    }

    float[] parametersView() {
        return parameters;
    }

    /**
     * This JVM's shared inference network of these weights, built on first use and thread-safe:
     * every scoring task of an executor (and every row-at-a-time prediction) reads the same
     * parameters instead of copying them, which matters for a wide first layer.
     */
    Network sharedNetwork() {
        Network n = shared;
        if (n == null) {
            synchronized (this) {
                n = shared;
                if (n == null) {
                    n = toNetwork();
                    n.enableThreadSafety(true);
                    shared = n;
                }
            }
        }
        return n;
    }

    /** A new inference network with these weights (identity output: logits or regression values). */
    Network toNetwork() {
        return Network.builder().layers(layerSizes).hiddenActivation(hiddenActivation())
                .outputActivation(Activation.IDENTITY).parameters(parameters).build();
    }

    /** The network in the kernels' format (magic, version, CRC32). */
    byte[] toBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(parameters.length * 4 + 256);
        try {
            toNetwork().save(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * Reads a network written by {@link #toBytes()} or {@code Network.save}.
     *
     * @throws IOException if the bytes are not a valid, intact network file
     */
    static NetworkWeights fromBytes(byte[] bytes) throws IOException {
        return of(Network.load(new ByteArrayInputStream(bytes)));
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof NetworkWeights w && Arrays.equals(layerSizes, w.layerSizes)
                && hiddenActivation.equals(w.hiddenActivation) && Arrays.equals(parameters, w.parameters);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(layerSizes) + Arrays.hashCode(parameters);
    }

    @Override
    public String toString() {
        return "NetworkWeights" + Arrays.toString(layerSizes) + " " + hiddenActivation.toLowerCase() + ", "
                + parameters.length + " parameters";
    }
}
