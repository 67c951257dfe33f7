package io.kortexdl.spark;

import io.kortexdl.spark.collective.CollectiveSettings;
import io.kortexdl.spark.collective.Rendezvous;
import io.kortexdl.spark.executor.TrainingState;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.apache.spark.SparkConf;

/**
 * The {@link EpochChannel} of a cluster: a {@link Rendezvous} of the attempt's own on the driver.
 * Announcements travel as their {@link Announcement#encode() encoding}, the states as
 * {@link TrainingState#toBytes() bytes}: the start state only to tasks that ask for it, the end
 * state from block 0.
 */
final class RendezvousChannel implements EpochChannel {
    /** Tokens of epoch attempts, so that no connection of one attempt is taken for another's. */
    private static final SecureRandom TOKENS = new SecureRandom();

    private final Rendezvous rendezvous;

    private RendezvousChannel(Rendezvous rendezvous) {
        this.rendezvous = rendezvous;
    }

    /**
     * Opens the rendezvous on the driver's bind address, advertised as {@code spark.driver.host}.
     *
     * @throws io.kortexdl.spark.collective.CollectiveException when no port can be bound
     */
    static RendezvousChannel open(SparkConf conf, int blocks, TrainingState start, CollectiveSettings settings) {
        String host = conf.get("spark.driver.host", "localhost");
        return new RendezvousChannel(Rendezvous.open(conf.get("spark.driver.bindAddress", host), host, blocks,
                TOKENS.nextLong(), settings, CollectiveSecurity.guard(settings), start::toBytes));
    }

    @Override
    public EpochChannel.Access access() {
        return new Access(rendezvous.address());
    }

    @Override
    public TrainingState end(long timeoutMs) {
        byte[] bytes;
        try {
            bytes = rendezvous.end(timeoutMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("KortexDL: interrupted while waiting for the epoch's state", e);
        }
        if (bytes == null) {
            throw new IllegalStateException("KortexDL: block 0 finished the epoch, but its state did not reach the"
                    + " driver's rendezvous within " + timeoutMs + " ms");
        }
        return TrainingState.fromBytes(bytes);
    }

    @Override
    public void close() {
        rendezvous.close();
    }

    /** Where the rendezvous is. */
    private record Access(Rendezvous.Address address) implements EpochChannel.Access {
        @Override
        public long token() {
            return address.token();
        }

        @Override
        public Meeting join(int rank, Announcement mine, boolean wantsStart, CollectiveSettings settings,
                            BooleanSupplier cancelled) {
            return new Meeting(Rendezvous.join(address, rank, mine.encode(), wantsStart, settings,
                    CollectiveSecurity.guard(settings), cancelled));
        }
    }

    private record Meeting(Rendezvous.Joined joined) implements EpochChannel.Meeting {
        @Override
        public List<Announcement> announcements() {
            return Arrays.stream(joined.messages()).map(Announcement::decode).toList();
        }

        @Override
        public TrainingState start() {
            if (joined.start() == null) {
                throw EpochChannel.startNotAskedFor();
            }
            return TrainingState.fromBytes(joined.start());
        }

        @Override
        public void giveEnd(TrainingState end) {
            joined.submitEnd(end.toBytes());
        }

        @Override
        public void close() {
            joined.close();
        }
    }
}
