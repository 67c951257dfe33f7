package io.kortexdl.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kortexdl.spark.collective.CollectiveSettings;
import io.kortexdl.spark.executor.TrainingState;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/**
 * Both epoch channels without Spark jobs: the announcements and the states that cross them, with
 * each {@link EpochChannel.Access} serialized as Spark ships it with a task.
 */
class EpochChannelTest {
    private static final CollectiveSettings FAST = new CollectiveSettings(0, 0, 10_000, 10_000);
    private static final TrainingState START = new TrainingState(new float[] {1f, -2f, Float.MIN_VALUE},
            new float[] {0.5f}, 7);

    /** The access as a task deserializes it. */
    private static EpochChannel.Access shipped(EpochChannel.Access access) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(access);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (EpochChannel.Access) in.readObject();
        }
    }

    @Test
    void announcementsRoundTripAndRefuseWhatCannotBeDecoded() {
        Announcement ready = Announcement.ready("3", "10.0.0.5", 40012, 1234);
        assertEquals("READY 3 10.0.0.5 40012 1234", ready.encode());
        assertEquals(ready, Announcement.decode(ready.encode()));
        Announcement missing = Announcement.blockMissing("driver");
        assertEquals(missing, Announcement.decode(missing.encode()));
        assertEquals(new io.kortexdl.spark.collective.Peer(2, "3", "10.0.0.5", 40012), ready.peer(2));
        assertThrows(IllegalArgumentException.class, () -> Announcement.ready("exec 3", "h", 1, 1));
        assertThrows(IllegalArgumentException.class, () -> Announcement.ready("3", "", 1, 1));
        assertThrows(IllegalArgumentException.class, () -> Announcement.ready("3", "h", 1, -1));
        for (String bad : new String[] {"missing", "READY 3 h 1", "READY 3 h 1 2 3", "LOST 3 h 1 2", "READY 3 h x 2"}) {
            assertThrows(IllegalArgumentException.class, () -> Announcement.decode(bad), bad);
        }
    }

    @Test
    void inTheDriversJvmStatesPassByReference() throws Exception {
        EpochChannel.Access access;
        try (InDriverJvmChannel channel = new InDriverJvmChannel(1, START)) {
            access = shipped(channel.access());
            Announcement mine = Announcement.ready("driver", "-", 0, 10);
            TrainingState end = new TrainingState(new float[] {3f}, new float[0], 8);
            try (EpochChannel.Meeting meeting = access.join(0, mine, true, FAST, () -> false)) {
                assertEquals(List.of(mine), meeting.announcements());
                assertSame(START, meeting.start());
                meeting.giveEnd(end);
            }
            assertSame(end, channel.end(0));
            try (EpochChannel.Meeting meeting = access.join(0, mine, false, FAST, () -> false)) {
                assertThrows(IllegalStateException.class, meeting::start, "not asked for");
            }
        }
        EpochChannel.Access closed = access;
        assertThrows(IllegalStateException.class, () -> closed.join(0, Announcement.blockMissing("driver"), false,
                FAST, () -> false), "a closed channel is gone");
        assertThrows(IllegalArgumentException.class, () -> new InDriverJvmChannel(2, START));
        try (InDriverJvmChannel fresh = new InDriverJvmChannel(1, START)) {
            assertThrows(IllegalStateException.class, () -> fresh.end(0), "no end state was given");
            assertNotEquals(closed.token(), fresh.access().token(), "each channel is its own");
        }
    }

    @Test
    void throughTheRendezvousTasksMeetAndStatesTravelAsBytes() throws Exception {
        SparkConf conf = new SparkConf(false).set("spark.driver.host", "127.0.0.1");
        TrainingState end = new TrainingState(new float[] {4f, 5f}, new float[] {6f}, 9);
        try (RendezvousChannel channel = RendezvousChannel.open(conf, 3, START, FAST)) {
            EpochChannel.Access access = shipped(channel.access());
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                List<Future<List<Announcement>>> tasks = new ArrayList<>();
                for (int r = 0; r < 3; r++) {
                    int rank = r;
                    tasks.add(pool.submit(() -> {
                        Announcement mine = Announcement.ready("e" + rank, "127.0.0.1", 5000 + rank, 10 * rank);
                        try (EpochChannel.Meeting meeting = access.join(rank, mine, rank != 1, FAST, () -> false)) {
                            if (rank != 1) {
                                TrainingState start = meeting.start();
                                assertArrayEquals(START.parameters(), start.parameters());
                                assertArrayEquals(START.optimizerState(), start.optimizerState());
                                assertEquals(START.optimizerSteps(), start.optimizerSteps());
                            } else {
                                assertThrows(IllegalStateException.class, meeting::start);
                            }
                            if (rank == 0) {
                                meeting.giveEnd(end);
                            }
                            return meeting.announcements();
                        }
                    }));
                }
                for (Future<List<Announcement>> task : tasks) {
                    List<Announcement> all = task.get(30, TimeUnit.SECONDS);
                    for (int r = 0; r < 3; r++) {
                        assertEquals(Announcement.ready("e" + r, "127.0.0.1", 5000 + r, 10 * r), all.get(r));
                    }
                }
            } finally {
                pool.shutdownNow();
            }
            TrainingState received = channel.end(10_000);
            assertArrayEquals(end.parameters(), received.parameters());
            assertArrayEquals(end.optimizerState(), received.optimizerState());
            assertEquals(9, received.optimizerSteps());
        }
    }

    @Test
    void withoutAnEndStateTheDriverFailsAfterTheTimeout() {
        SparkConf conf = new SparkConf(false).set("spark.driver.host", "127.0.0.1");
        try (RendezvousChannel channel = RendezvousChannel.open(conf, 1, START, FAST)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> channel.end(200));
            assertEquals("KortexDL: block 0 finished the epoch, but its state did not reach the driver's rendezvous"
                    + " within 200 ms", e.getMessage());
        }
    }
}
