package io.kortexdl.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kortexdl.spark.executor.ChunkUnavailableException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Packing a block into chunks kept on the heap or written to local disk ({@link BlockPacker},
 * {@link SpillStore}, {@link ChunkCodec}), in a {@code local[1]} session for Spark's block store:
 * the budgets' decisions and messages, and reads that refuse every chunk that is not the one
 * written (a flipped byte, a truncated or missing file, another chunk's file).
 */
class ChunkStoreTest {
    private static final int ROWS = 100;
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.session("local[1]");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** 100 rows of 3 features, their label the row's number mod 3. */
    private static List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < ROWS; r++) {
            rows.add(Packing.row(r % 3, r, -r, r * 0.5));
        }
        return rows;
    }

    /** Every feature value of a part, chunk by chunk, then every label. */
    private static float[] values(PackedBlock block) {
        PackedBlock.Part part = block.train;
        float[] out = new float[part.rows * 4];
        int at = 0;
        for (int c = 0; c < part.chunkCount(); c++) {
            RowChunk chunk = part.chunk(c, block.block, null, null);
            System.arraycopy(chunk.features(), 0, out, at, chunk.rows() * 3);
            at += chunk.rows() * 3;
        }
        for (int c = 0; c < part.chunkCount(); c++) {
            RowChunk chunk = part.chunk(c, block.block, null, null);
            System.arraycopy(chunk.labels(), 0, out, at, chunk.rows());
            at += chunk.rows();
        }
        return out;
    }

    @Test
    void autoMovesABlockPastItsBudgetToDiskWithEveryRow() {
        int spill = SpillStore.newSpillId(spark.sparkContext());
        try {
            PackedBlock heap = Packing.pack(0, Packing.columns(10, BlockStorage.AUTO, Packing.unlimited()), spill, rows());
            assertFalse(heap.train.onDisk());
            assertTrue(heap.storage.reason().startsWith("auto: within the "), heap.storage.reason());
            // 10 rows of 3 features and a label: 160 bytes a chunk; the seventh passes 1,000 bytes.
            PackedBlock moved = Packing.pack(0, Packing.columns(10, BlockStorage.AUTO, Packing.limits(1 << 20, 1000)),
                    spill, rows());
            assertNull(moved.error);
            assertTrue(moved.train.onDisk(), "on disk");
            assertEquals(10, moved.train.chunkCount());
            assertTrue(moved.storage.reason().startsWith("auto: more than the 1000 B block budget of an executor"
                    + " heap of 1.0 GiB"), moved.storage.reason());
            assertArrayEquals(values(heap), values(moved), "the chunks kept before the move and those after");
            assertEquals(heap.summary().labelMean(), moved.summary().labelMean());
            assertEquals(1600, moved.storage.bytes());
        } finally {
            SpillStore.removeEverywhere(spill);
        }
    }

    @Test
    void memoryRefusesABlockPastItsLimitStatingTheWholeBlock() {
        PackedBlock refused = Packing.pack(3, Packing.columns(10, BlockStorage.MEMORY, Packing.limits(500, 0)), -1,
                rows());
        assertEquals("Column features has 3 features per row: block 3 holds 100 rows, 1.6 KiB packed, more than the"
                + " 500 B blockStorage=memory allows in an executor heap of 1.0 GiB (Spark reserves 300.0 MiB, the"
                + " training state takes 0 B). Use blockStorage=auto or disk to train from local disk, more"
                + " executors, or more executor memory", refused.error);
    }

    @Test
    void readsRefuseAChunkThatIsNotTheOneWritten() throws Exception {
        int spill = SpillStore.newSpillId(spark.sparkContext());
        try {
            PackedBlock block = Packing.pack(2, Packing.columns(10, BlockStorage.DISK, Packing.unlimited()), spill,
                    rows());
            assertTrue(block.train.onDisk());
            byte[] written = Files.readAllBytes(SpillStore.file(spill, 3).toPath());
            assertEquals(ChunkCodec.HEADER_BYTES + 160, written.length, "a header and 160 bytes of rows");
            float[] expected = values(block);

            byte[] flipped = written.clone();
            flipped[ChunkCodec.HEADER_BYTES + 41] ^= 0x04;
            Files.write(SpillStore.file(spill, 3).toPath(), flipped);
            assertRefused(block, "chunk 3 of block 2 (Spark block rdd_" + spill + "_3) fails its CRC-32C check");
            assertRefused(block, "chunk 3 of block 2 (Spark block rdd_" + spill + "_3) is on no executor any more");
            assertFalse(Files.exists(SpillStore.file(spill, 3).toPath()), "a corrupt chunk is removed");

            PackedBlock again = Packing.pack(2, Packing.columns(10, BlockStorage.DISK, Packing.unlimited()), spill,
                    rows());
            assertArrayEquals(expected, values(again), "packed again: the removed chunk written anew");

            Files.copy(SpillStore.file(spill, 6).toPath(), SpillStore.file(spill, 5).toPath(),
                    StandardCopyOption.REPLACE_EXISTING);
            assertRefused(again, "chunk 5 of block 2 (Spark block rdd_" + spill + "_5) fails its CRC-32C check",
                    "another chunk's file");

            Files.write(SpillStore.file(spill, 1).toPath(), java.util.Arrays.copyOf(written, 100));
            assertRefused(again, "chunk 1 of block 2 (Spark block rdd_" + spill + "_1) could not be read: "
                    + "java.io.EOFException", "a truncated file");

            Files.delete(SpillStore.file(spill, 0).toPath());
            assertRefused(again, "chunk 0 of block 2 (Spark block rdd_" + spill + "_0) could not be read: "
                    + "org.apache.spark.SparkException: Block rdd_" + spill + "_0 was not found", "a missing file");
            assertRefused(again, "chunk 0 of block 2 (Spark block rdd_" + spill + "_0) is on no executor any more",
                    "Spark forgot the block");
        } finally {
            SpillStore.removeEverywhere(spill);
        }
        assertFalse(Files.exists(SpillStore.file(spill, 4).toPath()), "removed at the end");
    }

    private static void assertRefused(PackedBlock block, String start) {
        assertRefused(block, start, "");
    }

    private static void assertRefused(PackedBlock block, String start, String what) {
        ChunkUnavailableException e = assertThrows(ChunkUnavailableException.class, () -> values(block), what);
        assertTrue(e.getMessage().startsWith(start), what + ": " + e.getMessage());
        assertEquals(block.block, e.block());
    }
}
