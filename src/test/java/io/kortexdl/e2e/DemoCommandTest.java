package io.kortexdl.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./kortex demo} run as a user runs it, on two epochs: spark-submit of FashionMnistJob on
 * {@code local[*]}, per-epoch lines, the test accuracy, the confusion matrix and the saved model.
 * {@code ./kortex test} builds before the tests, so the launcher finds its jars up to date here
 * (run directly from Maven, the launcher builds them first).
 */
class DemoCommandTest {
    @TempDir
    Path dir;

    @Test
    void demoTrainsReportsAndSavesTheModel() throws Exception {
        SparkProcesses.Result demo = SparkProcesses.run(List.of("bash", SparkProcesses.ROOT.resolve("kortex").toString(),
                "demo", "--epochs", "2"), Map.of(), dir.resolve("demo.log"), 500);
        String out = demo.output();
        assertEquals(0, demo.exitCode(), out);
        assertTrue(out.contains("epoch 1/2") && out.contains("epoch 2/2"), out);
        assertTrue(out.contains("Confusion matrix") && out.contains("Ankle boot"), out);
        Path model = SparkProcesses.ROOT.resolve(".kortex/models/fashion-mnist");
        assertTrue(out.contains("Model saved to file:" + model), out);
        double accuracy = Double.parseDouble(demo.result("test_accuracy"));
        assertTrue(accuracy >= 0.855, "two epochs on all 60,000 rows reach 0.861: " + accuracy);
        assertTrue(Files.isRegularFile(model.resolve("data/network.kxdl")), "model written to " + model);
        assertEquals("{driver=120000}", demo.result("rows_by_executor"), "local[*]: the driver trains 2 x 60,000 rows");
    }
}
