package io.kortexdl.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * With {@code spark.io.encryption.enabled}, the chunks on local disk are encrypted as Spark's own
 * blocks are: no chunk file holds the header or a row's bytes in clear text, and the chunks read
 * back as written.
 */
class EncryptedChunksTest {
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.session("local[1]", Map.of("spark.io.encryption.enabled", "true"));
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void chunksOnDiskAreEncryptedAndReadBackAsWritten() throws Exception {
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < 200; r++) {
            rows.add(Packing.row(r % 2, 1234.5 + r, -r, 0.25));
        }
        int spill = SpillStore.newSpillId(spark.sparkContext());
        try {
            PackedBlock heap = Packing.pack(0, Packing.columns(50, BlockStorage.MEMORY, Packing.unlimited()), -1, rows);
            PackedBlock disk = Packing.pack(0, Packing.columns(50, BlockStorage.DISK, Packing.unlimited()), spill, rows);
            assertTrue(disk.train.onDisk());
            byte[] magic = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(ChunkCodec.MAGIC).array();
            for (int c = 0; c < disk.train.chunkCount(); c++) {
                byte[] firstValue = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(1234.5f + 50 * c)
                        .array();
                byte[] file = Files.readAllBytes(SpillStore.file(spill, c).toPath());
                assertFalse(contains(file, magic), "chunk " + c + " holds the header in clear text");
                assertFalse(contains(file, firstValue), "chunk " + c + " holds a feature value in clear text");
                RowChunk written = heap.train.chunk(c, 0, null, null);
                RowChunk read = disk.train.chunk(c, 0, null, null);
                assertArrayEquals(java.util.Arrays.copyOf(written.features(), written.values()),
                        java.util.Arrays.copyOf(read.features(), read.values()), "chunk " + c);
                assertArrayEquals(written.labels(), read.labels());
            }
        } finally {
            SpillStore.removeEverywhere(spill);
        }
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (java.util.Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return true;
            }
        }
        return false;
    }
}
