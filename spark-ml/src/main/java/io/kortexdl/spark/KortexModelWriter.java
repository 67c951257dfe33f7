package io.kortexdl.spark;

import java.io.IOException;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.MLWriter;

/** Saves a KortexDL model: Spark's params metadata plus the network (see {@link ModelIO}). */
final class KortexModelWriter extends MLWriter {
    private final Params model;
    private final NetworkWeights weights;
    private final String kind;

    KortexModelWriter(Params model, NetworkWeights weights, String kind) {
        this.model = model;
        this.weights = weights;
        this.kind = kind;
    }

    @Override
    public void saveImpl(String path) {
        try {
            ModelIO.save(model, weights, kind, path, sparkSession());
        } catch (IOException e) {
            throw Sneaky.rethrow(e);
        }
    }
}
