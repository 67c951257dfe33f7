package io.kortexdl.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spark's local directory on a 3 MiB {@code tmpfs}, too small for the 6 MiB of packed rows a fit
 * writes there with {@code blockStorage=disk}: the fit fails before any epoch, naming the
 * directory, what the disk said and the bytes the block needs, with no checkpoint and no chunk
 * left. (A read-only local directory fails Spark itself first: it cannot store a task's
 * broadcast.) Mounting needs root, as CI runs.
 */
class FullLocalDiskTest {
    @TempDir
    static Path dir;

    private static Path local;
    private static SparkSession spark;

    @BeforeAll
    static void start() throws Exception {
        local = dir.resolve("local");
        Files.createDirectories(local);
        Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", local.toString()) == 0,
                "mounting a small tmpfs needs root (CI runs as root)");
        spark = SparkTestSupport.session("local[1]", Map.of("spark.local.dir", local.toString()));
    }

    @AfterAll
    static void stop() throws Exception {
        if (spark != null) {
            spark.stop();
        }
        if (local != null) {
            run("umount", local.toString());
        }
    }

    private static int run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getInputStream().readAllBytes();
        return process.waitFor();
    }

    private static long files(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> p.getFileName().toString().startsWith("rdd_")).count();
        }
    }

    private static void assertRefusedBeforeAnyEpoch(Dataset<Row> train, String diskSays) throws Exception {
        Path checkpoints = dir.resolve("checkpoints-" + diskSays.hashCode());
        AtomicInteger epochs = new AtomicInteger();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new KortexClassifier()
                .setHiddenLayers(16).setMaxIter(2).setBlockStorage("disk").setCheckpointDir(checkpoints.toString())
                .addTrainingListener(record -> epochs.incrementAndGet()).fit(train));
        String message = e.getMessage();
        assertTrue(message.startsWith("KortexDL could not write the packed rows of block 0 to Spark's local directory "
                + local.toRealPath()), message);
        assertTrue(message.contains(diskSays), message);
        assertTrue(message.contains("block 0 holds 2,000 rows, 6.0 MiB packed. Point spark.local.dir"), message);
        assertEquals(0, epochs.get(), "no epoch ran");
        assertFalse(Files.exists(checkpoints) && Files.list(checkpoints).findAny().isPresent(), "no checkpoint");
        assertEquals(0, files(local), "no chunk left in the local directory");
    }

    @Test
    void aFullLocalDirectoryFailsTheFitBeforeAnyEpoch() throws Exception {
        Dataset<Row> train = SparkTestSupport.fashion(spark, true, 2000, 1);
        train.count();
        assertRefusedBeforeAnyEpoch(train, "No space left on device");
        List<String> left = new java.util.ArrayList<>();
        try (Stream<Path> walk = Files.walk(local)) {
            walk.filter(Files::isRegularFile).forEach(p -> left.add(p.toString()));
        }
        assertTrue(left.stream().noneMatch(p -> p.contains("/rdd_")), String.valueOf(left));
    }
}
