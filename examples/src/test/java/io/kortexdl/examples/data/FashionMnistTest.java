package io.kortexdl.examples.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kortexdl.spark.data.IdxFile;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Fashion-MNIST loader over IDX files written here, plain and gzipped. */
class FashionMnistTest {
    @TempDir
    Path dir;

    private void write(String name, int[] dims, byte[] data, boolean gzip) throws IOException {
        Path path = dir.resolve(gzip ? name + ".gz" : name);
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(path)) : Files.newOutputStream(path)) {
            IdxFile.write(out, dims, data);
        }
    }

    @Test
    void fashionMnistLoaderChecksLabelsAndCounts() throws IOException {
                write("train-images-idx3-ubyte", new int[] {3, 2, 2}, new byte[12], true);
        write("train-labels-idx1-ubyte", new int[] {3}, new byte[] {0, 9, 4}, true);
        LabeledData data = FashionMnist.train(dir);
        assertEquals(3, data.rows());
        assertEquals(4, data.featureCount());
        assertArrayEquals(new int[] {0, 9, 4}, data.labels());
        assertEquals(1f, data.oneHot()[10 + 9]);

        write("t10k-images-idx3-ubyte", new int[] {3, 2, 2}, new byte[12], false);
        write("t10k-labels-idx1-ubyte", new int[] {3}, new byte[] {0, 10, 4}, false);
        IOException badLabel = assertThrows(IOException.class, () -> FashionMnist.test(dir));
        assertTrue(badLabel.getMessage().contains("label 10 at row 1 is not 0..9"), badLabel.getMessage());

        IOException missing = assertThrows(IOException.class, () -> FashionMnist.train(dir.resolve("nowhere")));
        assertTrue(missing.getMessage().contains("apt-get install dataset-fashion-mnist"), missing.getMessage());
    }
}
