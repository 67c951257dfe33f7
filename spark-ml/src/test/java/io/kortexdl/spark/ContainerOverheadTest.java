package io.kortexdl.spark;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/**
 * The container check of {@link MemoryCheck#executorOverhead}: the overhead as Spark sizes YARN
 * and Kubernetes containers, hand-computed, and which fits are refused on which masters.
 */
class ContainerOverheadTest {
    private static final long MIB = 1L << 20;

    private static SparkConf conf(String... pairs) {
        SparkConf conf = new SparkConf(false);
        for (int i = 0; i < pairs.length; i += 2) {
            conf.set(pairs[i], pairs[i + 1]);
        }
        return conf;
    }

    @Test
    void overheadIsSparksDerivedDefaultOrTheSetValue() {
        assertEquals(384 * MIB, MemoryCheck.executorOverheadBytes(conf()), "1g executors: the 384 MiB floor");
        assertEquals(819 * MIB, MemoryCheck.executorOverheadBytes(conf("spark.executor.memory", "8g")),
                "0.1 x 8192 MiB, rounded down");
        assertEquals(819 * MIB, MemoryCheck.executorOverheadBytes(conf("spark.executor.memory", "4g",
                "spark.executor.memoryOverheadFactor", "0.2")));
        assertEquals(512 * MIB, MemoryCheck.executorOverheadBytes(conf("spark.executor.minMemoryOverhead", "512m")));
        assertEquals(200 * MIB, MemoryCheck.executorOverheadBytes(conf("spark.executor.memory", "8g",
                "spark.executor.memoryOverhead", "200m")), "a set overhead replaces the derived one");
    }

    @Test
    void aNetworkWhoseSyncBuffersOverflowTheOverheadIsRefusedOnYarnAndKubernetes() {
        long parameters = 16_000_000; // sync frames: 3 x 64,000,000 bytes = 183.1 MiB
        for (String master : new String[] {"yarn", "k8s://https://cluster:6443"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MemoryCheck.executorOverhead("tf", parameters, 1, master, conf()));
            String message = e.getMessage();
            assertTrue(message.startsWith("Column tf: a network of 16,000,000 parameters needs about 471.1 MiB"),
                    message);
            assertTrue(message.contains("more than the 384.0 MiB of spark.executor.memoryOverhead its container allows"
                    + " by default"), message);
            // 256 + 32 + 183.1 MiB, rounded up
            assertTrue(message.contains("Set spark.executor.memoryOverhead to at least 472m"), message);
        }
        assertDoesNotThrow(() -> MemoryCheck.executorOverhead("tf", parameters, 1, "yarn",
                conf("spark.executor.memoryOverhead", "472m")), "the overhead the message asks for is enough");
    }

    @Test
    void eachTrainerThreadCountsItsBlasBuffer() {
        // 256 + 4 x 32 = 384 MiB exactly: fits; a fifth thread does not.
        assertDoesNotThrow(() -> MemoryCheck.executorOverhead("f", 0, 4, "yarn", conf()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MemoryCheck.executorOverhead("f", 0, 5, "yarn", conf()));
        assertTrue(e.getMessage().contains("5 x 32.0 MiB of native BLAS buffers"), e.getMessage());
    }

    @Test
    void defaultsPassForTheUsualNetworksAndOtherMastersAreNotChecked() {
        assertDoesNotThrow(() -> MemoryCheck.executorOverhead("features", 235_146, 1, "yarn", conf()),
                "784-256-128-10 in 1g executors with Spark's defaults");
        for (String master : new String[] {"local[2]", "local-cluster[2,1,1024]", "spark://127.0.0.1:7077"}) {
            assertDoesNotThrow(() -> MemoryCheck.executorOverhead("tf", 100_000_000, 8, master, conf()),
                    master + " runs executors without a container limit");
        }
    }
}
