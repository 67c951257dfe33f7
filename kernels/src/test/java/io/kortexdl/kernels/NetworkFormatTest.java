package io.kortexdl.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Save/load round trips bitwise, and every kind of damaged input is refused with a clear IOException. */
class NetworkFormatTest {

    private static Network trained() {
        Network net = Network.builder().layers(6, 9, 4).hiddenActivation(Activation.TANH)
                .outputActivation(Activation.SIGMOID).optimizer(OptimizerKind.ADAM, 0.8f, 0.99f, 1e-7f)
                .l2(0.01f).seed(99).build();
        float[] x = TestData.uniform(5 * 6, 1, 1f);
        float[] t = TestData.targets(LossType.MSE, 5, 4, 2);
        for (int i = 0; i < 10; i++) {
            net.trainBatch(x, t, LossType.MSE, 0.01f, 5);
        }
        return net;
    }

    private static byte[] bytes(Network net) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        net.save(out);
        return out.toByteArray();
    }

    @Test
    void roundTripIsBitwise() throws IOException {
        Network net = trained();
        Network loaded = Network.load(new ByteArrayInputStream(bytes(net)));
        assertArrayEquals(net.layerSizes(), loaded.layerSizes());
        assertEquals(Activation.TANH, loaded.hiddenActivation());
        assertEquals(Activation.SIGMOID, loaded.outputActivation());
        assertEquals(OptimizerKind.ADAM, loaded.optimizer().kind());
        assertArrayEquals(new float[] {0.8f, 0.99f, 1e-7f}, loaded.optimizer().hyperParameters());
        assertEquals(0.01f, loaded.l2());
        assertEquals(99L, loaded.seed());
        float[] a = net.getParameters();
        float[] b = loaded.getParameters();
        for (int i = 0; i < a.length; i++) {
            assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]), "parameter " + i);
        }
        float[] x = TestData.uniform(3 * 6, 7, 1f);
        assertArrayEquals(net.forward(x, 3), loaded.forward(x, 3));
        assertArrayEquals(bytes(net), bytes(loaded), "saving the loaded network gives the same bytes");
    }

    @Test
    void saveDoesNotCloseTheStream() throws IOException {
        boolean[] closed = {false};
        ByteArrayOutputStream out = new ByteArrayOutputStream() {
            @Override
            public void close() {
                closed[0] = true;
            }
        };
        trained().save(out);
        assertEquals(false, closed[0]);
    }

    @Test
    void everyTruncationIsRefused() throws IOException {
        byte[] full = bytes(trained());
        for (int length = 0; length < full.length; length++) {
            byte[] truncated = Arrays.copyOf(full, length);
            IOException e = assertThrows(IOException.class, () -> load(truncated), "truncated to " + length);
            assertTrue(e.getMessage().startsWith("Cannot read KortexDL network"), e.getMessage());
        }
    }

    @Test
    void randomBitFlipsAreRefused() throws IOException {
        byte[] full = bytes(trained());
        SplittableRandom random = new SplittableRandom(5);
        for (int trial = 0; trial < 2000; trial++) {
            byte[] damaged = full.clone();
            int flips = 1 + random.nextInt(3);
            for (int f = 0; f < flips; f++) {
                damaged[random.nextInt(damaged.length)] ^= (byte) (1 << random.nextInt(8));
            }
            if (Arrays.equals(damaged, full)) {
                continue; // two flips of the same bit cancel out
            }
            assertThrows(IOException.class, () -> load(damaged), "trial " + trial);
        }
    }

    @Test
    void foreignAndFutureFilesAreNamedAsSuch() throws IOException {
        byte[] full = bytes(trained());
        byte[] foreign = full.clone();
        foreign[0] = 'P';
        assertMessage(foreign, "not a KortexDL network (magic 0x50");
        byte[] future = full.clone();
        ByteBuffer.wrap(future).putInt(4, 7);
        assertMessage(future, "format version 7 was written by a newer KortexDL; this build reads up to 1");
        assertMessage("hello world, this is text".getBytes(), "not a KortexDL network");
    }

    @Test
    void headerFieldsAreCheckedBeforeAnyAllocation() throws IOException {
        // layer sizes 2^24 x 2^24 would need 2^48 parameters: refused from the header alone
        ByteBuffer absurd = ByteBuffer.allocate(64);
        absurd.putInt(NetworkFormat.MAGIC).putInt(1).putInt(2).putInt(1 << 24).putInt(1 << 24);
        assertMessage(absurd.array(), "need more than 2^31 parameters");

        ByteBuffer tooMany = ByteBuffer.allocate(64);
        tooMany.putInt(NetworkFormat.MAGIC).putInt(1).putInt(Integer.MAX_VALUE);
        assertMessage(tooMany.array(), "number of layer sizes is 2147483647, expected 2..64");

        // plausible sizes (8192 x 8192 = 64M parameters, 256 MB) but nothing behind them: the reader
        // stops at the end of the input instead of allocating the declared size up front
        ByteBuffer lying = ByteBuffer.allocate(4096);
        lying.putInt(NetworkFormat.MAGIC).putInt(1).putInt(2).putInt(8192).putInt(8192)
                .put((byte) 1).put((byte) 0).put((byte) 0).putLong(1).putFloat(0f)
                .put((byte) 0).putInt(0).putInt(8192 * 8192 + 8192);
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        assertMessage(lying.array(), "truncated input");
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 16 << 20, "reading a lying header allocated " + allocated + " bytes");
    }

    @Test
    void sizesThatDisagreeWithTheParameterCountAreRefused() throws IOException {
        byte[] full = bytes(trained());
        // layer sizes start at offset 12: change the hidden width 9 -> 10
        byte[] changed = full.clone();
        ByteBuffer.wrap(changed).putInt(16, 10);
        assertMessage(changed, "does not match layer sizes [6, 10, 4]");
    }

    @Test
    void loadOfANullStreamIsAnIOException() {
        assertThrows(IOException.class, () -> Network.load(null));
    }

    private static Network load(byte[] data) throws IOException {
        try (InputStream in = new ByteArrayInputStream(data)) {
            return Network.load(in);
        }
    }

    private static void assertMessage(byte[] data, String fragment) {
        IOException e = assertThrows(IOException.class, () -> load(data));
        assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' lacks '" + fragment + "'");
    }
}
