package io.kortexdl.kernels;

/**
 * One unit of work handed to the workers of a {@link ParallelTrainer}: its inputs, and the
 * results the first worker writes. Published to the workers by the trainer's start phase and
 * read back after its end phase, so plain fields are safe.
 */
final class TrainingJob {
    enum Mode {
        /** Mini-batch steps, each ending in one optimizer update. */
        TRAIN,
        /** One batch: the gradient of the summed loss, no update. */
        GRADIENT,
        /** Chunked loss evaluation in natural row order, no gradient. */
        EVALUATE
    }

    final Mode mode;
    final RowChunks inputs;
    final RowChunks targets;
    final int[] order;
    final int from;
    final int end;
    final int batchSize;
    final int steps;
    final LossType loss;
    final float learningRate;
    final String context;

    float[] gradientOut;
    /** The buffer the current step's parameters are written to (TRAIN; set by worker 0). */
    volatile ParameterStore.Buffer target;
    double[] chunkLoss;

    double lossSum;
    long rows;
    int stepsDone;
    volatile boolean stop;
    RuntimeException error;

    TrainingJob(Mode mode, RowChunks inputs, RowChunks targets, int[] order, int from, int end, int batchSize, int steps,
                LossType loss, float learningRate, String context) {
        this.mode = mode;
        this.inputs = inputs;
        this.targets = targets;
        this.order = order;
        this.from = from;
        this.end = end;
        this.batchSize = batchSize;
        this.steps = steps;
        this.loss = loss;
        this.learningRate = learningRate;
        this.context = context;
    }
}
