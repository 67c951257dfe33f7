package io.kortexdl.kernels;

import io.kortexdl.kernels.blas.BlasThreads;
import java.util.concurrent.Phaser;

/**
 * Synchronous data-parallel training of one {@link Network} by a fixed team of worker threads
 * placed on NUMA nodes: each global mini-batch is split across the workers, each computes the
 * gradient of its share with single-threaded BLAS, the gradients are summed in a fixed order
 * (within each node, then across nodes) and one optimizer step is applied. The result equals
 * serial training on the same batches up to float rounding and is bitwise reproducible for a
 * given worker count and seed.
 *
 * <p>This is the engine of one Spark executor as well as of {@link Network#trainParallelNuma}:
 * besides whole epochs it runs a number of steps over a block of rows it is given
 * ({@link #trainSteps}), computes a gradient sum without updating ({@link #gradientSum}) and
 * applies one ({@link #applyGradientSum}).
 *
 * <p>The workers own the cores, so each runs its jobs inside a {@link BlasThreads#singleThreaded()}
 * section: a native BLAS uses one thread per call while a job runs, whatever
 * {@code OPENBLAS_NUM_THREADS} says, and gets its own setting back afterwards.
 *
 * <p>Each worker pins itself to its CPU first when pinning is on ({@link #PIN_PROPERTY}), then
 * allocates its buffers, so first touch places them on its node. Workers are started once and
 * reused; {@link #close()} stops them. Calls on one trainer are
 * serialised. While a call runs, other threads may call the network's forward and evaluate
 * methods (they see whole steps) but must not train it.
 */
public final class ParallelTrainer implements AutoCloseable {
    /**
     * System property read by the constructors without a pinning argument: {@code true} pins each
     * worker to its CPU (default {@code false}). Pinning keeps a worker next to the memory it
     * first touched, which matters on multi-node machines, but it is off by default: several JVMs
     * on one host (Spark executors, for one) would each pin their workers onto the same CPUs,
     * and a pinned worker cannot move away from a core another process is busy on.
     */
    public static final String PIN_PROPERTY = "kortexdl.pinThreads";

    private static final System.Logger LOG = System.getLogger(ParallelTrainer.class.getName());
    /** Placements already logged at INFO: each is logged once per JVM. */
    private static final java.util.Set<String> LOGGED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final Network network;
    private final NetworkEngine engine;
    private final ParameterLayout layout;
    private final WorkerPlacement placement;
    private final TrainerWorker[] workers;
    private final Thread[] threads;
    private final SpinBarrier stepBarrier;
    /** Phase 2k starts job k on every worker; phase 2k+1 ends it. */
    private final Phaser gate;
    private final float[] scaledGradient;
    private final boolean pinThreads;
    private final BlasThreads blasThreads;
    private volatile TrainingJob job;
    private volatile Throwable workerFailure;
    private volatile boolean closed;
    private int epochsCompleted;

    /**
     * A trainer with one worker per processor available to the JVM, on the detected topology.
     *
     * @param network the network to train; its optimizer, L2 and BLAS backend are used
     */
    public ParallelTrainer(Network network) {
        this(network, Runtime.getRuntime().availableProcessors(), NumaTopology.detect());
    }

    /**
     * @param network the network to train
     * @param workerCount worker threads, at least 1
     * @param topology the NUMA nodes to place them on ({@link NumaTopology#detect()} for this machine)
     * @throws IllegalArgumentException if {@code workerCount < 1} or an argument is null
     */
    public ParallelTrainer(Network network, int workerCount, NumaTopology topology) {
        this(network, workerCount, topology, Boolean.getBoolean(PIN_PROPERTY));
    }

    /**
     * @param network the network to train
     * @param workerCount worker threads, at least 1
     * @param topology the NUMA nodes to place them on
     * @param pinThreads whether each worker pins itself to its CPU before allocating its buffers
     *     (see {@link #PIN_PROPERTY} for the trade-off); a failed pin is logged and training goes on
     * @throws IllegalArgumentException if {@code workerCount < 1} or an argument is null
     */
    public ParallelTrainer(Network network, int workerCount, NumaTopology topology, boolean pinThreads) {
        Checks.nonNull("network", network);
        Checks.nonNull("topology", topology);
        this.network = network;
        this.engine = network.engine();
        this.layout = network.layout();
        this.placement = topology.place(workerCount);
        this.workers = new TrainerWorker[workerCount];
        this.threads = new Thread[workerCount];
        this.stepBarrier = new SpinBarrier(workerCount);
        this.gate = new Phaser(workerCount + 1);
        this.scaledGradient = new float[layout.parameterCount()];
        this.pinThreads = pinThreads;
        this.blasThreads = network.blas().threads();
        int root = -1;
        for (int n = 0; n < topology.nodeCount() && root < 0; n++) {
            root = placement.leader(n);
        }
        for (int w = 0; w < workerCount; w++) {
            workers[w] = new TrainerWorker(w, workers, placement, stepBarrier, engine, engine.propagation(), layout, root);
        }
        for (int w = 0; w < workerCount; w++) {
            TrainerWorker worker = workers[w];
            int cpu = placement.cpu(w);
            threads[w] = new Thread(() -> {
                if (pinThreads) {
                    CpuAffinity.pinCurrentThread(cpu); // logs once when pinning fails
                }
                workerLoop(worker);
            },
                    "kortex-trainer-" + w + "-node" + topology.nodeId(placement.node(w)));
            threads[w].setDaemon(true);
            threads[w].start();
        }
        String description = "topology [" + topology + "]; " + placement + (pinThreads ? ", pinned" : ", not pinned")
                + "; BLAS " + network.blas().name();
        LOG.log(LOGGED.add(description) ? System.Logger.Level.INFO : System.Logger.Level.DEBUG,
                "KortexDL parallel trainer: {0}", description);
    }

    /** Number of worker threads. */
    public int workers() {
        return workers.length;
    }

    /** Where the workers were placed. */
    public WorkerPlacement placement() {
        return placement;
    }

    /** The network being trained. */
    public Network network() {
        return network;
    }

    /** Epochs run by {@link #trainEpochs} so far; the next epoch's shuffle is derived from it. */
    public synchronized int epochsCompleted() {
        return epochsCompleted;
    }

    /**
     * Sets the epoch count the next {@link #trainEpochs} continues from, e.g. when resuming.
     *
     * @throws IllegalArgumentException if negative
     */
    public synchronized void setEpochsCompleted(int epochs) {
        if (epochs < 0) {
            throw new IllegalArgumentException("epochs: expected >= 0, got " + epochs);
        }
        this.epochsCompleted = epochs;
    }

    /**
     * Trains {@code epochs} epochs over all rows: each epoch shuffles the rows with a permutation
     * seeded by {@code (shuffleSeed, epoch index)}, then runs mini-batches of {@code batchSize}
     * rows, the last one partial.
     *
     * @param inputs {@code rows x inputSize} row-major
     * @param targets {@code rows x outputSize} row-major
     * @return the mean per-row loss of the last epoch (losses measured before each batch's update)
     * @throws IllegalArgumentException on inconsistent shapes or non-positive sizes or rate
     * @throws NonFiniteLossException naming the epoch and step whose loss was not finite; the
     *     network keeps the parameters of the last good step
     */
    public float trainEpochs(float[] inputs, float[] targets, LossType loss, float learningRate, int batchSize,
                             int epochs, long shuffleSeed) {
        return trainEpochs(inputs, targets, loss, LearningRateSchedule.constant(learningRate), batchSize, epochs,
                shuffleSeed);
    }

    /**
     * {@link #trainEpochs(float[], float[], LossType, float, int, int, long)} with the learning
     * rate of each epoch taken from {@code schedule} at the epoch's index in the whole run
     * ({@link #epochsCompleted()} counts the epochs before this call).
     *
     * @throws IllegalArgumentException also when the schedule gives a non-finite or non-positive rate
     */
    public synchronized float trainEpochs(float[] inputs, float[] targets, LossType loss,
                                          LearningRateSchedule schedule, int batchSize, int epochs, long shuffleSeed) {
        int rows = checkedRows(inputs, targets, loss);
        Checks.nonNull("schedule", schedule);
        Checks.batchSize(batchSize);
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs: expected >= 1, got " + epochs);
        }
        int[] order = new int[rows];
        RowChunks inputChunks = RowChunks.of(inputs, layout.inputSize());
        RowChunks targetChunks = RowChunks.of(targets, layout.outputSize());
        double lastMean = Double.NaN;
        for (int e = 0; e < epochs; e++) {
            int epoch = epochsCompleted;
            float learningRate = schedule.rate(epoch);
            Checks.learningRate(learningRate);
            shuffle(order, shuffleSeed, epoch);
            int steps = (rows + batchSize - 1) / batchSize;
            TrainingJob job = new TrainingJob(TrainingJob.Mode.TRAIN, inputChunks, targetChunks, order, 0, rows,
                    batchSize, steps, loss, learningRate, "epoch " + (epoch + 1));
            run(job);
            lastMean = job.lossSum / job.rows;
            epochsCompleted++;
        }
        return (float) lastMean;
    }

    /**
     * Runs {@code steps} mini-batch steps over {@code order[from ..]}, {@code batchSize} rows per
     * step (the last step takes what is left before the end of {@code order}).
     *
     * @param order row indices into {@code inputs}/{@code targets}, e.g. this epoch's permutation
     * @return the losses and counts of the steps taken
     * @throws IllegalArgumentException on bad shapes, indices or counts
     * @throws NonFiniteLossException naming the step; that step is not applied
     */
    public TrainingProgress trainSteps(float[] inputs, float[] targets, int[] order, int from, int steps,
                                       int batchSize, LossType loss, float learningRate) {
        checkedRows(inputs, targets, loss);
        return trainSteps(RowChunks.of(inputs, layout.inputSize()), RowChunks.of(targets, layout.outputSize()), order,
                from, steps, batchSize, loss, learningRate);
    }

    /**
     * {@link #trainSteps(float[], float[], int[], int, int, int, LossType, float)} over rows held
     * in chunks: {@code order} names rows of {@code inputs}, whose targets are the same rows of
     * {@code targets}.
     *
     * @throws IllegalArgumentException also when the chunks' widths are not the network's, or
     *     {@code targets} does not lay its rows out as {@code inputs} does
     */
    public TrainingProgress trainSteps(RowChunks inputs, RowChunks targets, int[] order, int from, int steps,
                                       int batchSize, LossType loss, float learningRate) {
        checkChunks(inputs, targets, loss);
        Checks.learningRate(learningRate);
        Checks.batchSize(batchSize);
        checkOrder(order, inputs, from,
                (int) Math.min(order == null ? 0 : order.length, from + (long) Math.max(0, steps) * batchSize));
        if (steps < 0 || (long) steps * batchSize > (long) order.length - from + batchSize - 1) {
            throw new IllegalArgumentException("steps: " + steps + " steps of " + batchSize + " rows do not fit the "
                    + (order.length - from) + " rows of order after position " + from);
        }
        TrainingJob job = new TrainingJob(TrainingJob.Mode.TRAIN, inputs, targets, order, from, order.length,
                batchSize, steps, loss, learningRate, "rows from position " + from);
        run(job);
        return new TrainingProgress(job.lossSum, job.rows, job.stepsDone);
    }

    /**
     * The gradient of the summed per-row loss over {@code order[from .. from+count)}, written into
     * {@code gradientOut}; nothing is updated. Summing these over executors and dividing by the
     * total row count gives the gradient of the global mean loss.
     *
     * @return the summed per-row loss of those rows
     */
    public double gradientSum(float[] inputs, float[] targets, int[] order, int from, int count, LossType loss,
                              float[] gradientOut) {
        checkedRows(inputs, targets, loss);
        return gradientSum(RowChunks.of(inputs, layout.inputSize()), RowChunks.of(targets, layout.outputSize()),
                order, from, count, loss, gradientOut);
    }

    /**
     * {@link #gradientSum(float[], float[], int[], int, int, LossType, float[])} over rows held in
     * chunks, as {@link #trainSteps(RowChunks, RowChunks, int[], int, int, int, LossType, float)}
     * takes them.
     */
    public double gradientSum(RowChunks inputs, RowChunks targets, int[] order, int from, int count, LossType loss,
                              float[] gradientOut) {
        checkChunks(inputs, targets, loss);
        checkOrder(order, inputs, from, order == null ? 0 : from + Math.max(0, Math.min(count, order.length - from)));
        if (count < 1 || count > order.length - from) {
            throw new IllegalArgumentException("count: expected 1.." + (order.length - from) + ", got " + count);
        }
        Checks.matrix("gradientOut", gradientOut, 1, layout.parameterCount());
        TrainingJob job = new TrainingJob(TrainingJob.Mode.GRADIENT, inputs, targets, order, from, from + count, count,
                1, loss, 1f, "gradient");
        job.gradientOut = gradientOut;
        run(job);
        return job.lossSum;
    }

    /**
     * Applies one optimizer step (with the network's L2) from a gradient of a loss summed over
     * {@code rows} rows, i.e. with the gradient divided by {@code rows}.
     *
     * @throws IllegalArgumentException on a wrong length, {@code rows < 1}, a bad rate or a non-finite value
     */
    public void applyGradientSum(float[] gradientSum, long rows, float learningRate) {
        Checks.matrix("gradientSum", gradientSum, 1, layout.parameterCount());
        Checks.learningRate(learningRate);
        if (rows < 1) {
            throw new IllegalArgumentException("rows: expected >= 1, got " + rows);
        }
        synchronized (this) {
            float inverse = (float) (1.0 / rows);
            for (int i = 0; i < gradientSum.length; i++) {
                float g = gradientSum[i];
                if (!Float.isFinite(g)) {
                    throw new IllegalArgumentException("gradientSum[" + i + "]: expected a finite value, got " + g);
                }
                scaledGradient[i] = g * inverse;
            }
            engine.applyUpdate(scaledGradient, learningRate);
        }
    }

    /**
     * Mean loss over all rows, computed by every worker on the chunks of {@link Network#evaluate}
     * ({@link Network#CHUNK_ROWS} rows) and summed in chunk order: bit for bit the value
     * {@link Network#evaluate} returns with its BLAS on one thread, and within float rounding of it
     * otherwise (see {@link Network#evaluateParallelNuma}).
     */
    public float evaluate(float[] inputs, float[] targets, LossType loss, int rows) {
        if (rows < 1) {
            throw new IllegalArgumentException("rows: expected >= 1, got " + rows);
        }
        Checks.matrix("inputs", inputs, rows, layout.inputSize());
        Checks.matrix("targets", targets, rows, layout.outputSize());
        Checks.nonNull("loss", loss);
        TrainingJob job = new TrainingJob(TrainingJob.Mode.EVALUATE, RowChunks.of(inputs, layout.inputSize()),
                RowChunks.of(targets, layout.outputSize()), null, 0, rows, 0, 0, loss, 0f, "evaluate");
        job.chunkLoss = new double[(rows + Network.CHUNK_ROWS - 1) / Network.CHUNK_ROWS];
        run(job);
        double sum = 0;
        for (double chunk : job.chunkLoss) {
            sum += chunk;
        }
        return (float) (sum / rows);
    }

    /** A consistent copy of the network's parameters. */
    public float[] getParameters() {
        return network.getParameters();
    }

    /** Replaces the network's parameters (e.g. with the average over executors). */
    public synchronized void setParameters(float[] parameters) {
        network.setParameters(parameters);
    }

    /** Stops the worker threads; the trainer cannot be used afterwards. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        gate.arriveAndDeregister();
        for (Thread thread : threads) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private synchronized void run(TrainingJob next) {
        if (closed) {
            throw new IllegalStateException("this ParallelTrainer is closed");
        }
        stepBarrier.reset();
        workerFailure = null;
        job = next;
        gate.arriveAndAwaitAdvance();
        gate.arriveAndAwaitAdvance();
        job = null;
        if (next.error != null) {
            throw next.error;
        }
        if (workerFailure != null) {
            throw new IllegalStateException("a training worker failed: " + workerFailure, workerFailure);
        }
    }

    private void workerLoop(TrainerWorker worker) {
        while (true) {
            gate.arriveAndAwaitAdvance();
            if (closed) {
                gate.arriveAndDeregister();
                return;
            }
            try (BlasThreads.Section section = blasThreads.singleThreaded()) {
                worker.run(job);
            } catch (SpinBarrier.BrokenException e) {
                // another worker failed and recorded why
            } catch (Throwable t) {
                synchronized (gate) {
                    if (workerFailure == null) {
                        workerFailure = t;
                    }
                }
                stepBarrier.breakBarrier();
            }
            gate.arriveAndAwaitAdvance();
        }
    }

    private int checkedRows(float[] inputs, float[] targets, LossType loss) {
        Checks.nonNull("inputs", inputs);
        Checks.nonNull("targets", targets);
        Checks.nonNull("loss", loss);
        int in = layout.inputSize();
        if (inputs.length == 0 || inputs.length % in != 0) {
            throw new IllegalArgumentException("inputs: expected a positive multiple of inputSize " + in
                    + " floats, got " + inputs.length);
        }
        int rows = inputs.length / in;
        Checks.matrix("targets", targets, rows, layout.outputSize());
        return rows;
    }

    private void checkChunks(RowChunks inputs, RowChunks targets, LossType loss) {
        Checks.nonNull("inputs", inputs);
        Checks.nonNull("targets", targets);
        Checks.nonNull("loss", loss);
        if (inputs.width() != layout.inputSize() || targets.width() != layout.outputSize()) {
            throw new IllegalArgumentException("inputs and targets: expected rows of " + layout.inputSize() + " and "
                    + layout.outputSize() + " values, got " + inputs.width() + " and " + targets.width());
        }
        if (!inputs.sameRowsAs(targets)) {
            throw new IllegalArgumentException("targets: expected one row for each row of inputs, in chunks of the"
                    + " same rows");
        }
    }

    /** Checks that {@code from} is a position of {@code order} and that positions {@code [from, end)} name rows. */
    private static void checkOrder(int[] order, RowChunks rows, int from, int end) {
        Checks.nonNull("order", order);
        if (from < 0 || from >= order.length) {
            throw new IllegalArgumentException("from: expected 0.." + (order.length - 1) + ", got " + from);
        }
        for (int i = from; i < end; i++) {
            if (!rows.holds(order[i])) {
                throw new IllegalArgumentException("order[" + i + "]: expected " + (rows.chunkCount() == 1
                        ? "a row index 0.." + (rows.chunkRows(0) - 1) : "a row the chunks hold") + ", got " + order[i]);
            }
        }
    }

    /** The identity permutation shuffled from a generator seeded by (seed, epoch). */
    static void shuffle(int[] order, long seed, int epoch) {
        Permutations.shuffleIdentity(order, seed ^ (0x9E3779B97F4A7C15L * (epoch + 1)));
    }
}
