package io.kortexdl.spark.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The rendezvous with real sockets on loopback and participants as threads: who gets what, who
 * is refused, and a participant that joins again after the round met (a task Spark runs again).
 */
class RendezvousTest {
    private static final CollectiveSettings FAST = new CollectiveSettings(0, 0, 5_000, 5_000);
    private static final byte[] START = "start state".getBytes(StandardCharsets.UTF_8);

    private static Rendezvous open(int participants, AtomicInteger startsMade) {
        return Rendezvous.open("127.0.0.1", "127.0.0.1", participants, 42, FAST, Guard.NONE, () -> {
            startsMade.incrementAndGet();
            return START.clone();
        });
    }

    @Test
    void everyParticipantGetsEveryMessageInRankOrderAndTheStartIfItAsks() throws Exception {
        AtomicInteger startsMade = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try (Rendezvous rendezvous = open(3, startsMade)) {
            Future<?>[] joins = new Future<?>[3];
            for (int r = 2; r >= 0; r--) { // arrival order does not matter
                int rank = r;
                joins[rank] = pool.submit(() -> {
                    try (Rendezvous.Joined joined = Rendezvous.join(rendezvous.address(), rank, "m" + rank, rank == 2,
                            FAST, Guard.NONE, () -> false)) {
                        assertArrayEquals(new String[] {"m0", "m1", "m2"}, joined.messages());
                        if (rank == 2) {
                            assertArrayEquals(START, joined.start());
                        } else {
                            assertNull(joined.start());
                        }
                        if (rank == 0) {
                            joined.submitEnd(new byte[] {1, 2, 3});
                        }
                    }
                    return null;
                });
            }
            for (Future<?> join : joins) {
                join.get(30, TimeUnit.SECONDS);
            }
            assertArrayEquals(new byte[] {1, 2, 3}, rendezvous.end(10_000));
            assertEquals(1, startsMade.get(), "the start payload is made once, for the one that asked");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anotherRoundsTokenAndImpossibleRanksAreRefused() throws Exception {
        try (Rendezvous rendezvous = open(1, new AtomicInteger())) {
            Rendezvous.Address address = rendezvous.address();
            Rendezvous.Address stale = new Rendezvous.Address(address.host(), address.port(), address.token() + 1);
            assertThrows(CollectiveException.class, () -> Rendezvous.join(stale, 0, "old", false, FAST, Guard.NONE, () -> false));
            assertThrows(CollectiveException.class, () -> Rendezvous.join(address, 1, "x", false, FAST, Guard.NONE, () -> false));
            assertThrows(CollectiveException.class, () -> Rendezvous.join(address, -1, "x", false, FAST, Guard.NONE, () -> false));
            try (Rendezvous.Joined joined = Rendezvous.join(address, 0, "real", false, FAST, Guard.NONE, () -> false)) {
                assertArrayEquals(new String[] {"real"}, joined.messages(), "the refused ones left no trace");
            }
        }
    }

    @Test
    void theLatestConnectionOfARankWinsBeforeTheRoundMeets() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try (Rendezvous rendezvous = open(2, new AtomicInteger())) {
            Future<String[]> first = pool.submit(() -> {
                try (Rendezvous.Joined joined = Rendezvous.join(rendezvous.address(), 1, "first", false, FAST, Guard.NONE,
                        () -> false)) {
                    return joined.messages();
                }
            });
            Thread.sleep(300); // the first connection of rank 1 is in
            Future<String[]> second = pool.submit(() -> {
                try (Rendezvous.Joined joined = Rendezvous.join(rendezvous.address(), 1, "second", false, FAST, Guard.NONE,
                        () -> false)) {
                    return joined.messages();
                }
            });
            Thread.sleep(300);
            try (Rendezvous.Joined zero = Rendezvous.join(rendezvous.address(), 0, "zero", false, FAST, Guard.NONE,
                    () -> false)) {
                assertArrayEquals(new String[] {"zero", "second"}, zero.messages());
            }
            assertArrayEquals(new String[] {"zero", "second"}, second.get(30, TimeUnit.SECONDS));
            java.util.concurrent.ExecutionException replaced = assertThrows(
                    java.util.concurrent.ExecutionException.class, () -> first.get(30, TimeUnit.SECONDS));
            assertTrue(replaced.getCause() instanceof CollectiveException, String.valueOf(replaced.getCause()));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aParticipantThatJoinsAgainAfterTheRoundMetGetsItAgainAndItsEndCounts() throws Exception {
        AtomicInteger startsMade = new AtomicInteger();
        try (Rendezvous rendezvous = open(1, startsMade)) {
            try (Rendezvous.Joined failed = Rendezvous.join(rendezvous.address(), 0, "attempt 1", true, FAST, Guard.NONE,
                    () -> false)) {
                assertArrayEquals(START, failed.start());
            } // the task died before its end: its connection closes
            try (Rendezvous.Joined again = Rendezvous.join(rendezvous.address(), 0, "attempt 2", true, FAST, Guard.NONE,
                    () -> false)) {
                assertArrayEquals(new String[] {"attempt 2"}, again.messages());
                assertArrayEquals(START, again.start());
                again.submitEnd(new byte[] {9});
            }
            assertArrayEquals(new byte[] {9}, rendezvous.end(10_000));
            assertEquals(1, startsMade.get(), "the start payload is made once and sent twice");
        }
    }

    @Test
    void closingFailsAWaitingParticipantAndEndsTheWaitForTheEnd() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        Rendezvous rendezvous = open(2, new AtomicInteger());
        try {
            Future<?> waiting = pool.submit(() -> Rendezvous.join(rendezvous.address(), 0, "alone", false, FAST, Guard.NONE,
                    () -> false));
            Thread.sleep(300);
            long start = System.nanoTime();
            rendezvous.close();
            assertNull(rendezvous.end(10_000), "no end after close");
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "close ends the wait at once");
            java.util.concurrent.ExecutionException failed = assertThrows(
                    java.util.concurrent.ExecutionException.class, () -> waiting.get(30, TimeUnit.SECONDS));
            assertTrue(failed.getCause() instanceof CollectiveException, String.valueOf(failed.getCause()));
        } finally {
            rendezvous.close();
            pool.shutdownNow();
        }
    }
}
