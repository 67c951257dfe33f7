package io.kortexdl.spark;

import io.kortexdl.spark.collective.Collective;
import io.kortexdl.spark.collective.Peer;
import io.kortexdl.spark.collective.Rendezvous;
import io.kortexdl.spark.collective.TcpCollective;
import java.io.IOException;
import java.io.Serializable;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.rdd.RDD;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * The body of one epoch's training task, one per block. With several blocks the tasks run
 * together as a Spark barrier stage, which launches all of them or none and fails all when one
 * fails. Each binds a listener on its executor's own address and meets the others at the epoch's
 * {@link Rendezvous} on the driver, publishing {@code executor host port rows} and asking for the
 * start state only when its trainer does not hold it; it connects to the others
 * ({@link TcpCollective}) and trains the whole epoch, syncing directly with its peers. Block 0
 * sends the state the epoch ends with back through the rendezvous. The driver sees only the
 * epoch's start and end. When any block has no cached copy left, every task returns
 * {@link EpochResult.Status#BLOCK_MISSING} before training, so the driver can recompute the block
 * and run the epoch again.
 */
final class EpochTask implements Serializable {
    private static final long serialVersionUID = 1L;

    private final TrainingSpec spec;
    private final EpochRequest request;
    private final int rddId;
    private final Rendezvous.Address rendezvous;

    /** @param rendezvous where the blocks' tasks meet, or null for a single block */
    EpochTask(TrainingSpec spec, EpochRequest request, int rddId, Rendezvous.Address rendezvous) {
        this.spec = spec;
        this.request = request;
        this.rddId = rddId;
        this.rendezvous = rendezvous;
    }

    /**
     * The epoch's tasks over {@code indices} (one partition per block, block {@code i} in
     * partition {@code i}): a barrier stage when {@code together}, else a plain one.
     */
    JavaRDD<EpochResult> over(JavaRDD<Integer> indices, boolean together) {
        if (!together) {
            return indices.mapPartitions(blocks -> List.of(run(blocks.next(), null)).iterator());
        }
        RDD<EpochResult> rdd = indices.rdd().barrier().mapPartitions(new BarrierBody(this), false,
                ClassTag$.MODULE$.apply(EpochResult.class));
        return rdd.toJavaRDD();
    }

    /** Trains block {@code block}; {@code barrier} is null when it is the only block. */
    EpochResult run(int block, BarrierTaskContext barrier) {
        String executor = SparkEnv.get().executorId();
        ExecutorTrainer trainer = ExecutorTrainer.acquire(spec, block, rddId);
        try {
            if (trainer == null) {
                return barrier == null ? EpochResult.blockMissing(block, executor) : missing(block, barrier, executor);
            }
            if (barrier == null) {
                // No start broadcast in local mode: the state passes by reference within the driver's JVM.
                boolean byReference = request.start() == null;
                EpochResult result = trainer.trainEpoch(request, byReference
                        ? () -> DriverJvmStates.get(DriverJvmStates.start(spec.runId())) : () -> request.start().value(),
                        Collective.solo(), new int[] {trainer.rows()}, executor);
                if (byReference && result.state() != null) {
                    DriverJvmStates.put(DriverJvmStates.end(spec.runId()), result.state());
                    result = result.withoutState();
                }
                return result;
            }
            return together(block, barrier, trainer, executor);
        } finally {
            if (trainer != null) {
                trainer.done();
            }
        }
    }

    /** Tells the others at the rendezvous that this block is missing. */
    private EpochResult missing(int block, BarrierTaskContext barrier, String executor) {
        Rendezvous.join(rendezvous, block, "missing", false, request.network(), barrier::isInterrupted).close();
        return EpochResult.blockMissing(block, executor);
    }

    private EpochResult together(int block, BarrierTaskContext barrier, ExecutorTrainer trainer, String executor) {
        String host = SparkEnv.get().blockManager().blockManagerId().host();
        ServerSocketChannel listener = TcpCollective.listen(host, request.network());
        try {
            String mine = executor + " " + host + " " + listener.socket().getLocalPort() + " " + trainer.rows();
            boolean needsStart = !trainer.holdsStartOf(request.epoch());
            try (Rendezvous.Joined joined = Rendezvous.join(rendezvous, block, mine, needsStart, request.network(),
                    barrier::isInterrupted)) {
                String[] all = joined.messages();
                List<Peer> peers = new ArrayList<>();
                int[] rows = new int[all.length];
                for (int rank = 0; rank < all.length; rank++) {
                    if (all[rank].equals("missing")) {
                        return EpochResult.blockMissing(block, executor);
                    }
                    String[] fields = all[rank].split(" ");
                    peers.add(new Peer(rank, fields[0], fields[1], Integer.parseInt(fields[2])));
                    rows[rank] = Integer.parseInt(fields[3]);
                }
                EpochResult result;
                try (Collective collective = TcpCollective.connect(listener, peers, block,
                        rendezvous.token(), request.network(), barrier::isInterrupted)) {
                    listener = null;
                    result = trainer.trainEpoch(request, () -> startState(joined), collective, rows, executor);
                }
                if (result.state() != null) {
                    joined.submitEnd(result.state().toBytes());
                    result = result.withoutState();
                }
                return result;
            }
        } finally {
            if (listener != null) {
                try {
                    listener.close();
                } catch (IOException e) {
                    // closing anyway
                }
            }
        }
    }

    private static TrainingState startState(Rendezvous.Joined joined) {
        if (joined.start() == null) {
            throw new IllegalStateException("KortexDL: the executor's trainer lost the epoch's start state after"
                    + " the rendezvous; the epoch runs again");
        }
        return TrainingState.fromBytes(joined.start());
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
            EpochResult result = task.run(blocks.next(), BarrierTaskContext.get());
            Iterator<EpochResult> one = List.of(result).iterator();
            return CollectionConverters.asScala(one);
        }
    }
}
