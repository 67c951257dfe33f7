package io.kortexdl.spark;

import io.kortexdl.spark.collective.CollectiveSettings;
import io.kortexdl.spark.executor.TrainingState;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The {@link EpochChannel} of local mode, where the epoch's one task runs in the driver's JVM:
 * the start and end states pass by reference. Spark would otherwise serialize the state twice an
 * epoch and hold several copies at once: with a first layer of 2^18 x 64 weights and Adam that is
 * 200 MB a copy, more than a 2 GB driver holds.
 *
 * <p>The task reaches its channel through the open channels of this JVM, by the channel's number;
 * a channel is there only while it is open.
 */
final class InDriverJvmChannel implements EpochChannel {
    private static final Map<Long, InDriverJvmChannel> OPEN = new ConcurrentHashMap<>();
    private static final AtomicLong NUMBERS = new AtomicLong();

    private final long number = NUMBERS.incrementAndGet();
    private final TrainingState start;
    private volatile TrainingState end;

    /** @throws IllegalArgumentException unless {@code blocks} is 1: local mode trains one block */
    InDriverJvmChannel(int blocks, TrainingState start) {
        if (blocks != 1) {
            throw new IllegalArgumentException("local mode trains one block, not " + blocks);
        }
        this.start = start;
        OPEN.put(number, this);
    }

    @Override
    public EpochChannel.Access access() {
        return new Access(number);
    }

    @Override
    public TrainingState end(long timeoutMs) {
        TrainingState state = end;
        if (state == null) {
            throw new IllegalStateException("KortexDL: the epoch's task succeeded without giving its end state back");
        }
        return state;
    }

    @Override
    public void close() {
        OPEN.remove(number);
    }

    /** The number of an open channel of the driver's JVM. */
    private record Access(long token) implements EpochChannel.Access {
        @Override
        public Meeting join(int rank, Announcement mine, boolean wantsStart, CollectiveSettings settings,
                            BooleanSupplier cancelled) {
            InDriverJvmChannel channel = OPEN.get(token);
            if (channel == null) {
                throw new IllegalStateException("KortexDL: epoch channel " + token + " is not open in this JVM;"
                        + " a local-mode task ran outside the driver's JVM, or after its epoch ended");
            }
            return channel.new Meeting(mine, wantsStart);
        }
    }

    private final class Meeting implements EpochChannel.Meeting {
        private final List<Announcement> announcements;
        private final boolean wantsStart;

        Meeting(Announcement mine, boolean wantsStart) {
            this.announcements = List.of(mine);
            this.wantsStart = wantsStart;
        }

        @Override
        public List<Announcement> announcements() {
            return announcements;
        }

        @Override
        public TrainingState start() {
            if (!wantsStart) {
                throw EpochChannel.startNotAskedFor();
            }
            return start;
        }

        @Override
        public void giveEnd(TrainingState state) {
            end = state;
        }

        @Override
        public void close() {
        }
    }
}
