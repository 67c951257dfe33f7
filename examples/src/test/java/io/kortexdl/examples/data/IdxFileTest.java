package io.kortexdl.examples.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** IDX files written here byte by byte, plain and gzipped, read back; damaged ones are refused by name. */
class IdxFileTest {
    @TempDir
    Path dir;

    private static byte[] idx(int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0x0800 | dims.length);
        for (int d : dims) {
            out.writeInt(d);
        }
        out.write(data);
        return bytes.toByteArray();
    }

    private Path write(String name, byte[] content, boolean gzip) throws IOException {
        Path path = dir.resolve(gzip ? name + ".gz" : name);
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(path)) : Files.newOutputStream(path)) {
            out.write(content);
        }
        return path;
    }

    @Test
    void readsPlainAndGzippedFiles() throws IOException {
        byte[] pixels = {0, 1, (byte) 128, (byte) 255, 7, 9};
        for (boolean gzip : new boolean[] {false, true}) {
            IdxFile file = IdxFile.read(write("images" + gzip, idx(new int[] {2, 3}, pixels), gzip));
            assertArrayEquals(new int[] {2, 3}, file.dimensions());
            assertEquals(2, file.items());
            assertEquals(3, file.itemSize());
            assertEquals(255, file.unsigned(3));
            assertArrayEquals(new float[] {0f, 2f, 256f, 510f, 14f, 18f}, file.toFloats(2f));
        }
    }

    @Test
    void refusesTruncatedAndForeignFiles() throws IOException {
        byte[] good = idx(new int[] {4, 2}, new byte[8]);
        IOException truncated = assertThrows(IOException.class,
                () -> IdxFile.read(write("short", Arrays.copyOf(good, good.length - 3), false)));
        assertTrue(truncated.getMessage().contains("truncated, 5 of 8 bytes present"), truncated.getMessage());
        IOException header = assertThrows(IOException.class, () -> IdxFile.read(write("header", Arrays.copyOf(good, 6), false)));
        assertTrue(header.getMessage().contains("truncated IDX header"), header.getMessage());
        byte[] ints = good.clone();
        ints[2] = 0x0C; // element type int32
        IOException foreign = assertThrows(IOException.class, () -> IdxFile.read(write("ints", ints, false)));
        assertTrue(foreign.getMessage().contains("not an unsigned-byte IDX file"), foreign.getMessage());
    }

    @Test
    void fashionMnistLoaderChecksLabelsAndCounts() throws IOException {
        byte[] images = idx(new int[] {3, 2, 2}, new byte[12]);
        write("train-images-idx3-ubyte", images, true);
        write("train-labels-idx1-ubyte", idx(new int[] {3}, new byte[] {0, 9, 4}), true);
        LabeledData data = FashionMnist.train(dir);
        assertEquals(3, data.rows());
        assertEquals(4, data.featureCount());
        assertArrayEquals(new int[] {0, 9, 4}, data.labels());
        assertEquals(1f, data.oneHot()[10 + 9]);

        write("t10k-images-idx3-ubyte", images, false);
        write("t10k-labels-idx1-ubyte", idx(new int[] {3}, new byte[] {0, 10, 4}), false);
        IOException badLabel = assertThrows(IOException.class, () -> FashionMnist.test(dir));
        assertTrue(badLabel.getMessage().contains("label 10 at row 1 is not 0..9"), badLabel.getMessage());

        IOException missing = assertThrows(IOException.class, () -> FashionMnist.train(dir.resolve("nowhere")));
        assertTrue(missing.getMessage().contains("apt-get install dataset-fashion-mnist"), missing.getMessage());
    }
}
