package io.kortexdl.spark.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrowsExactly;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * The TCP collective with real sockets on loopback, its participants as threads: results against a
 * sequential reduction, bit for bit, and what happens when a peer dies, stays silent or is stale.
 */
class TcpCollectiveTest {
    private static final CollectiveSettings FAST = new CollectiveSettings(0, 0, 10_000, 10_000);

    /** Runs {@code body} as participants 0..n-1 of one connected collective; returns their results. */
    private static <T> List<T> run(int n, CollectiveSettings settings, long token,
                                   java.util.function.BiFunction<Integer, Collective, T> body) throws Exception {
        return run(n, settings, Guard.NONE, token, body);
    }

    /** Runs {@code body} as participants 0..n-1 of one collective connected through {@code guard}. */
    static <T> List<T> run(int n, CollectiveSettings settings, Guard guard, long token,
                           java.util.function.BiFunction<Integer, Collective, T> body) throws Exception {
        List<TcpCollective.Listener> listeners = new ArrayList<>();
        List<Peer> peers = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            TcpCollective.Listener listener = TcpCollective.listen("127.0.0.1", settings, r, n, token, guard);
            listeners.add(listener);
            peers.add(new Peer(r, "e" + r, "127.0.0.1", listener.port()));
        }
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                int rank = r;
                futures.add(pool.submit(() -> {
                    try (Collective c = TcpCollective.connect(listeners.get(rank), peers, settings,
                            () -> false)) {
                        return body.apply(rank, c);
                    }
                }));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                results.add(f.get(60, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    private static float[] randomData(int rank, int length) {
        SplittableRandom random = new SplittableRandom(1000 + rank);
        float[] x = new float[length];
        for (int i = 0; i < length; i++) {
            // magnitudes spread over many binades, so the order of additions shows in the bits
            x[i] = (float) ((random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(-3, 4)));
        }
        return x;
    }

    @Test
    void eightParticipantsAllHoldTheSequentialSumBitForBit() throws Exception {
        int n = 8;
        int[] lengths = {235_146, 13, 7, 0, 1};
        List<List<float[]>> results = run(n, FAST, 42, (rank, c) -> {
            List<float[]> out = new ArrayList<>();
            for (int length : lengths) {
                float[] data = randomData(rank * 31 + length, length + 3);
                float[] tail = java.util.Arrays.copyOfRange(data, length, length + 3);
                c.allreduceSum(data, length);
                assertArrayEquals(tail, java.util.Arrays.copyOfRange(data, length, length + 3), "past length");
                out.add(java.util.Arrays.copyOf(data, length));
            }
            return out;
        });
        for (int op = 0; op < lengths.length; op++) {
            int length = lengths[op];
            float[] expected = new float[length];
            for (int r = 0; r < n; r++) {
                float[] x = randomData(r * 31 + length, length + 3);
                for (int i = 0; i < length; i++) {
                    expected[i] += x[i];
                }
            }
            for (int r = 0; r < n; r++) {
                assertArrayEquals(expected, results.get(r).get(op), "rank " + r + ", length " + length);
            }
        }
        // Rank order matters: the reverse order gives other bits somewhere, so the check above can fail.
        float[] reversed = new float[lengths[0]];
        for (int r = n - 1; r >= 0; r--) {
            float[] x = randomData(r * 31 + lengths[0], lengths[0] + 3);
            for (int i = 0; i < reversed.length; i++) {
                reversed[i] += x[i];
            }
        }
        assertTrue(!java.util.Arrays.equals(reversed, results.get(0).get(0)), "the data must expose the order");
    }

    @Test
    void countsTheBytesOfTheDirectExchange() throws Exception {
        int n = 4;
        int length = 1000;
        List<Long> sent = run(n, FAST, 7, (rank, c) -> {
            c.allreduceSum(new float[length], length);
            return c.bytesSent();
        });
        for (long s : sent) {
            // 2 (n-1) messages of an 8-byte header and a quarter of the array each.
            assertEquals(2L * (n - 1) * (8 + 4 * length / n), s, "2 (n-1)/n of the array plus headers");
        }
    }

    @Test
    void aPeerThatDiesFailsTheOthersWithinSecondsNamingIt() throws Exception {
        long start = System.nanoTime();
        List<String> outcomes = run(3, new CollectiveSettings(0, 0, 10_000, 120_000), 9, (rank, c) -> {
            float[] data = new float[1000];
            c.allreduceSum(data, data.length);
            if (rank == 2) {
                c.close(); // as a killed process: its sockets close
                return "closed";
            }
            CollectiveException e = assertThrowsExactly(CollectiveException.class, () -> c.allreduceSum(data, 1000));
            return e.getMessage();
        });
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(seconds < 10, "failed within seconds, not the 120 s timeout: " + seconds);
        for (int r = 0; r < 2; r++) {
            assertTrue(outcomes.get(r).contains("executor e2 (rank 2, 127.0.0.1:"), outcomes.get(r));
            assertTrue(outcomes.get(r).contains("closed its connection"), outcomes.get(r));
        }
    }

    @Test
    void aSilentPeerTimesOutNamingItAndTheSetting() throws Exception {
        List<String> outcomes = run(2, new CollectiveSettings(0, 0, 10_000, 500), 3, (rank, c) -> {
            if (rank == 1) {
                try {
                    Thread.sleep(2_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return "silent";
            }
            return assertThrowsExactly(CollectiveException.class, () -> c.allreduceSum(new float[10], 10))
                    .getMessage();
        });
        assertTrue(outcomes.get(0).contains("executor e1 (rank 1,") && outcomes.get(0).contains("sent nothing for 500 ms")
                && outcomes.get(0).contains(CollectiveSettings.TIMEOUT), outcomes.get(0));
    }

    @Test
    void aConnectionOfAnotherAttemptIsRefusedAndTheMissingPeerNamed() throws Exception {
        TcpCollective.Listener listener = TcpCollective.listen("127.0.0.1", FAST, 0, 2, 222, Guard.NONE);
        TcpCollective.Listener other = TcpCollective.listen("127.0.0.1", FAST, 1, 2, 111, Guard.NONE);
        List<Peer> peers = List.of(new Peer(0, "a", "127.0.0.1", listener.port()),
                new Peer(1, "b", "127.0.0.1", other.port()));
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            // Rank 1 connects with the token of another attempt; rank 0 must not take it for its peer.
            Future<?> stale = pool.submit(() -> TcpCollective.connect(other, peers,
                    new CollectiveSettings(0, 0, 1_000, 1_000), () -> false));
            CollectiveException e = assertThrowsExactly(CollectiveException.class, () -> TcpCollective.connect(
                    listener, peers, new CollectiveSettings(0, 0, 1_500, 1_000), () -> false));
            assertTrue(e.getMessage().contains("executor b (rank 1,") && e.getMessage().contains("did not connect")
                    && e.getMessage().contains(CollectiveSettings.CONNECT_TIMEOUT), e.getMessage());
            try {
                stale.get(10, TimeUnit.SECONDS);
            } catch (ExecutionException ignored) {
                // its side may fail or succeed; only rank 0's refusal matters
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void listensOnlyInsideTheConfiguredPortRange() throws Exception {
        CollectiveSettings range = CollectiveSettings.from(Map.of(CollectiveSettings.PORT_RANGE, "47310-47311"));
        try (TcpCollective.Listener a = TcpCollective.listen("127.0.0.1", range, 0, 2, 1, Guard.NONE);
             TcpCollective.Listener b = TcpCollective.listen("127.0.0.1", range, 1, 2, 1, Guard.NONE)) {
            assertEquals(java.util.Set.of(47310, 47311), java.util.Set.of(a.port(), b.port()));
            CollectiveException full = assertThrowsExactly(CollectiveException.class,
                    () -> TcpCollective.listen("127.0.0.1", range, 0, 2, 1, Guard.NONE));
            assertTrue(full.getMessage().contains(CollectiveSettings.PORT_RANGE + " 47310-47311"), full.getMessage());
        }
        IntFunction<String> bad = i -> assertThrowsExactly(IllegalArgumentException.class,
                () -> CollectiveSettings.from(Map.of(CollectiveSettings.PORT_RANGE, List.of("x", "5-2", "0-9", "1-70000")
                        .get(i)))).getMessage();
        for (int i = 0; i < 4; i++) {
            assertTrue(bad.apply(i).contains(CollectiveSettings.PORT_RANGE), bad.apply(i));
        }
        assertTrue(assertThrowsExactly(IllegalArgumentException.class, () -> CollectiveSettings.from(
                Map.of(CollectiveSettings.TIMEOUT, "5"))).getMessage().contains("at least 100"));
    }
}
