package io.kortexdl.spark.executor;

import io.kortexdl.kernels.Network;
import io.kortexdl.spark.collective.Collective;
import java.util.function.Supplier;

/**
 * One block's trainer on its executor: the block's rows ({@link EpochRows}: on the heap, or
 * streamed from local disk), a network and its multithreaded {@link BlockSteps} (dense or sparse
 * rows), kept between the epochs of a fit so threads and buffers are built once, and the state
 * after an epoch stays here for the next one.
 *
 * <p>An epoch runs as an {@link EpochRun}: exact synchronous SGD when several blocks sync every
 * step, local steps with parameter averaging otherwise. Everything depends only on the request,
 * the blocks and the starting state, so an attempt that Spark reruns returns the same bits.
 * Methods are synchronized: a task attempt that Spark starts while an earlier one still runs
 * waits for it.
 */
public final class BlockTrainer implements AutoCloseable {
    private final TrainerSettings settings;
    private final Network network;
    private final BlockSteps steps;
    private final EpochRows rows;
    /** The epochs the held state has seen, or -1 while it is not a consistent epoch boundary. */
    private int heldEpochs = -1;

    /**
     * Starts the block's worker threads; {@link #close()} stops them.
     *
     * @param network the network to train, with the fit's architecture and optimizer; this trainer owns it
     */
    public BlockTrainer(Network network, BlockData data, TrainerSettings settings) {
        this.network = network;
        this.rows = new EpochRows(data.rows(), settings.seed(), data.block(), data.windowChunks(), data.inputs(),
                data.outputs());
        try {
            this.steps = data.rows().sparse() ? new SparseBlockSteps(network, settings.threads(), settings.loss())
                    : new DenseBlockSteps(network, settings.threads(), settings.loss());
        } catch (RuntimeException | Error e) {
            rows.close();
            throw e;
        }
        this.settings = settings;
    }

    /** Training rows of this block. */
    public int rows() {
        return rows.rows();
    }

    /** Whether this trainer holds the state epoch {@code epoch} (0-based) starts from. */
    public synchronized boolean holdsStartOf(int epoch) {
        return heldEpochs == epoch;
    }

    /**
     * Runs epoch {@code request.epoch()} of this block as participant {@code collective.rank()}.
     *
     * @param start the state to start from, called only when this trainer does not hold it
     * @param blockRows the training rows of every block, in block order (every participant passes the same)
     * @param executor this JVM's Spark executor id, for the result
     * @throws io.kortexdl.spark.collective.CollectiveException when a peer fails
     */
    public synchronized EpochResult trainEpoch(EpochRequest request, Supplier<TrainingState> start,
                                               Collective collective, int[] blockRows, String executor) {
        if (heldEpochs != request.epoch()) {
            TrainingState state = start.get();
            network.setParameters(state.parameters());
            network.optimizer().importState(state.optimizerState(), 0, state.optimizerSteps());
        }
        heldEpochs = -1;
        rows.startEpoch(request.epoch());
        EpochPlan plan = new EpochPlan(settings.globalBatch(), settings.stepsPerEpoch(), blockRows,
                request.syncInterval());
        EpochResult result = EpochRun.of(network, steps, rows, plan, request, collective, executor).run();
        if (result.status() == EpochResult.Status.TRAINED) {
            heldEpochs = request.epoch() + 1;
        }
        return result;
    }

    /** The state this trainer holds now: after a trained epoch, the state every block ends it with. */
    public synchronized TrainingState state() {
        float[] optimizerState = new float[network.optimizer().stateSize()];
        network.optimizer().exportState(optimizerState, 0);
        return new TrainingState(network.getParameters(), optimizerState, network.optimizer().steps());
    }

    /** Stops the worker threads and the block's reader, waiting for them. */
    @Override
    public void close() {
        try {
            steps.close();
        } finally {
            rows.close();
        }
    }
}
