package io.kortexdl.spark;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Packing leaves the heap that Spark's reservation and the training state need: the checks of
 * {@link MemoryCheck#packedRows} and {@link MemoryCheck#packedNonZeros} count against this JVM's
 * heap less {@code heapTaken}, so rows that fit the heap alone but not beside the network are
 * refused before training instead of running the executor out of heap mid-fit.
 */
class PackingBudgetTest {
    private static final long HEAP = Runtime.getRuntime().maxMemory();
    private static final long MIB = 1L << 20;

    @Test
    void denseRowsGetTheHeapLeftBesideTheTrainingState() {
        long taken = HEAP - 10 * MIB; // 10 MiB left: 784 floats a row, twice, is 6,272 bytes a row
        assertDoesNotThrow(() -> MemoryCheck.packedRows("features", 784, 1_000, 0, taken), "6.0 MiB fits 10 MiB");
        assertDoesNotThrow(() -> MemoryCheck.packedRows("features", 784, 2_000, 0, 0), "12.0 MiB fits the whole heap");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MemoryCheck.packedRows("features", 784, 2_000, 3, taken));
        assertTrue(e.getMessage().startsWith("Column features has 784 features per row: packing 2001 rows of block 3 as"
                + " dense float32 needs 12.0 MiB, more than the 10.0 MiB this JVM's heap of "), e.getMessage());
        assertTrue(e.getMessage().contains("that Spark's reservation and the training state take"), e.getMessage());
    }

    @Test
    void sparseRowsGetTheHeapLeftBesideTheTrainingState() {
        long taken = HEAP - 10 * MIB; // 16 bytes a non-zero (and 8 a row), plus room for one 65,536-wide row
        assertDoesNotThrow(() -> MemoryCheck.packedNonZeros("tf", 1 << 18, 1_000, 500_000, 0, taken));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MemoryCheck.packedNonZeros("tf", 1 << 18, 1_000, 700_000, 1, taken));
        assertTrue(e.getMessage().startsWith("Column tf: packing block 1 as sparse rows needs more than 700,000"
                + " non-zeros in 1000 rows, 11.7 MiB, more than the 10.0 MiB this JVM's heap of "), e.getMessage());
        assertDoesNotThrow(() -> MemoryCheck.packedNonZeros("tf", 1 << 18, 1_000, 700_000, 1, 0));
    }
}
