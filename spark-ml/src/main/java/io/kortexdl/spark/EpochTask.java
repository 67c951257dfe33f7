package io.kortexdl.spark;

import io.kortexdl.spark.collective.Collective;
import io.kortexdl.spark.collective.CollectiveSettings;
import io.kortexdl.spark.collective.Peer;
import io.kortexdl.spark.collective.TcpCollective;
import io.kortexdl.spark.executor.BlockTrainer;
import io.kortexdl.spark.executor.ChunkUnavailableException;
import io.kortexdl.spark.executor.EpochRequest;
import io.kortexdl.spark.executor.EpochResult;
import io.kortexdl.spark.executor.TrainerRegistry;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.rdd.RDD;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * The body of one epoch's training task, one per block. With several blocks the tasks run
 * together as a Spark barrier stage, which launches all of them or none and fails all when one
 * fails. Every task joins the epoch's {@link EpochChannel}, announcing its executor, its rows and
 * (with several blocks) a listener on its executor's own address, asking for the start state
 * only when its trainer does not hold it; with several blocks it connects to the others
 * ({@link TcpCollective}) and trains the whole epoch, syncing directly with its peers. Block 0
 * gives the state the epoch ends with back through the channel. When any block has no cached copy
 * left, every task returns {@link EpochResult.Status#BLOCK_MISSING} before training, so the driver
 * can recompute the block and run the epoch again.
 */
final class EpochTask implements Serializable {
    private static final long serialVersionUID = 2L;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EpochTask.class);

    private final TrainingSpec spec;
    private final EpochRequest request;
    private final int rddId;
    private final EpochChannel.Access channel;
    private final CollectiveSettings network;

    /**
     * @param channel where the epoch's tasks meet and its state travels
     * @param network the collective's ports, timeouts and protection
     */
    EpochTask(TrainingSpec spec, EpochRequest request, int rddId, EpochChannel.Access channel,
              CollectiveSettings network) {
        this.spec = spec;
        this.request = request;
        this.rddId = rddId;
        this.channel = channel;
        this.network = network;
    }

    /**
     * The epoch's tasks over {@code indices} (one partition per block, block {@code i} in
     * partition {@code i}): a barrier stage with several blocks, a plain one with one block (which
     * also runs under dynamic allocation, where Spark refuses barrier stages).
     */
    JavaRDD<EpochResult> over(JavaRDD<Integer> indices) {
        if (spec.blockCount() == 1) {
            return indices.mapPartitions(blocks -> List.of(run(blocks.next(), TaskContext.get()::isInterrupted))
                    .iterator());
        }
        RDD<EpochResult> rdd = indices.rdd().barrier().mapPartitions(new BarrierBody(this), false,
                ClassTag$.MODULE$.apply(EpochResult.class));
        return rdd.toJavaRDD();
    }

    /** Trains block {@code block}; {@code cancelled} tells when Spark has killed the task. */
    EpochResult run(int block, BooleanSupplier cancelled) {
        String executor = SparkEnv.get().executorId();
        try (TrainerRegistry.Lease<BlockTrainers.Held> lease = BlockTrainers.acquire(spec, block, rddId)) {
            if (lease == null) {
                channel.join(block, Announcement.blockMissing(executor), false, network, cancelled).close();
                return EpochResult.blockMissing(block, executor);
            }
            try {
                return train(block, lease.value().trainer(), executor, cancelled);
            } catch (ChunkUnavailableException e) {
                // Nothing of the chunk was trained on. The block is packed again from its source: at once with one
                // block; with several, after this barrier stage fails and the driver runs the epoch again.
                LOG.warn("KortexDL: {}; block {} is packed again from its source", e.getMessage(), block);
                BlockTrainers.forget(spec.runId(), rddId, block);
                if (spec.blockCount() == 1) {
                    return EpochResult.blockMissing(block, executor);
                }
                throw e;
            }
        }
    }

    private EpochResult train(int block, BlockTrainer trainer, String executor, BooleanSupplier cancelled) {
        boolean alone = spec.blockCount() == 1;
        String host = alone ? "-" : SparkEnv.get().blockManager().blockManagerId().host();
        TcpCollective.Listener listener = alone ? null : TcpCollective.listen(host, network, block,
                spec.blockCount(), channel.token(), CollectiveSecurity.guard(network));
        try {
            Announcement mine = Announcement.ready(executor, host, alone ? 0 : listener.port(), trainer.rows());
            boolean wantsStart = !trainer.holdsStartOf(request.epoch());
            try (EpochChannel.Meeting meeting = channel.join(block, mine, wantsStart, network, cancelled)) {
                List<Announcement> all = meeting.announcements();
                List<Peer> peers = new ArrayList<>();
                int[] rows = new int[all.size()];
                for (int rank = 0; rank < all.size(); rank++) {
                    Announcement other = all.get(rank);
                    if (other.status() == Announcement.Status.BLOCK_MISSING) {
                        return EpochResult.blockMissing(block, executor);
                    }
                    peers.add(other.peer(rank));
                    rows[rank] = other.rows();
                }
                EpochResult result;
                try (Collective collective = alone ? Collective.solo()
                        : TcpCollective.connect(listener, peers, network, cancelled)) {
                    listener = null; // the collective owns it now
                    result = trainer.trainEpoch(request, meeting::start, collective, rows, executor);
                }
                if (result.status() == EpochResult.Status.TRAINED && block == 0) {
                    meeting.giveEnd(trainer.state());
                }
                return result;
            }
        } finally {
            if (listener != null) {
                listener.close();
            }
        }
    }

    /** The barrier stage's partition function: one block index in, one result out. */
    private static final class BarrierBody
            extends AbstractFunction1<scala.collection.Iterator<Integer>, scala.collection.Iterator<EpochResult>>
            implements Serializable {
        private static final long serialVersionUID = 1L;
        private final EpochTask task;

        BarrierBody(EpochTask task) {
            this.task = task;
        }

        @Override
        public scala.collection.Iterator<EpochResult> apply(scala.collection.Iterator<Integer> blocks) {
            BarrierTaskContext barrier = BarrierTaskContext.get();
            EpochResult result = task.run(blocks.next(), barrier::isInterrupted);
            Iterator<EpochResult> one = List.of(result).iterator();
            return CollectionConverters.asScala(one);
        }
    }
}
