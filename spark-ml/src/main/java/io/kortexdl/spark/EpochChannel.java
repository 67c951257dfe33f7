package io.kortexdl.spark;

import io.kortexdl.spark.collective.CollectiveSettings;
import io.kortexdl.spark.executor.TrainingState;
import java.io.Serializable;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.apache.spark.SparkContext;

/**
 * How the training tasks of one epoch attempt meet and how the epoch's state travels. The driver
 * opens a channel with the state the epoch starts from and, once the tasks succeeded, takes the
 * state it ends with. Each task joins through the channel's {@link Access} (which travels with the
 * task): it announces itself, learns every task's announcement, takes the start state only when
 * its trainer does not hold it, and block 0 gives the end state back.
 *
 * <p>Two implementations: {@link InDriverJvmChannel} in local mode, where the one task runs in the
 * driver's JVM and states pass by reference, and {@link RendezvousChannel} everywhere else, one
 * block included, barrier stage or not.
 */
interface EpochChannel extends AutoCloseable {

    /** A channel for an attempt of {@code blocks} tasks on {@code sc}, starting from {@code start}. */
    static EpochChannel open(SparkContext sc, int blocks, TrainingState start, CollectiveSettings settings) {
        return sc.isLocal() ? new InDriverJvmChannel(blocks, start)
                : RendezvousChannel.open(sc.getConf(), blocks, start, settings);
    }

    /**
     * What {@link Meeting#start()} throws when the start state was not asked for: the trainer held
     * it when it joined and no longer does (another attempt of its block ran meanwhile).
     */
    static IllegalStateException startNotAskedFor() {
        return new IllegalStateException("KortexDL: the executor's trainer lost the epoch's start state after it"
                + " joined the epoch's tasks; the epoch runs again");
    }

    /** What a task needs to join. */
    Access access();

    /**
     * The state block 0 gave back, waiting up to {@code timeoutMs} for it.
     *
     * @throws IllegalStateException when none arrived in time
     */
    TrainingState end(long timeoutMs);

    /** Ends the attempt's meeting; a task still joining fails. Idempotent. */
    @Override
    void close();

    /** A task's way into the channel, serialized with the task. */
    interface Access extends Serializable {

        /** Identifies the attempt: the collective's connections carry it, so no attempt takes another's. */
        long token();

        /**
         * Joins as block {@code rank} and waits for every task to join.
         *
         * @param wantsStart whether to receive the start state
         * @param cancelled polled while waiting; when true the wait fails
         * @throws io.kortexdl.spark.collective.CollectiveException when the driver cannot be reached or the
         *     others do not join within the collective's timeout
         */
        Meeting join(int rank, Announcement mine, boolean wantsStart, CollectiveSettings settings,
                     BooleanSupplier cancelled);
    }

    /** A task's place in the attempt, once every task has joined. */
    interface Meeting extends AutoCloseable {

        /** Every task's announcement, in block order. */
        List<Announcement> announcements();

        /**
         * The state the epoch starts from.
         *
         * @throws IllegalStateException when it was not asked for at {@link Access#join}
         */
        TrainingState start();

        /** Gives the state the epoch ended with back to the driver (block 0 only). */
        void giveEnd(TrainingState end);

        @Override
        void close();
    }
}
