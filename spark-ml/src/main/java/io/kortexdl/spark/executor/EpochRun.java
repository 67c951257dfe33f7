package io.kortexdl.spark.executor;

import io.kortexdl.kernels.Network;
import io.kortexdl.spark.collective.Collective;

/**
 * The steps of one epoch of one block, and the syncs that keep the blocks equal: one
 * implementation per sync mode, chosen by the {@link EpochPlan}. {@link ExactEpochRun} sums the
 * blocks' gradients every step and applies one identical optimizer step (exact synchronous SGD);
 * {@link AveragedEpochRun} runs K local steps, then averages parameters and optimizer state over
 * the blocks, weighted by the rows each covered. Sparse blocks exchange only the first-layer rows
 * some block changed ({@link SyncRanges}). Either way every block ends every sync with the same
 * bits, and a block whose loss diverges stops every block at the same sync.
 *
 * <p>A sync's buffer ends with one flag value, non-zero when some block diverged since the last
 * sync: the sum of everyone's flags tells every block at once.
 */
abstract class EpochRun {
    protected final Network network;
    protected final BlockSteps steps;
    /** The block's rows in this epoch's order. */
    protected final EpochRows rows;
    protected final EpochPlan plan;
    protected final EpochRequest request;
    protected final Collective collective;
    /** This block's rank, which is its block index. */
    protected final int me;
    /** Rows this block takes per step. */
    protected final int share;
    protected final int parameterCount;
    private final String executor;
    private final long bytesBefore;
    private final long started = System.nanoTime();
    private int syncs;
    private long syncNanos;
    /** Loss summed over the rows trained so far, each measured before its step's update. */
    protected double lossSum;
    /** Rows trained so far. */
    protected long rowsTrained;

    protected EpochRun(Network network, BlockSteps steps, EpochRows rows, EpochPlan plan, EpochRequest request,
                       Collective collective, String executor) {
        this.network = network;
        this.steps = steps;
        this.rows = rows;
        this.plan = plan;
        this.request = request;
        this.collective = collective;
        this.executor = executor;
        this.me = collective.rank();
        this.share = plan.share(me);
        this.parameterCount = network.parameterCount();
        this.bytesBefore = collective.bytesSent();
    }

    /** The run {@code plan} calls for: exact when several blocks sync every step, averaged otherwise. */
    static EpochRun of(Network network, BlockSteps steps, EpochRows rows, EpochPlan plan, EpochRequest request,
                       Collective collective, String executor) {
        return plan.exact() ? new ExactEpochRun(network, steps, rows, plan, request, collective, executor)
                : new AveragedEpochRun(network, steps, rows, plan, request, collective, executor);
    }

    /**
     * Trains the epoch's steps of this block.
     *
     * @throws io.kortexdl.spark.collective.CollectiveException when a peer fails
     */
    abstract EpochResult run();

    /** What this sync exchanges: everything for dense blocks, the union of the blocks' changed rows otherwise. */
    protected final SyncRanges ranges(int[] localRows) {
        if (localRows == null) {
            return SyncRanges.all(parameterCount);
        }
        long start = System.nanoTime();
        int[] union = SyncRanges.union(collective, localRows);
        syncNanos += System.nanoTime() - start; // part of the sync's time, as its bytes are part of its bytes
        return SyncRanges.rows(network.layout(), union);
    }

    /** {@code buffer} if it holds {@code length} values, else a new buffer that does. */
    protected static float[] ensure(float[] buffer, int length) {
        return buffer.length >= length ? buffer : new float[length];
    }

    /** Sums {@code buffer[0 .. length)} over the blocks, timing it. */
    protected final void sync(float[] buffer, int length) {
        long start = System.nanoTime();
        collective.allreduceSum(buffer, length);
        syncNanos += System.nanoTime() - start;
        syncs++;
    }

    /** The result of an epoch that ran to its end. */
    protected final EpochResult trained() {
        return new EpochResult(me, executor, EpochResult.Status.TRAINED, rowsTrained, lossSum, null, stats());
    }

    /**
     * The result of an epoch stopped by a divergence.
     *
     * @param here whether this block diverged (else another one did)
     * @param step the 1-based step where this block diverged
     * @param loss the non-finite batch loss, NaN when only the summed gradient was non-finite
     */
    protected final EpochResult stopped(boolean here, int step, float loss) {
        return new EpochResult(me, executor, here ? EpochResult.Status.DIVERGED : EpochResult.Status.STOPPED_BY_PEER,
                rowsTrained, lossSum, here ? new EpochResult.Divergence(request.epoch() + 1, step, loss) : null, stats());
    }

    private EpochResult.SyncStats stats() {
        return new EpochResult.SyncStats(syncs, syncNanos / 1e9, collective.bytesSent() - bytesBefore,
                (System.nanoTime() - started) / 1e9, rows.takeWaitSeconds());
    }
}
