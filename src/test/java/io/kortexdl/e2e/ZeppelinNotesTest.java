package io.kortexdl.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Executes every Zeppelin note under {@code notebooks/} as Zeppelin's Spark interpreter would, on
 * {@code local[2]}, and checks what their key paragraphs print.
 */
class ZeppelinNotesTest {
    private static final Path NOTES = SparkProcesses.ROOT.resolve("notebooks");

    @TempDir
    static Path dir;

    private static SparkSession spark;

    @BeforeAll
    static void start() throws Exception {
        Files.createDirectories(dir.resolve("classes"));
        spark = SparkSession.builder().master("local[2]").appName("zeppelin-notes")
                .config("spark.ui.enabled", "false")
                .config("spark.repl.class.outputDir", dir.resolve("classes").toString())
                .getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static String quoted(Object path) {
        return "\"" + path + "\"";
    }

    private static List<ZeppelinNoteRunner.Paragraph> run(String note, Map<String, String> variables) throws Exception {
        return ZeppelinNoteRunner.run(NOTES.resolve(note), spark, dir.resolve("classes"), variables);
    }

    private static String output(List<ZeppelinNoteRunner.Paragraph> paragraphs, String title) {
        return paragraphs.stream().filter(p -> p.title().equals(title)).findFirst()
                .orElseThrow(() -> new AssertionError("no paragraph titled " + title)).output();
    }

    private static double number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), "no match for " + regex + " in:\n" + text);
        return Double.parseDouble(m.group(1));
    }

    /** The rows of a {@code %table} output (or a {@code %sql} result) after its header, as cells. */
    private static List<String[]> table(String output, String header) {
        int at = output.indexOf(header);
        assertTrue(at >= 0, "no table with header " + header + " in:\n" + output);
        return Arrays.stream(output.substring(at + header.length()).split("\n")).filter(l -> !l.isBlank())
                .map(l -> l.split("\t")).toList();
    }

    @Test
    void aFailingParagraphFailsTheNoteByTitle() throws Exception {
        Path note = Files.writeString(dir.resolve("broken.zpln"), """
                {"paragraphs": [
                  {"title": "fine", "text": "%spark\\nval x = 1\\nprintln(s\\"x is $x\\")"},
                  {"title": "broken", "text": "%spark\\nval y = x + 1\\nval z = undefinedName * y"},
                  {"title": "never run", "text": "%spark\\nprintln(\\"unreachable\\")"}
                ], "defaultInterpreterGroup": "spark"}
                """);
        AssertionError failure = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                () -> ZeppelinNoteRunner.run(note, spark, dir.resolve("classes"), Map.of()));
        assertTrue(failure.getMessage().contains("paragraph 'broken' failed"), failure.getMessage());
        assertTrue(failure.getMessage().contains("not found: value undefinedName"), failure.getMessage());
    }

    @Test
    void quickStartTrainsShowsHistoryAndConfusionMatrixAndReloads() throws Exception {
        List<ZeppelinNoteRunner.Paragraph> note = run("1-quick-start_2KORTEX01.zpln", Map.of(
                "fashionDir", quoted("/usr/share/datasets/fashion-mnist"),
                "modelDir", quoted(dir.resolve("fashion-model")), "epochs", "3"));
        assertTrue(output(note, "Load the data").contains("training rows: 60000, test rows: 10000"));

        String history = output(note, "Training history");
        assertTrue(history.startsWith("%table "), "Zeppelin draws it only as the paragraph's first output: " + history);
        List<String[]> epochs = table(history, "%table epoch\ttraining_loss\tvalidation_accuracy\tseconds\n");
        assertEquals(3, epochs.size(), history);
        assertTrue(Double.parseDouble(epochs.get(2)[1]) < Double.parseDouble(epochs.get(0)[1]), "loss falls: " + history);
        assertTrue(Double.parseDouble(epochs.get(2)[2]) > 0.8, "validation accuracy: " + history);

        double accuracy = number(output(note, "Test accuracy"), "Test accuracy: ([0-9.]+) %");
        assertTrue(accuracy >= 86.5, "the note reaches 87.4 %; test accuracy " + accuracy);
        List<String[]> matrix = table(output(note, "Confusion matrix (rows: true class, columns: predicted)"),
                "label\t0\t1\t2\t3\t4\t5\t6\t7\t8\t9\n");
        assertEquals(10, matrix.size());
        long diagonal = 0;
        long all = 0;
        for (int i = 0; i < 10; i++) {
            assertEquals(String.valueOf(i), matrix.get(i)[0]);
            for (int j = 1; j <= 10; j++) {
                long n = matrix.get(i)[j].equals("null") ? 0 : Long.parseLong(matrix.get(i)[j]);
                all += n;
                diagonal += i == j - 1 ? n : 0;
            }
        }
        assertEquals(10000, all);
        assertEquals(accuracy, 100.0 * diagonal / all, 0.006, "the matrix's diagonal is the printed accuracy");
        assertTrue(output(note, "Save and reload").contains("the reloaded model makes the same predictions: true"));
        assertTrue(Files.isRegularFile(dir.resolve("fashion-model/data/network.kxdl")));
    }

    @Test
    void pipelineNoteTunesAPipelineAndReloadsIt() throws Exception {
        List<ZeppelinNoteRunner.Paragraph> note = run("2-pipelines-and-tuning_2KORTEX02.zpln", Map.of(
                "wineCsv", quoted(SparkProcesses.wineCsv()), "modelDir", quoted(dir.resolve("wine-pipeline"))));
        assertTrue(output(note, "Load the CSV").contains("178 wines"));
        List<String[]> cultivars = table(output(note, "The cultivars at a glance"),
                "cultivar\twines\talcohol\tcolor_intensity\tproline\n");
        assertEquals(List.of("59", "71", "48"), cultivars.stream().map(r -> r[1]).toList(), "wines per cultivar");
        List<String[]> grid = table(output(note, "Cross-validated accuracy per grid point"),
                "%table stepSize\thiddenLayers\tcv_accuracy\n");
        assertEquals(4, grid.size());
        assertTrue(grid.stream().anyMatch(r -> Double.parseDouble(r[2]) > 0.9), "some grid point fits the wines");
        String best = output(note, "The best pipeline on held-out rows, saved and reloaded");
        assertTrue(number(best, "Held-out accuracy of the best pipeline: ([0-9.]+) %") >= 85, best);
        assertTrue(best.contains("the reloaded pipeline makes the same predictions: true"), best);
    }

    @Test
    void networkNoteTrainsAndConcurrentCallersMatchOneCall() throws Exception {
        List<ZeppelinNoteRunner.Paragraph> note = run("3-network-api_2KORTEX03.zpln",
                Map.of("fashionDir", quoted("/usr/share/datasets/fashion-mnist")));
        assertTrue(output(note, "Load the files into arrays").contains("60000 training rows, 10000 test rows"));
        assertTrue(number(output(note, "Train on every core"), "Test accuracy: ([0-9.]+) %") >= 84);
        assertTrue(output(note, "Many threads, one network")
                .contains("8 concurrent callers reproduce the single call bit for bit: true"));
        List<String[]> rates = table(output(note, "Rows per second"), "%table threads\trows_per_second\n");
        assertEquals(List.of("1", "2", "4", "8"), rates.stream().map(r -> r[0]).toList());
        assertTrue(rates.stream().allMatch(r -> Double.parseDouble(r[1]) > 0));
    }
}
