package io.kortexdl.spark;

import io.kortexdl.kernels.Activation;
import io.kortexdl.kernels.LossType;
import io.kortexdl.kernels.Network;
import io.kortexdl.kernels.OptimizerKind;
import io.kortexdl.spark.executor.TrainerSettings;
import java.io.Serializable;

/**
 * What every training task needs to know, fixed for one {@code fit}: the architecture, the loss,
 * the optimizer, the threads per executor, the global mini-batch and steps per epoch (which the
 * executors' {@code EpochPlan} shares between blocks), how regression labels are standardized
 * into targets, and the chunks per window of a block streamed from local disk.
 */
record TrainingSpec(String runId, int[] layerSizes, Activation hiddenActivation, LossType loss,
                    OptimizerKind optimizer, float l2, int threadsPerExecutor, int globalBatch,
                    int stepsPerEpoch, int blockCount, long seed, LabelScaling labelScaling, int windowChunks)
        implements Serializable {

    /** How each block's trainer trains in this fit. */
    TrainerSettings trainerSettings() {
        return new TrainerSettings(threadsPerExecutor, loss, seed, globalBatch, stepsPerEpoch);
    }

    /** Features per row. */
    int inputSize() {
        return layerSizes[0];
    }

    /** Number of outputs: classes (softmax cross-entropy) or 1 (regression). */
    int outputSize() {
        return layerSizes[layerSizes.length - 1];
    }

    /**
     * A training network with this architecture, optimizer and L2, and the given parameters, or
     * initialised from the seed (He for ReLU, Xavier otherwise) when {@code parameters} is null.
     */
    Network newNetwork(float[] parameters) {
        Network.Builder builder = Network.builder().layers(layerSizes).hiddenActivation(hiddenActivation)
                .outputActivation(Activation.IDENTITY).optimizer(optimizer).l2(l2).seed(seed);
        if (parameters != null) {
            builder.parameters(parameters);
        }
        return builder.build();
    }
}
