package io.kortexdl.kernels;

import io.kortexdl.kernels.blas.Blas;
import io.kortexdl.kernels.onnx.OnnxExport;
import io.kortexdl.kernels.onnx.OnnxHead;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A fully connected feed-forward network (multilayer perceptron) in {@code float32}, trained
 * and evaluated through GEMMs on a {@link Blas} backend.
 *
 * <p><b>Data.</b> Inputs are row-major {@code batchSize x inputSize()} arrays, targets and
 * outputs {@code batchSize x outputSize()}. Wide sparse inputs (hashed text, one-hot
 * categories) go in as a {@link SparseBatch} instead: its overloads of forward, trainBatch and
 * evaluate cost the batch's non-zeros x the first hidden width in the first layer, and training
 * updates only the first-layer rows the batch touches. Parameters live in one flat vector laid out as
 * {@link ParameterLayout} documents.
 *
 * <p><b>Threads.</b> {@link #forward}, {@link #forwardBatch} and {@link #evaluate} only read
 * the parameters and may be called from many threads at once; each call takes its own pooled
 * workspace. {@link #trainBatch} is for one caller at a time unless thread safety is enabled
 * ({@link #enableThreadSafety}); then concurrent training is asynchronous SGD: a call computes
 * its gradient on the parameters current when it began, every update is applied whole (none
 * lost, none torn), and a concurrent forward pass sees the parameters before or after an update,
 * never a mix. The {@code *ThreadSafe} methods always take that path. With thread safety
 * disabled the single-caller path takes no locks. Toggle the flag only while no call runs.
 *
 * <p><b>All cores.</b> {@link #trainParallelNuma} and {@link #evaluateParallelNuma} spread one
 * training run or evaluation over every core as synchronous data parallelism; a
 * {@link ParallelTrainer} does the same with explicit workers, placement and schedules.
 *
 * <p><b>Allocation.</b> Once warmed up on a batch size, training and the {@code forward(..., out)}
 * overload allocate nothing; the other forward methods allocate only their result.
 */
public final class Network {
    /**
     * Rows per chunk of the forward and evaluation passes ({@link #forward}, {@link #forwardBatch},
     * {@link #evaluate} and their sparse forms): large enough for efficient GEMMs, small enough
     * for the cache. Every entry point cuts the rows into the same chunks, so the same rows give
     * the same bits through any of them.
     */
    public static final int CHUNK_ROWS = 256;

    private final ParameterLayout layout;
    private final Activation hiddenActivation;
    private final Activation outputActivation;
    private final WeightInit weightInit;
    private final long seed;
    private final float l2;
    private final Optimizer optimizer;
    private final Blas blas;
    private final NetworkEngine engine;
    private volatile boolean threadSafe;
    /** Epochs run through {@link #trainParallelNuma}, so repeated calls continue the shuffle sequence. */
    private int parallelEpochs;

    /**
     * A network with ReLU hidden layers, identity output, He initialisation from the default
     * seed ({@value Builder#DEFAULT_SEED}), plain SGD and the system BLAS.
     *
     * @param layerSizes widths, input first, e.g. {@code 784, 256, 128, 10}
     * @throws IllegalArgumentException on fewer than two sizes or a size below 1
     */
    public Network(int... layerSizes) {
        this(builder().layers(layerSizes));
    }

    private Network(Builder b) {
        this.layout = new ParameterLayout(b.layers);
        this.hiddenActivation = b.hiddenActivation;
        this.outputActivation = b.outputActivation;
        this.weightInit = b.weightInit != null ? b.weightInit
                : hiddenActivation == Activation.RELU ? WeightInit.HE : WeightInit.XAVIER;
        this.seed = b.seed;
        this.l2 = b.l2;
        this.optimizer = b.optimizerInstance != null ? b.optimizerInstance
                : b.optimizerKind.create(b.hyperParameters != null ? b.hyperParameters
                        : b.optimizerKind.defaultHyperParameters(), layout.parameterCount());
        this.blas = b.blas != null ? b.blas : Blas.system();
        if (b.parameters != null) {
            checkParameters(layout, b.parameters);
        }
        float[] initial = b.parameters != null ? b.parameters.clone() : weightInit.initialize(layout, seed);
        Propagation propagation = new Propagation(layout, hiddenActivation, outputActivation, blas);
        this.engine = new NetworkEngine(layout, propagation, initial, optimizer, l2);
    }

    /** A builder for every option: layers, activations, optimizer, L2, initialisation, seed, BLAS, parameters. */
    public static Builder builder() {
        return new Builder();
    }

    /** Width of the input layer. */
    public int inputSize() {
        return layout.inputSize();
    }

    /** Width of the output layer. */
    public int outputSize() {
        return layout.outputSize();
    }

    /** A copy of the layer widths, input first. */
    public int[] layerSizes() {
        return layout.sizes();
    }

    /** Number of weights and biases. */
    public int parameterCount() {
        return layout.parameterCount();
    }

    /** Where each layer's weights and biases sit in {@link #getParameters()}. */
    public ParameterLayout layout() {
        return layout;
    }

    /** Activation of the hidden layers. */
    public Activation hiddenActivation() {
        return hiddenActivation;
    }

    /** Activation of the output layer. */
    public Activation outputActivation() {
        return outputActivation;
    }

    /** The initialisation scheme the weights were drawn with. */
    public WeightInit weightInit() {
        return weightInit;
    }

    /** The seed the weights were drawn from. */
    public long seed() {
        return seed;
    }

    /** L2 weight decay coefficient added to the weight gradients (biases are not decayed). */
    public float l2() {
        return l2;
    }

    /** The optimizer and its state. */
    public Optimizer optimizer() {
        return optimizer;
    }

    /** The BLAS backend this network's GEMMs run on. */
    public Blas blas() {
        return blas;
    }

    /**
     * Forward pass of any number of rows, in chunks of {@value #CHUNK_ROWS} rows (one set of GEMMs
     * per chunk), so memory use stays bounded.
     *
     * <p>Bits: the same rows on the same backend, CPU kernel and BLAS thread count give the same
     * bits on every call, from any thread, and {@link #forwardBatch} runs the very same chunks. A row computed in
     * a chunk of another size (alone, or among other rows) can differ in its last bits, because a
     * native BLAS may add a product's terms in an order that depends on the matrix shape (OpenBLAS's
     * Haswell and Zen kernels do) or on its thread count; it agrees within float rounding.
     *
     * @param inputs {@code batchSize x inputSize()} row-major
     * @return a new {@code batchSize x outputSize()} array of outputs (after the output activation)
     * @throws IllegalArgumentException if {@code inputs} is null or not of that length
     */
    public float[] forward(float[] inputs, int batchSize) {
        float[] out = new float[checkedOutputLength(inputs, batchSize)];
        forward(inputs, batchSize, out);
        return out;
    }

    /**
     * {@link #forward(float[], int)} into a caller-owned array; allocates nothing once warmed up.
     *
     * @param out receives {@code batchSize x outputSize()} outputs
     * @throws IllegalArgumentException on a wrong length of {@code inputs} or {@code out}
     */
    public void forward(float[] inputs, int batchSize, float[] out) {
        checkedOutputLength(inputs, batchSize);
        Checks.matrix("out", out, batchSize, outputSize());
        engine.forward(inputs, batchSize, out, threadSafe);
    }

    /** The same as {@link #forward(float[], int)}, bit for bit: both run chunks of {@value #CHUNK_ROWS} rows. */
    public float[] forwardBatch(float[] inputs, int batchSize) {
        return forward(inputs, batchSize);
    }

    /** {@link #forward(float[], int)} on the thread-safe path, whatever {@link #isThreadSafe()} says. */
    public float[] forwardThreadSafe(float[] inputs, int batchSize) {
        float[] out = new float[checkedOutputLength(inputs, batchSize)];
        engine.forward(inputs, batchSize, out, true);
        return out;
    }

    /** {@link #forwardBatch} on the thread-safe path, whatever {@link #isThreadSafe()} says. */
    public float[] forwardBatchThreadSafe(float[] inputs, int batchSize) {
        return forwardThreadSafe(inputs, batchSize);
    }

    /**
     * One optimizer step on one mini-batch: forward, backward, L2 decay if set, update.
     *
     * @param targets {@code batchSize x outputSize()} row-major
     * @param learningRate finite and positive
     * @return the mean loss of the batch before the update
     * @throws IllegalArgumentException on wrong shapes, batch size or learning rate
     * @throws NonFiniteLossException if the loss is NaN or infinite; the update is then not applied
     */
    public float trainBatch(float[] inputs, float[] targets, LossType loss, float learningRate, int batchSize) {
        return train(inputs, targets, loss, learningRate, batchSize, threadSafe);
    }

    /** {@link #trainBatch} on the thread-safe path, whatever {@link #isThreadSafe()} says. */
    public float trainBatchThreadSafe(float[] inputs, float[] targets, LossType loss, float learningRate,
                                      int batchSize) {
        return train(inputs, targets, loss, learningRate, batchSize, true);
    }

    /**
     * Mean loss over {@code batchSize} rows without updating, computed in chunks.
     *
     * @throws IllegalArgumentException on wrong shapes or batch size
     */
    public float evaluate(float[] inputs, float[] targets, LossType loss, int batchSize) {
        return evaluate(inputs, targets, loss, batchSize, threadSafe);
    }

    /** {@link #evaluate} on the thread-safe path, whatever {@link #isThreadSafe()} says. */
    public float evaluateThreadSafe(float[] inputs, float[] targets, LossType loss, int batchSize) {
        return evaluate(inputs, targets, loss, batchSize, true);
    }

    /**
     * Forward pass of a sparse batch: the first layer reads only the non-zeros (cost non-zeros x
     * its width), the rest is dense. Equals {@link #forward(float[], int)} on the dense form of the
     * rows up to float rounding.
     *
     * @return a new {@code inputs.rows() x outputSize()} array of outputs
     * @throws IllegalArgumentException if {@code inputs} is null or its width is not {@link #inputSize()}
     */
    public float[] forward(SparseBatch inputs) {
        checkSparse(inputs);
        float[] out = new float[inputs.rows() * outputSize()];
        engine.forward(inputs, out, threadSafe);
        return out;
    }

    /**
     * One optimizer step on a sparse mini-batch, updating lazily: of the first layer's weights only
     * the rows of the columns the batch holds non-zeros in are decayed (L2) and stepped, with their
     * optimizer state (momentum's velocity, Adam's moments); the other rows and their state stay
     * as they are, as if their gradient had not been seen. Adam's bias correction uses the global
     * step count. Every other parameter (biases, later layers) is updated as by
     * {@link #trainBatch(float[], float[], LossType, float, int)}. Where the batch touches every
     * column, or without L2 and with plain SGD, this equals the dense step up to float rounding.
     *
     * @param targets {@code inputs.rows() x outputSize()} row-major
     * @return the mean loss of the batch before the update
     * @throws IllegalArgumentException on wrong shapes or learning rate
     * @throws NonFiniteLossException if the loss is NaN or infinite; the update is then not applied
     */
    public float trainBatch(SparseBatch inputs, float[] targets, LossType loss, float learningRate) {
        checkSparseTargets(inputs, targets, loss);
        Checks.learningRate(learningRate);
        return engine.train(inputs, targets, loss, learningRate, threadSafe);
    }

    /**
     * Mean loss over the rows of a sparse batch without updating.
     *
     * @throws IllegalArgumentException on wrong shapes
     */
    public float evaluate(SparseBatch inputs, float[] targets, LossType loss) {
        checkSparseTargets(inputs, targets, loss);
        return engine.evaluate(inputs, targets, loss, threadSafe);
    }

    /**
     * Copies parameters {@code [start, end)} into {@code out} from {@code at}: part of
     * {@link #getParameters()} without copying the rest, e.g. the touched rows of a wide layer.
     *
     * @throws IllegalArgumentException if the range or the target does not fit
     */
    public void copyParameters(int start, int end, float[] out, int at) {
        checkRange(start, end, out, at);
        ParameterStore.Buffer pinned = engine.store().pin();
        try {
            System.arraycopy(pinned.values, start, out, at, end - start);
        } finally {
            engine.store().unpin(pinned);
        }
    }

    /**
     * Replaces parameters {@code [start, end)} with {@code values[at .. at + end - start)}; the rest
     * and the optimizer state are kept. With thread safety enabled the change is atomic for
     * readers (and copies the whole vector); otherwise it is made in place.
     *
     * @throws IllegalArgumentException if the range does not fit or a value is not finite
     */
    public void setParameters(int start, int end, float[] values, int at) {
        checkRange(start, end, values, at);
        for (int i = at; i < at + end - start; i++) {
            if (!Float.isFinite(values[i])) {
                throw new IllegalArgumentException("values[" + i + "]: expected a finite value, got " + values[i]);
            }
        }
        ParameterStore.Step write = (from, to, unusedGradient, unusedRate) -> {
            if (from != to) {
                System.arraycopy(from, 0, to, 0, from.length);
            }
            System.arraycopy(values, at, to, start, end - start);
        };
        engine.store().update(write, null, 0f, threadSafe);
    }

    /**
     * Synchronous data-parallel training over all rows with one worker thread per processor
     * available to the JVM, placed on the machine's NUMA nodes (see {@link ParallelTrainer}).
     * Each epoch shuffles the rows (seeded by {@link #seed()} and the epoch count, so repeated
     * calls continue the sequence) and runs mini-batches of {@code batchSize} rows, the last one
     * partial. Equals serial training on the same batches up to float rounding.
     *
     * @param inputs {@code rows x inputSize()} row-major
     * @param targets {@code rows x outputSize()} row-major
     * @return the mean per-row loss of the last epoch
     * @throws IllegalArgumentException on inconsistent shapes or non-positive sizes or rate
     * @throws NonFiniteLossException naming the epoch and step that diverged; the parameters of the
     *     last good step are kept
     */
    public float trainParallelNuma(float[] inputs, float[] targets, LossType loss, float learningRate,
                                   int batchSize, int epochs) {
        synchronized (engine) {
            try (ParallelTrainer trainer = new ParallelTrainer(this)) {
                trainer.setEpochsCompleted(parallelEpochs);
                try {
                    return trainer.trainEpochs(inputs, targets, loss, learningRate, batchSize, epochs, seed);
                } finally {
                    parallelEpochs = trainer.epochsCompleted();
                }
            }
        }
    }

    /**
     * Mean loss over {@code batchSize} rows computed by all processors: the chunks of
     * {@link #evaluate}, summed in the same order. Each worker runs the native BLAS on one thread,
     * so the result is bit for bit what {@link #evaluate} returns where its BLAS calls run on one
     * thread too (a pure-Java backend, a {@link BlasThreads#singleThreaded()} section,
     * {@code OPENBLAS_NUM_THREADS=1}); with a multithreaded BLAS they agree within float rounding.
     *
     * @throws IllegalArgumentException on wrong shapes or batch size
     */
    public float evaluateParallelNuma(float[] inputs, float[] targets, LossType loss, int batchSize) {
        checkTargets(inputs, targets, loss, batchSize);
        try (ParallelTrainer trainer = new ParallelTrainer(this)) {
            return trainer.evaluate(inputs, targets, loss, batchSize);
        }
    }

    NetworkEngine engine() {
        return engine;
    }

    /** Switches the default methods between the single-caller and the thread-safe path. */
    public void enableThreadSafety(boolean enabled) {
        threadSafe = enabled;
    }

    /** Whether the default methods take the thread-safe path. */
    public boolean isThreadSafe() {
        return threadSafe;
    }

    /** A consistent copy of the flat parameter vector (never a mix of two updates). */
    public float[] getParameters() {
        return engine.store().copy();
    }

    /**
     * Replaces every parameter atomically; optimizer state is kept.
     *
     * @throws IllegalArgumentException if the length is not {@link #parameterCount()} or a value is not finite
     */
    public void setParameters(float[] parameters) {
        checkParameters(layout, parameters);
        engine.store().replace(parameters);
    }

    /**
     * Writes the network (architecture, optimizer kind and hyper-parameters, parameters) in the
     * versioned, checksummed format of {@link NetworkFormat}. Does not close {@code out}.
     *
     * @throws IOException if writing to {@code out} fails
     */
    public void save(OutputStream out) throws IOException {
        NetworkFormat.write(this, out);
    }

    /**
     * Reads a network written by {@link #save}, on the system BLAS.
     *
     * @throws IOException on truncated, corrupted, foreign or newer-version input, with a message saying which
     */
    public static Network load(InputStream in) throws IOException {
        return NetworkFormat.read(in);
    }

    /**
     * Writes the network as an ONNX model with the outputs {@code head} describes and a dense
     * {@code features} input, recording how it was trained (optimizer, L2, seed) in the model's
     * metadata; {@link OnnxExport} gives every option (sparse input, thresholds, metadata). Does not
     * close {@code out}.
     *
     * @throws IllegalArgumentException if {@code head} does not fit the network (see {@link OnnxHead})
     * @throws IOException if writing to {@code out} fails
     */
    public void writeOnnx(OutputStream out, OnnxHead head) throws IOException {
        onnx(head).writeTo(out);
    }

    /**
     * {@link #writeOnnx(OutputStream, OnnxHead)} to a file, written whole or not at all.
     *
     * @throws java.nio.file.FileAlreadyExistsException if {@code path} exists and {@code overwrite} is false
     * @throws IOException if the file cannot be written
     */
    public void writeOnnx(Path path, OnnxHead head, boolean overwrite) throws IOException {
        onnx(head).save(path, overwrite);
    }

    private OnnxExport onnx(OnnxHead head) {
        return OnnxExport.of(this).head(head)
                .metadata("kortexdl.optimizer",
                        optimizer.kind().name() + " " + Arrays.toString(optimizer.hyperParameters()))
                .metadata("kortexdl.l2", Float.toString(l2))
                .metadata("kortexdl.seed", Long.toString(seed))
                .metadata("kortexdl.weightInit", weightInit.name());
    }

    private static void checkParameters(ParameterLayout layout, float[] parameters) {
        Checks.nonNull("parameters", parameters);
        if (parameters.length != layout.parameterCount()) {
            throw new IllegalArgumentException("parameters: expected length " + layout.parameterCount() + " for layers "
                    + Arrays.toString(layout.sizes()) + ", got " + parameters.length);
        }
        for (int i = 0; i < parameters.length; i++) {
            if (!Float.isFinite(parameters[i])) {
                throw new IllegalArgumentException("parameters[" + i + "]: expected a finite value, got " + parameters[i]);
            }
        }
    }

    private int checkedOutputLength(float[] inputs, int batchSize) {
        Checks.batchSize(batchSize);
        Checks.matrix("inputs", inputs, batchSize, inputSize());
        return batchSize * outputSize();
    }

    private void checkTargets(float[] inputs, float[] targets, LossType loss, int batchSize) {
        checkedOutputLength(inputs, batchSize);
        Checks.matrix("targets", targets, batchSize, outputSize());
        Checks.nonNull("loss", loss);
    }

    private void checkSparse(SparseBatch inputs) {
        Checks.nonNull("inputs", inputs);
        if (inputs.columns() != inputSize()) {
            throw new IllegalArgumentException("inputs: expected a batch of width inputSize() = " + inputSize()
                    + ", got " + inputs.columns() + " columns");
        }
    }

    private void checkSparseTargets(SparseBatch inputs, float[] targets, LossType loss) {
        checkSparse(inputs);
        Checks.matrix("targets", targets, inputs.rows(), outputSize());
        Checks.nonNull("loss", loss);
    }

    private void checkRange(int start, int end, float[] array, int at) {
        Checks.nonNull("values", array);
        if (start < 0 || end > parameterCount() || start > end) {
            throw new IllegalArgumentException("range: expected 0 <= start <= end <= " + parameterCount() + ", got ["
                    + start + ", " + end + ")");
        }
        if (at < 0 || (long) at + end - start > array.length) {
            throw new IllegalArgumentException("at: " + (end - start) + " values from " + at + " do not fit an array of "
                    + array.length);
        }
    }

    private float train(float[] inputs, float[] targets, LossType loss, float learningRate, int batchSize,
                        boolean safe) {
        checkTargets(inputs, targets, loss, batchSize);
        Checks.learningRate(learningRate);
        return engine.train(inputs, targets, loss, learningRate, batchSize, safe);
    }

    private float evaluate(float[] inputs, float[] targets, LossType loss, int batchSize, boolean safe) {
        checkTargets(inputs, targets, loss, batchSize);
        return engine.evaluate(inputs, targets, loss, batchSize, safe);
    }

    /**
     * Configures a {@link Network}: {@code Network.builder().layers(784, 256, 128, 10)
     * .hiddenActivation(Activation.RELU).optimizer(OptimizerKind.ADAM).seed(7).build()}.
     * Every option has a default; only {@link #layers} is required.
     */
    public static final class Builder {
        /** The seed used when none is set. */
        public static final long DEFAULT_SEED = 42L;

        private int[] layers;
        private Activation hiddenActivation = Activation.RELU;
        private Activation outputActivation = Activation.IDENTITY;
        private WeightInit weightInit;
        private long seed = DEFAULT_SEED;
        private float l2;
        private OptimizerKind optimizerKind = OptimizerKind.SGD;
        private float[] hyperParameters;
        private Optimizer optimizerInstance;
        private Blas blas;
        private float[] parameters;

        private Builder() {
        }

        /** Layer widths, input first; at least two, each at least 1. */
        public Builder layers(int... sizes) {
            Checks.nonNull("layers", sizes);
            new ParameterLayout(sizes);
            this.layers = sizes.clone();
            return this;
        }

        /** Activation of every hidden layer (default {@link Activation#RELU}). */
        public Builder hiddenActivation(Activation activation) {
            Checks.nonNull("hiddenActivation", activation);
            this.hiddenActivation = activation;
            return this;
        }

        /** Activation of the output layer (default {@link Activation#IDENTITY}; the losses apply softmax/sigmoid themselves). */
        public Builder outputActivation(Activation activation) {
            Checks.nonNull("outputActivation", activation);
            this.outputActivation = activation;
            return this;
        }

        /** Weight initialisation (default: He for ReLU hidden layers, Xavier otherwise). */
        public Builder weightInit(WeightInit init) {
            Checks.nonNull("weightInit", init);
            this.weightInit = init;
            return this;
        }

        /** Seed of the weight initialisation (default {@value #DEFAULT_SEED}). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** L2 weight decay coefficient, {@code >= 0}, applied to weights only (default 0). */
        public Builder l2(float coefficient) {
            if (!(coefficient >= 0f) || Float.isInfinite(coefficient)) {
                throw new IllegalArgumentException("l2: expected a finite value >= 0, got " + coefficient);
            }
            this.l2 = coefficient;
            return this;
        }

        /** The optimizer, with its default hyper-parameters (default {@link OptimizerKind#SGD}). */
        public Builder optimizer(OptimizerKind kind) {
            Checks.nonNull("optimizer", kind);
            this.optimizerKind = kind;
            this.hyperParameters = null;
            this.optimizerInstance = null;
            return this;
        }

        /** The optimizer with explicit hyper-parameters, in the order {@link OptimizerKind} documents. */
        public Builder optimizer(OptimizerKind kind, float... hyperParameters) {
            optimizer(kind);
            kind.create(hyperParameters, 0);
            this.hyperParameters = hyperParameters.clone();
            return this;
        }

        /**
         * A caller-made optimizer instance, used as is (its state is not copied); its state must be
         * sized for this network's {@link Network#parameterCount()}. Saving records only its
         * {@link Optimizer#kind()} and hyper-parameters, so a loaded network gets the built-in
         * optimizer of that kind.
         */
        public Builder optimizer(Optimizer optimizer) {
            Checks.nonNull("optimizer", optimizer);
            this.optimizerInstance = optimizer;
            return this;
        }

        /** The BLAS backend (default {@link Blas#system()}). */
        public Builder blas(Blas blas) {
            Checks.nonNull("blas", blas);
            this.blas = blas;
            return this;
        }

        /** Initial parameters instead of random ones; length is checked by {@link #build()}. */
        public Builder parameters(float[] values) {
            Checks.nonNull("parameters", values);
            this.parameters = values.clone();
            return this;
        }

        /**
         * Builds the network.
         *
         * @throws IllegalStateException if no layers were set
         * @throws IllegalArgumentException if the parameters do not fit the layers
         */
        public Network build() {
            if (layers == null) {
                throw new IllegalStateException("layers: not set; call layers(int...) first");
            }
            return new Network(this);
        }
    }
}
