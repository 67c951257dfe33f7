package io.kortexdl.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kortexdl.spark.data.IdxDataFrames;
import io.kortexdl.spark.data.IdxFile;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A dataset directory laid out as MNIST, plain and gzipped, read into a DataFrame. */
class IdxDataFramesTest {
    private static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.session("local[1]");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private void write(String name, int[] dims, byte[] data, boolean gzip) throws IOException {
        Path path = dir.resolve(gzip ? name + ".gz" : name);
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(path)) : Files.newOutputStream(path)) {
            IdxFile.write(out, dims, data);
        }
    }

    @Test
    void readsEitherSplitPlainOrGzippedWithPixelsScaledToOne() throws IOException {
        write("train-images-idx3-ubyte", new int[] {3, 2, 2}, new byte[] {0, 51, 102, (byte) 255, 1, 2, 3, 4, 5, 6, 7, 8},
                true);
        write("train-labels-idx1-ubyte", new int[] {3}, new byte[] {9, 0, 4}, true);
        write("t10k-images-idx3-ubyte", new int[] {1, 2, 2}, new byte[] {(byte) 255, 0, 0, 0}, false);
        write("t10k-labels-idx1-ubyte", new int[] {1}, new byte[] {3}, false);

        List<Row> train = IdxDataFrames.readMnist(spark, dir.toString(), "train", 2, 2).collectAsList();
        assertEquals(2, train.size(), "maxRows keeps the first rows");
        assertArrayEquals(new double[] {0, 0.2, 0.4, 1.0}, ((Vector) train.get(0).get(0)).toArray(), 1e-12);
        assertEquals(9.0, train.get(0).getDouble(1));
        assertEquals(0.0, train.get(1).getDouble(1));
        List<Row> test = IdxDataFrames.readMnist(spark, "file:" + dir, "t10k", 1, Integer.MAX_VALUE).collectAsList();
        assertEquals(1, test.size());
        assertEquals(3.0, test.get(0).getDouble(1));
    }

    @Test
    void missingFilesAreNamedWithBothSpellingsTried() {
        IOException missing = assertThrows(IOException.class,
                () -> IdxDataFrames.readMnist(spark, dir.toString(), "train", 1, 10));
        assertTrue(missing.getMessage().contains("no train-images-idx3-ubyte in " + dir), missing.getMessage());
        assertTrue(missing.getMessage().contains("train-images-idx3-ubyte.gz or "), missing.getMessage());
    }
}
