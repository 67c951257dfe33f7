package io.kortexdl.spark;

import java.io.IOException;
import java.util.function.BiFunction;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.MLReader;

/**
 * Loads a KortexDL model saved by {@link KortexModelWriter}: checks the layout version and kind,
 * reads and verifies the network, builds the model with the saved uid and sets its params.
 * Damaged or foreign files raise an {@link IOException}.
 *
 * @param <M> the model class
 */
final class KortexModelReader<M extends Params> extends MLReader<M> {
    private final Class<M> modelClass;
    private final String kind;
    private final BiFunction<String, NetworkWeights, M> factory;

    KortexModelReader(Class<M> modelClass, String kind, BiFunction<String, NetworkWeights, M> factory) {
        this.modelClass = modelClass;
        this.kind = kind;
        this.factory = factory;
    }

    @Override
    public M load(String path) {
        try {
            NetworkWeights weights = ModelIO.loadWeights(path, kind, modelClass.getSimpleName(), sparkSession());
            DefaultParamsReader.Metadata metadata = ModelIO.metadata(path, modelClass.getName(), sparkSession());
            M model = factory.apply(metadata.uid(), weights);
            ModelIO.setParams(model, metadata);
            return model;
        } catch (IOException e) {
            throw Sneaky.rethrow(e);
        }
    }
}
