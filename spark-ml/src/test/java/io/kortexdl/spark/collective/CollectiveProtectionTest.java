package io.kortexdl.spark.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kortexdl.spark.collective.CollectiveSettings.Protection;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The collective's protection without Spark, on real loopback sockets: authenticated and
 * encrypted allreduces and rendezvous against plain ones, a recording relay that must (and,
 * without encryption, must not) miss every float, wrong secrets, replayed handshakes, and
 * strangers that must not hold up the participants.
 */
class CollectiveProtectionTest {
    private static final CollectiveSettings FAST = new CollectiveSettings(0, 0, 10_000, 10_000);
    private static final CollectiveSettings AUTHENTICATED = FAST.protectedBy(Protection.AUTHENTICATED, 0);
    private static final CollectiveSettings ENCRYPTED = FAST.protectedBy(Protection.ENCRYPTED, 128);
    private static final String SECRET = "the application's secret";

    private static float[] data(int seed, int length) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[length];
        for (int i = 0; i < length; i++) {
            x[i] = (float) ((random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(-3, 4)));
        }
        return x;
    }

    /** Three participants, three allreduces each of several sizes; every rank's results. */
    private static List<List<float[]>> allreduces(CollectiveSettings settings, Guard guard) throws Exception {
        int[] lengths = {235_146, 13, 1};
        return TcpCollectiveTest.run(3, settings, guard, 5, (rank, c) -> {
            List<float[]> out = new ArrayList<>();
            for (int length : lengths) {
                float[] x = data(rank * 7 + length, length);
                c.allreduceSum(x, length);
                out.add(x);
            }
            return out;
        });
    }

    @Test
    void protectedAllreducesGiveThePlainBits() throws Exception {
        List<List<float[]>> plain = allreduces(FAST, Guard.NONE);
        for (CollectiveSettings settings : List.of(AUTHENTICATED, ENCRYPTED, FAST.protectedBy(Protection.ENCRYPTED,
                256))) {
            List<List<float[]>> guarded = allreduces(settings, Guard.of(settings, SECRET));
            for (int rank = 0; rank < 3; rank++) {
                for (int op = 0; op < 3; op++) {
                    assertArrayEquals(plain.get(rank).get(op), guarded.get(rank).get(op), settings + " rank " + rank);
                }
            }
        }
    }

    /** What passed a relay between rank 1 and rank 0 during one allreduce of 20,000 floats. */
    private record Relayed(byte[] toRankZero, byte[] fromRankZero, float[] rankOneInput, float[] sum) {
    }

    private static Relayed relayedAllreduce(CollectiveSettings settings, Guard guard) throws Exception {
        int length = 20_000;
        TcpCollective.Listener zero = TcpCollective.listen("127.0.0.1", settings, 0, 2, 9, guard);
        TcpCollective.Listener one = TcpCollective.listen("127.0.0.1", settings, 1, 2, 9, guard);
        Peer rankOne = new Peer(1, "b", "127.0.0.1", one.port());
        Peer rankZero = new Peer(0, "a", "127.0.0.1", zero.port());
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (RecordingRelay relay = new RecordingRelay("127.0.0.1", rankZero.port())) {
            Peer zeroViaRelay = new Peer(0, "a", "127.0.0.1", relay.port());
            Future<float[]> a = pool.submit(() -> {
                try (Collective c = TcpCollective.connect(zero, List.of(rankZero, rankOne), settings,
                        () -> false)) {
                    float[] x = data(1, length);
                    c.allreduceSum(x, length);
                    return x;
                }
            });
            Future<float[]> b = pool.submit(() -> {
                try (Collective c = TcpCollective.connect(one, List.of(zeroViaRelay, rankOne), settings,
                        () -> false)) {
                    float[] x = data(2, length);
                    c.allreduceSum(x, length);
                    return x;
                }
            });
            float[] sum = a.get(30, TimeUnit.SECONDS);
            assertArrayEquals(sum, b.get(30, TimeUnit.SECONDS));
            Thread.sleep(200); // the relay's pumps record what they forwarded
            return new Relayed(relay.sentToTarget(), relay.sentByTarget(), data(2, length), sum);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aRelayFindsTheFloatsOfAPlainAllreduceAndNoneOfAnEncryptedOne() throws Exception {
        // Rank 1 sends rank 0 the first half of its input; rank 0 sends back the first half of the sum.
        Relayed plain = relayedAllreduce(FAST, Guard.NONE);
        float[] inputHalf = java.util.Arrays.copyOf(plain.rankOneInput(), 10_000);
        float[] sumHalf = java.util.Arrays.copyOf(plain.sum(), 10_000);
        assertTrue(RecordingRelay.pairsFound(plain.toRankZero(), inputHalf) >= 4_990,
                "the check finds clear-text floats: " + RecordingRelay.pairsFound(plain.toRankZero(), inputHalf));
        assertTrue(RecordingRelay.pairsFound(plain.fromRankZero(), sumHalf) >= 4_990);

        Relayed sealed = relayedAllreduce(ENCRYPTED, Guard.of(ENCRYPTED, SECRET));
        assertArrayEquals(plain.sum(), sealed.sum(), "the same bits, encrypted");
        assertTrue(sealed.toRankZero().length > 4 * 10_000, "the relay saw the traffic: " + sealed.toRankZero().length);
        assertEquals(0, RecordingRelay.pairsFound(sealed.toRankZero(), inputHalf));
        assertEquals(0, RecordingRelay.pairsFound(sealed.fromRankZero(), sumHalf));
        assertEquals(0, RecordingRelay.pairsFound(sealed.toRankZero(), sumHalf));
        assertEquals(0, RecordingRelay.pairsFound(sealed.fromRankZero(), inputHalf));
    }

    @Test
    void aRelayFindsTheRendezvousStatesOnlyWithoutEncryption() throws Exception {
        float[] start = data(3, 5_000);
        float[] end = data(4, 5_000);
        for (CollectiveSettings settings : List.of(FAST, ENCRYPTED)) {
            Guard guard = Guard.of(settings, SECRET);
            try (Rendezvous rendezvous = Rendezvous.open("127.0.0.1", "127.0.0.1", 1, 77, settings, guard,
                    () -> bytes(start));
                 RecordingRelay relay = new RecordingRelay("127.0.0.1", rendezvous.address().port())) {
                Rendezvous.Address viaRelay = new Rendezvous.Address("127.0.0.1", relay.port(), 77);
                try (Rendezvous.Joined joined = Rendezvous.join(viaRelay, 0, "10.0.0.1:4000", true, settings, guard,
                        () -> false)) {
                    assertArrayEquals(bytes(start), joined.start());
                    joined.submitEnd(bytes(end));
                }
                assertArrayEquals(bytes(end), rendezvous.end(10_000));
                Thread.sleep(200);
                int found = RecordingRelay.pairsFound(relay.sentByTarget(), start)
                        + RecordingRelay.pairsFound(relay.sentToTarget(), end);
                String message = new String(relay.sentToTarget(), java.nio.charset.StandardCharsets.ISO_8859_1);
                if (settings == FAST) {
                    assertTrue(found >= 4_990 && message.contains("10.0.0.1:4000"), "clear text: " + found);
                } else {
                    assertEquals(0, found, "encrypted states");
                    assertTrue(!message.contains("10.0.0.1:4000"), "encrypted announcements");
                }
            }
        }
    }

    private static byte[] bytes(float[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(4 * values.length);
        buffer.asFloatBuffer().put(values);
        return buffer.array();
    }

    @Test
    void aParticipantWithAnotherSecretIsRefusedBothWays() throws Exception {
        Guard right = Guard.of(AUTHENTICATED, SECRET);
        Guard wrong = Guard.of(AUTHENTICATED, "another secret");
        TcpCollective.Listener zero = TcpCollective.listen("127.0.0.1", AUTHENTICATED, 0, 2, 3, right);
        TcpCollective.Listener one = TcpCollective.listen("127.0.0.1", AUTHENTICATED, 1, 2, 3, wrong);
        List<Peer> peers = List.of(new Peer(0, "a", "127.0.0.1", zero.port()), new Peer(1, "b", "127.0.0.1", one.port()));
        CollectiveSettings quick = new CollectiveSettings(0, 0, 1_500, 1_000).protectedBy(Protection.AUTHENTICATED, 0);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<?> intruder = pool.submit(() -> TcpCollective.connect(one, peers, quick, () -> false));
            CollectiveException refused = assertThrows(CollectiveException.class,
                    () -> TcpCollective.connect(zero, peers, quick, () -> false));
            assertTrue(refused.getMessage().contains("executor b (rank 1,") && refused.getMessage().contains(
                    "did not connect"), refused.getMessage());
            ExecutionException failed = assertThrows(ExecutionException.class, () -> intruder.get(10, TimeUnit.SECONDS));
            assertTrue(failed.getCause().getMessage().contains("did not prove it holds the application's secret"),
                    failed.getCause().getMessage());
        } finally {
            pool.shutdownNow();
        }

        try (Rendezvous rendezvous = Rendezvous.open("127.0.0.1", "127.0.0.1", 1, 8, AUTHENTICATED, right,
                () -> new byte[] {1})) {
            CollectiveException e = assertThrows(CollectiveException.class, () -> Rendezvous.join(
                    rendezvous.address(), 0, "intruder", true, AUTHENTICATED, wrong, () -> false));
            assertTrue(e.getMessage().contains("did not prove it holds the application's secret"), e.getMessage());
            try (Rendezvous.Joined joined = Rendezvous.join(rendezvous.address(), 0, "real", true, AUTHENTICATED,
                    right, () -> false)) {
                assertArrayEquals(new String[] {"real"}, joined.messages(), "the intruder left no trace");
                assertArrayEquals(new byte[] {1}, joined.start());
            }
        }
    }

    @Test
    void aReplayedHandshakeIsRefused() throws Exception {
        Guard guard = Guard.of(AUTHENTICATED, SECRET);
        // Record a real participant's bytes to the rendezvous, then send them again.
        try (Rendezvous rendezvous = Rendezvous.open("127.0.0.1", "127.0.0.1", 1, 11, AUTHENTICATED, guard,
                () -> new byte[] {5, 6});
             RecordingRelay relay = new RecordingRelay("127.0.0.1", rendezvous.address().port())) {
            try (Rendezvous.Joined joined = Rendezvous.join(new Rendezvous.Address("127.0.0.1", relay.port(), 11), 0,
                    "real", true, AUTHENTICATED, guard, () -> false)) {
                joined.submitEnd(new byte[] {7});
            }
            assertArrayEquals(new byte[] {7}, rendezvous.end(10_000));
            Thread.sleep(200);
            byte[] recorded = relay.sentToTarget();
            byte[] answer = replay(rendezvous.address().port(), recorded);
            // A participant let in again would get the messages and the start; the replay gets the challenge only.
            assertEquals(64, answer.length, "nonce and proof, then the connection closes");
        }

        // The same against a task's listener, whose next attempt (worst case) reuses the token.
        TcpCollective.Listener zero = TcpCollective.listen("127.0.0.1", AUTHENTICATED, 0, 2, 12, guard);
        TcpCollective.Listener one = TcpCollective.listen("127.0.0.1", AUTHENTICATED, 1, 2, 12, guard);
        Peer rankZero = new Peer(0, "a", "127.0.0.1", zero.port());
        Peer rankOne = new Peer(1, "b", "127.0.0.1", one.port());
        ExecutorService pool = Executors.newSingleThreadExecutor();
        byte[] recorded;
        try (RecordingRelay relay = new RecordingRelay("127.0.0.1", rankZero.port())) {
            Future<?> a = pool.submit(() -> {
                try (Collective c = TcpCollective.connect(zero, List.of(rankZero, rankOne), AUTHENTICATED,
                        () -> false)) {
                    c.allreduceSum(new float[] {1, 2}, 2);
                }
                return null;
            });
            try (Collective c = TcpCollective.connect(one, List.of(new Peer(0, "a", "127.0.0.1", relay.port()),
                    rankOne), AUTHENTICATED, () -> false)) {
                c.allreduceSum(new float[] {3, 4}, 2);
            }
            a.get(10, TimeUnit.SECONDS);
            Thread.sleep(200);
            recorded = relay.sentToTarget();
        } finally {
            pool.shutdownNow();
        }
        TcpCollective.Listener again = TcpCollective.listen("127.0.0.1", AUTHENTICATED, 0, 2, 12, guard);
        List<Peer> peers = List.of(new Peer(0, "a", "127.0.0.1", again.port()), rankOne);
        CollectiveSettings quick = new CollectiveSettings(0, 0, 1_500, 1_000).protectedBy(Protection.AUTHENTICATED, 0);
        ExecutorService replayer = Executors.newSingleThreadExecutor();
        try {
            Future<byte[]> replayed = replayer.submit(() -> replay(again.port(), recorded));
            CollectiveException e = assertThrows(CollectiveException.class,
                    () -> TcpCollective.connect(again, peers, quick, () -> false));
            assertTrue(e.getMessage().contains("did not connect"), e.getMessage());
            assertEquals(64, replayed.get(10, TimeUnit.SECONDS).length);
        } finally {
            replayer.shutdownNow();
        }
    }

    /** Sends {@code recorded} on a new connection to {@code port}; returns all it got back before the close. */
    private static byte[] replay(int port, byte[] recorded) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5_000);
            try {
                socket.getOutputStream().write(recorded);
            } catch (java.io.IOException e) {
                // closed while writing: refused early
            }
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[4096];
            try {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    got.write(buffer, 0, n);
                }
            } catch (java.net.SocketException e) {
                // reset after the refusal
            }
            return got.toByteArray();
        }
    }

    @Test
    void strangersHoldUpNeitherTheRendezvousNorTheTasks() throws Exception {
        for (CollectiveSettings settings : List.of(FAST, ENCRYPTED)) {
            Guard guard = Guard.of(settings, SECRET);
            Strangers strangers = new Strangers();
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try (Rendezvous rendezvous = Rendezvous.open("127.0.0.1", "127.0.0.1", 2, 21, settings, guard,
                    () -> new byte[] {1})) {
                int port = rendezvous.address().port();
                // More strangers than the gate keeps pending, every kind, before the participants arrive.
                for (int i = 0; i < 2 * Gate.MAX_PENDING; i++) {
                    strangers.act(Strangers.Act.values()[i % Strangers.Act.values().length], "127.0.0.1", port,
                            new SplittableRandom(i));
                }
                long started = System.nanoTime();
                List<Future<String[]>> joins = new ArrayList<>();
                for (int r = 0; r < 2; r++) {
                    int rank = r;
                    joins.add(pool.submit(() -> {
                        try (Rendezvous.Joined joined = Rendezvous.join(rendezvous.address(), rank, "m" + rank, false,
                                settings, guard, () -> false)) {
                            return joined.messages();
                        }
                    }));
                }
                for (Future<String[]> join : joins) {
                    assertArrayEquals(new String[] {"m0", "m1"}, join.get(30, TimeUnit.SECONDS));
                }
                double seconds = (System.nanoTime() - started) / 1e9;
                assertTrue(seconds < Gate.HANDSHAKE_MS / 2_000.0, "the round met in " + seconds + " s, within half a"
                        + " handshake deadline, with " + 2 * Gate.MAX_PENDING + " strangers ahead");

                // A task's listener, with strangers arriving all along.
                TcpCollective.Listener zero = TcpCollective.listen("127.0.0.1", settings, 0, 2, 22, guard);
                TcpCollective.Listener one = TcpCollective.listen("127.0.0.1", settings, 1, 2, 22, guard);
                List<Peer> peers = List.of(new Peer(0, "a", "127.0.0.1", zero.port()),
                        new Peer(1, "b", "127.0.0.1", one.port()));
                AtomicInteger acts = new AtomicInteger();
                Future<?> pestering = pool.submit(() -> {
                    for (int i = 0; i < 2 * Gate.MAX_PENDING && !Thread.currentThread().isInterrupted(); i++) {
                        strangers.act(Strangers.Act.values()[i % Strangers.Act.values().length], "127.0.0.1",
                                peers.get(0).port(), new SplittableRandom(i));
                        acts.incrementAndGet();
                    }
                });
                while (acts.get() < Gate.MAX_PENDING) {
                    Thread.sleep(5);
                }
                started = System.nanoTime();
                Future<float[]> b = pool.submit(() -> {
                    try (Collective c = TcpCollective.connect(one, peers, settings, () -> false)) {
                        float[] x = {3};
                        c.allreduceSum(x, 1);
                        return x;
                    }
                });
                try (Collective c = TcpCollective.connect(zero, peers, settings, () -> false)) {
                    float[] x = {2};
                    c.allreduceSum(x, 1);
                    assertEquals(5f, x[0]);
                }
                assertEquals(5f, b.get(30, TimeUnit.SECONDS)[0]);
                seconds = (System.nanoTime() - started) / 1e9;
                assertTrue(seconds < Gate.HANDSHAKE_MS / 2_000.0, "connected in " + seconds + " s among strangers");
                pestering.get(30, TimeUnit.SECONDS);
            } finally {
                pool.shutdownNow();
                strangers.close();
            }
        }
    }

    @Test
    void anImpossibleLengthIsRefusedAtOnce() throws Exception {
        try (Rendezvous rendezvous = Rendezvous.open("127.0.0.1", "127.0.0.1", 1, 31, FAST, Guard.NONE,
                () -> new byte[0]);
             Socket socket = new Socket("127.0.0.1", rendezvous.address().port())) {
            // The right token (as a stale task of this very attempt would have), then a 2 GB first message.
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(Rendezvous.MAGIC);
            out.writeLong(31);
            out.writeInt(Integer.MAX_VALUE);
            out.flush();
            socket.setSoTimeout(10_000);
            long started = System.nanoTime();
            int read;
            try {
                read = socket.getInputStream().read();
            } catch (java.net.SocketException e) {
                read = -1;
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            assertEquals(-1, read, "closed without an answer");
            assertTrue(seconds < Gate.HANDSHAKE_MS / 2_000.0, "refused at once, not at the deadline: " + seconds + " s");
        }
    }
}
