package io.kortexdl.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrowsExactly;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jobs' output check, made before any work: an existing output, and a place that cannot be written. */
class JobSessionTest {
    private static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[1]").appName("job-session-test").config("spark.ui.enabled", "false")
                .getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void aWritableNewOutputPassesAndLeavesNothingBehind() throws Exception {
        JobSession.refuseExisting(spark, dir.resolve("out/model").toString(), false, "--model-out");
        try (Stream<Path> files = Files.list(dir.resolve("out"))) {
            assertEquals(List.of(), files.toList(), "the probe file is gone");
        }
    }

    @Test
    void anExistingOutputIsRefusedWithoutOverwrite() throws Exception {
        Files.createDirectories(dir.resolve("model"));
        IllegalArgumentException e = assertThrowsExactly(IllegalArgumentException.class,
                () -> JobSession.refuseExisting(spark, dir.resolve("model").toString(), false, "--model-out"));
        assertTrue(e.getMessage().contains("already exists; pass --overwrite"), e.getMessage());
        JobSession.refuseExisting(spark, dir.resolve("model").toString(), true, "--model-out");
    }

    @Test
    void anOutputUnderAFileCannotBeWritten() throws Exception {
        Files.writeString(dir.resolve("file"), "x");
        IllegalArgumentException e = assertThrowsExactly(IllegalArgumentException.class,
                () -> JobSession.refuseExisting(spark, dir.resolve("file/model").toString(), true, "--model-out"));
        assertTrue(e.getMessage().contains("--model-out") && e.getMessage().contains("file/model cannot be written"),
                e.getMessage());
        assertEquals("x", Files.readString(dir.resolve("file")));
    }
}
