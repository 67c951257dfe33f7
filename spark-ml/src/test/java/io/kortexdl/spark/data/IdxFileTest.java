package io.kortexdl.spark.data;

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

    /** An IDX file as bytes; the header is spelled out here rather than taken from {@link IdxFile#write}. */
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

    @Test
    void writeProducesWhatReadAccepts() throws IOException {
        byte[] data = {1, 2, 3, 4, 5, 6};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        IdxFile.write(out, new int[] {3, 2}, data);
        assertArrayEquals(idx(new int[] {3, 2}, data), out.toByteArray());
        assertThrows(IllegalArgumentException.class, () -> IdxFile.write(new ByteArrayOutputStream(), new int[] {4, 2}, data));
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
}
