package io.kortexdl.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.kortexdl.kernels.Activation;
import io.kortexdl.kernels.LossType;
import io.kortexdl.kernels.Network;
import io.kortexdl.kernels.OptimizerKind;
import io.kortexdl.spark.executor.TrainingState;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged and hostile checkpoint and model files: truncations at every offset of the header and
 * at random ones after it, bit flips, wrong magic, a future version, sizes that disagree with the
 * parameters, absurd declared sizes, and random rewrites whose checksum is recomputed so that the
 * parser's own checks must catch them. Each must end in an {@code IOException}: never another
 * exception, an {@code OutOfMemoryError} or a garbage checkpoint. The fuzzing runs for a bounded
 * time with a fixed seed.
 */
class HostileFilesTest {
    private static final long FUZZ_MILLIS = 3000;

    @TempDir
    Path dir;

    private static Checkpoint checkpoint() {
        float[] parameters = new float[(6 + 1) * 5 + (5 + 1) * 3];
        float[] state = new float[2 * parameters.length];
        for (int i = 0; i < parameters.length; i++) {
            parameters[i] = (float) Math.sin(i);
            state[i] = i * 1e-3f;
        }
        return new Checkpoint(new Checkpoint.Fingerprint(new int[] {6, 5, 3}, Activation.RELU,
                LossType.CROSS_ENTROPY, OptimizerKind.ADAM, 4L,
                64, 2, 1200L, Checkpoint.Fingerprint.WHOLE_BLOCKS), fitState(parameters, state, parameters.clone()));
    }

    private static FitState fitState(float[] parameters, float[] optimizerState, float[] best) {
        FitState fit = new FitState(new TrainingState(parameters, optimizerState, 38));
        fit.epochsDone = 2;
        fit.bestEpoch = 2;
        fit.bestValidationLoss = 0.41;
        fit.best = best;
        fit.previousLoss = 0.52;
        fit.history.addAll(List.of(new EpochRecord(1, 5, 0.9, 0.6, 0.7, 1.5, 800),
                new EpochRecord(2, 5, 0.6, 0.41, 0.8, 1.2, 1000)));
        fit.rowsByExecutor.putAll(Map.of("0", 1200L, "1", 1200L));
        return fit;
    }

    private static byte[] bytes(Checkpoint c) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CheckpointFormat.write(c, out);
        return out.toByteArray();
    }

    private static Checkpoint read(byte[] bytes) throws IOException {
        return CheckpointFormat.read(new ByteArrayInputStream(bytes), bytes.length, "ck");
    }

    /** Reads {@code bytes}: an IOException is the only acceptable failure. */
    private static Checkpoint readOrIOException(byte[] bytes, String what) {
        try {
            return read(bytes);
        } catch (IOException e) {
            return null;
        } catch (Throwable t) {
            throw new AssertionError(what + ": " + t, t);
        }
    }

    /** {@code bytes} with the payload checksum recomputed, as a hostile writer would. */
    private static byte[] resealed(byte[] bytes) {
        int payload = ByteBuffer.wrap(bytes).getInt(8);
        CRC32 crc = new CRC32();
        crc.update(bytes, 12, payload);
        ByteBuffer.wrap(bytes).putLong(12 + payload, crc.getValue());
        return bytes;
    }

    @Test
    void aCheckpointReadsBackExactly() throws IOException {
        Checkpoint original = checkpoint();
        FitState in = original.state();
        FitState back = read(bytes(original)).state();
        assertArrayEquals(in.training.parameters(), back.training.parameters());
        assertArrayEquals(in.training.optimizerState(), back.training.optimizerState());
        assertArrayEquals(in.best, back.best);
        assertEquals(in.history, back.history);
        assertEquals(in.rowsByExecutor, back.rowsByExecutor);
        assertNull(original.fingerprint().difference(read(bytes(original)).fingerprint()), "same fingerprint");
        assertEquals(List.of(in.epochsDone, in.training.optimizerSteps(), in.bestEpoch, in.bestValidationLoss,
                in.previousLoss, in.stopped, in.stopReason), List.of(back.epochsDone, back.training.optimizerSteps(),
                back.bestEpoch, back.bestValidationLoss, back.previousLoss, back.stopped, back.stopReason));
    }

    @Test
    void truncationsFlipsAndForeignHeadersAreRefused() throws IOException {
        byte[] full = bytes(checkpoint());
        for (int length = 0; length < full.length; length++) {
            byte[] cut = Arrays.copyOf(full, length);
            IOException e = assertThrows(IOException.class, () -> read(cut), "truncated to " + length);
            assertTrue(e.getMessage().startsWith("ck"), e.getMessage());
        }
        byte[] foreign = full.clone();
        foreign[0] = 'P';
        assertMessage(foreign, "ck is not a KortexDL checkpoint (wrong magic)");
        byte[] future = full.clone();
        ByteBuffer.wrap(future).putInt(4, CheckpointFormat.VERSION + 1);
        assertMessage(future, "checkpoint format version " + (CheckpointFormat.VERSION + 1) + " is not supported");
        SplittableRandom random = new SplittableRandom(11);
        long deadline = System.currentTimeMillis() + FUZZ_MILLIS;
        int trials = 0;
        while (System.currentTimeMillis() < deadline) {
            byte[] damaged = full.clone();
            for (int f = 1 + random.nextInt(8); f > 0; f--) {
                damaged[random.nextInt(damaged.length)] ^= (byte) (1 << random.nextInt(8));
            }
            if (!Arrays.equals(damaged, full) && readOrIOException(damaged, "flip trial " + trials) != null) {
                fail("flip trial " + trials + " read back a damaged checkpoint");
            }
            trials++;
        }
        assertTrue(trials > 1000, "only " + trials + " trials");
    }

    @Test
    void rewritesWithAValidChecksumAreCaughtByTheParser() throws IOException {
        byte[] full = bytes(checkpoint());
        SplittableRandom random = new SplittableRandom(12);
        long deadline = System.currentTimeMillis() + FUZZ_MILLIS;
        int refused = 0;
        int trials = 0;
        while (System.currentTimeMillis() < deadline) {
            byte[] hostile = full.clone();
            // half the rewrites hit the fingerprint and counters at the front, half anywhere
            int at = 12 + (random.nextBoolean() ? random.nextInt(120) : random.nextInt(hostile.length - 20));
            switch (random.nextInt(3)) {
                case 0 -> hostile[at] = (byte) random.nextInt(256);
                case 1 -> ByteBuffer.wrap(hostile).putInt(Math.min(at, hostile.length - 12), random.nextInt());
                default -> ByteBuffer.wrap(hostile).putInt(Math.min(at, hostile.length - 12),
                        random.nextBoolean() ? Integer.MAX_VALUE : 0x3FFFFFFF);
            }
            Checkpoint c = readOrIOException(resealed(hostile), "rewrite trial " + trials);
            if (c == null) {
                refused++;
            } else {
                long expected = 0;
                int[] layers = c.fingerprint().layerSizes();
                for (int i = 1; i < layers.length; i++) {
                    expected += ((long) layers[i - 1] + 1) * layers[i];
                }
                assertEquals(expected, c.state().training.parameters().length, "trial " + trials
                        + " parsed inconsistent sizes");
                assertEquals(c.state().epochsDone, c.state().history.size());
            }
            trials++;
        }
        System.out.println("checksum-resealed rewrites refused by the parser: " + refused + " of " + trials);
        assertTrue(refused > trials / 5, refused + " of " + trials + " rewrites refused");
    }

    @Test
    void layerSizesThatDisagreeWithTheParametersAreRefused() throws IOException {
        Checkpoint good = checkpoint();
        Checkpoint lying = new Checkpoint(new Checkpoint.Fingerprint(new int[] {6, 7, 3}, Activation.RELU,
                LossType.CROSS_ENTROPY, OptimizerKind.ADAM, 4L, 64, 2, 1200L, Checkpoint.Fingerprint.WHOLE_BLOCKS),
                fitState(good.state().training.parameters(),
                good.state().training.optimizerState(), null));
        assertMessage(bytes(lying), "layers [6, 7, 3] need 73 parameters, but it holds 53");
    }

    @Test
    void absurdDeclaredSizesAreRefusedWithoutAllocatingThem() throws IOException {
        byte[] full = bytes(checkpoint());
        byte[] hugePayload = full.clone();
        ByteBuffer.wrap(hugePayload).putInt(8, Integer.MAX_VALUE - 100);
        byte[] hugeLayers = resealed(withInt(full.clone(), 12, 0x3FFFFFFF));
        // the parameter count follows the fingerprint and the counters: find it by its value
        int at = indexOfInt(full, checkpoint().state().training.parameters().length);
        byte[] hugeParameters = resealed(withInt(full.clone(), at, 0x3FFFFFFF));
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        assertMessage(hugePayload, "declares 2147483547 bytes of state but holds");
        assertMessage(hugeLayers, "layer count 1073741823 is impossible here");
        assertMessage(hugeParameters, "parameters length 1073741823 is impossible here");
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 16 << 20, "refusing absurd sizes allocated " + allocated + " bytes");
    }

    private static byte[] withInt(byte[] bytes, int at, int value) {
        ByteBuffer.wrap(bytes).putInt(at, value);
        return bytes;
    }

    private static int indexOfInt(byte[] bytes, int value) {
        for (int i = 12; i + 4 <= bytes.length; i++) {
            if (ByteBuffer.wrap(bytes).getInt(i) == value) {
                return i;
            }
        }
        throw new AssertionError("no int " + value);
    }

    private static void assertMessage(byte[] bytes, String fragment) {
        IOException e = assertThrows(IOException.class, () -> read(bytes));
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void damagedModelFilesFailToLoadWithAnIOException() throws Exception {
        SparkSession spark = SparkTestSupport.session("local[1]");
        try {
            KortexClassificationModel model = new KortexClassifier().setHiddenLayers(5).setMaxIter(1)
                    .fit(SyntheticData.blobs(spark, 200, 6, 3, 8, 1));
            Path saved = dir.resolve("model");
            model.write().save(saved.toString());
            Path network = saved.resolve("data/network.kxdl");
            Files.deleteIfExists(saved.resolve("data/.network.kxdl.crc")); // our reader, not Hadoop's, must catch it
            byte[] full = Files.readAllBytes(network);
            SplittableRandom random = new SplittableRandom(13);
            for (int trial = 0; trial < 40; trial++) {
                byte[] damaged = trial % 2 == 0 ? Arrays.copyOf(full, random.nextInt(full.length)) : full.clone();
                if (trial % 2 == 1) {
                    damaged[random.nextInt(damaged.length)] ^= (byte) (1 << random.nextInt(8));
                }
                Files.write(network, damaged);
                try {
                    KortexClassificationModel.load(saved.toString());
                    fail("trial " + trial + ": a damaged model loaded");
                } catch (IOException e) {
                    assertTrue(e.getMessage().contains("network.kxdl"), "the message names the file: " + e.getMessage());
                }
            }
            Files.write(network, full);
            Files.writeString(saved.resolve("data/format.properties"), "kortexdl.modelFormat=9\nkortexdl.modelKind=classifier\n",
                    StandardCharsets.ISO_8859_1);
            Files.deleteIfExists(saved.resolve("data/.format.properties.crc"));
            IOException future = assertThrows(IOException.class, () -> KortexClassificationModel.load(saved.toString()));
            assertTrue(future.getMessage().contains("model layout version 9 is not supported"), future.getMessage());
        } finally {
            spark.stop();
        }
    }

    @Test
    void noReaderOfOursUsesJavaDeserialization() throws IOException, URISyntaxException {
        int scanned = 0;
        Path classes = Path.of(KortexClassifier.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                assertNoObjectInput(file.toString(), Files.readAllBytes(file));
                scanned++;
            }
        }
        Path kernels = Path.of(Network.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (Files.isDirectory(kernels)) {
            try (Stream<Path> files = Files.walk(kernels)) {
                for (Path file : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                    assertNoObjectInput(file.toString(), Files.readAllBytes(file));
                    scanned++;
                }
            }
        } else {
            try (JarFile jar = new JarFile(kernels.toFile())) {
                for (var entry : java.util.Collections.list(jar.entries())) {
                    if (entry.getName().endsWith(".class")) {
                        assertNoObjectInput(entry.getName(), jar.getInputStream(entry).readAllBytes());
                        scanned++;
                    }
                }
            }
        }
        assertTrue(scanned > 50, "scanned " + scanned + " classes");
    }

    private static void assertNoObjectInput(String name, byte[] classFile) {
        String text = new String(classFile, StandardCharsets.ISO_8859_1);
        assertTrue(!text.contains("java/io/ObjectInputStream"), name + " uses ObjectInputStream");
    }
}
