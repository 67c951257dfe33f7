package io.kortexdl.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kortexdl.kernels.onnx.OnnxBound;
import io.kortexdl.kernels.onnx.OrtModel;
import io.kortexdl.kernels.onnx.SparkRule;
import io.kortexdl.spark.KortexClassificationModel;
import io.kortexdl.spark.KortexClassifier;
import io.kortexdl.spark.KortexRegressionModel;
import io.kortexdl.spark.KortexRegressor;
import io.kortexdl.spark.data.IdxDataFrames;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./kortex export-onnx} run as a user runs it on saved models, and the files it writes
 * checked in Python as a serving client loads them: {@code onnx.checker} accepts them and ONNX
 * Runtime for Python gives what ONNX Runtime for Java and the Spark model's {@code transform} give
 * ({@code src/test/python/onnx_check.py}, in the environment {@code ./kortex test} creates from
 * {@code src/test/python/requirements.txt}; {@code $KORTEX_PYTHON} names its interpreter).
 */
class OnnxExportCommandTest {
    private static final int ROWS = 500;
    private static SparkSession spark;
    private static Dataset<Row> train;
    private static Dataset<Row> test;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws IOException {
        spark = SparkSession.builder().master("local[2]").appName("onnx-export-test")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
        String fashion = System.getenv().getOrDefault("KORTEX_FASHION_MNIST", "/usr/share/datasets/fashion-mnist");
        train = IdxDataFrames.readMnist(spark, fashion, "train", 2, 4000).cache();
        test = IdxDataFrames.readMnist(spark, fashion, "t10k", 1, ROWS).cache();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void exportedFilesPassOnnxsCheckerAndScoreAlikeInPythonJavaAndSpark() throws Exception {
        KortexClassificationModel classifier = new KortexClassifier().setHiddenLayers(32).setMaxIter(2).setSeed(3)
                .fit(train);
        double[] thresholds = {1, 0.5, 1, 1, 0.7, 1, 0.4, 1, 1, 1};
        classifier.setThresholds(thresholds);
        classifier.write().save(dir.resolve("classifier").toString());
        KortexRegressionModel regressor = new KortexRegressor().setHiddenLayers(16).setMaxIter(2).setSeed(4)
                .fit(train);
        regressor.write().save(dir.resolve("regressor").toString());
        exportCommand("classifier", "classifier.onnx");
        exportCommand("classifier", "classifier-sparse.onnx", "--sparse");
        exportCommand("regressor", "regressor.onnx");

        List<Row> classified = classifier.transform(test).select("features", "rawPrediction", "probability",
                "prediction").collectAsList();
        float[] features = floats(classified, 0, 784);
        float[] raw = floats(classified, 1, 10);
        Map<String, Object> models = new LinkedHashMap<>();
        Map<String, Object> dense = Map.of("features", write("features.f32", features, ROWS, 784));
        Map<String, Object> sparse = sparseInputs(features);
        try (OrtModel ort = new OrtModel(Files.readAllBytes(dir.resolve("classifier.onnx")))) {
            OrtModel.Outputs out = ort.dense(features, ROWS, 784);
            OnnxBound.assertClose(raw, out.floats("rawPrediction"), "Java runtime against transform");
            int nearTies = SparkRule.assertPredictions(raw, 10, thresholds, out.longs("prediction"), "Java runtime");
            // The sparse graph is checked against the dense graph's Java outputs: another graph,
            // whose rounding may settle a near tie the other way.
            models.put("classifier", model("classifier.onnx", dense, "classifier", out, classified, 0, nearTies));
            models.put("classifier_sparse", model("classifier-sparse.onnx", sparse, "classifier", out, classified,
                    nearTies, nearTies));
        }
        List<Row> regressed = regressor.transform(test).select("prediction").collectAsList();
        try (OrtModel ort = new OrtModel(Files.readAllBytes(dir.resolve("regressor.onnx")))) {
            OrtModel.Outputs out = ort.dense(features, ROWS, 784);
            float[] transformed = new float[ROWS];
            for (int r = 0; r < ROWS; r++) {
                transformed[r] = (float) regressed.get(r).getDouble(0);
            }
            models.put("regressor", Map.of("onnx", "regressor.onnx", "inputs", dense,
                    "java_onnxruntime",
                    Map.of("prediction", write("regressor-java.f32", out.floats("prediction"), ROWS)),
                    "transform", Map.of("prediction", write("regressor-transform.f32", transformed, ROWS))));
        }
        Path manifest = dir.resolve("manifest.json");
        Files.writeString(manifest, new ObjectMapper().writeValueAsString(
                Map.of("bound", (double) OnnxBound.RELATIVE, "models", models)));

        SparkProcesses.Result check = SparkProcesses.run(List.of(python(),
                SparkProcesses.ROOT.resolve("src/test/python/onnx_check.py").toString(), manifest.toString()),
                Map.of(), dir.resolve("python.log"), 300);
        assertEquals(0, check.exitCode(), check.output());
        List<String> results = check.output().lines().filter(l -> l.startsWith("RESULT ")).toList();
        assertEquals(3, results.size(), check.output());
        for (String line : results) {
            assertTrue(line.contains("checker=ok") && line.contains("opset=13") && line.contains("ir=7"), line);
            if (line.contains("model=classifier ")) {
                assertTrue(line.contains("java_onnxruntime_predictions_differing=0"), line);
            }
        }
        System.out.println(check.output());
    }

    @Test
    void aDamagedModelOrAnExistingOutputIsAClearErrorAndWritesNothing() throws Exception {
        KortexClassificationModel model = new KortexClassifier().setHiddenLayers(8).setMaxIter(1).setSeed(5)
                .fit(train.limit(500));
        Path saved = dir.resolve("model");
        model.write().save(saved.toString());
        Path network = saved.resolve("data/network.kxdl");
        byte[] bytes = Files.readAllBytes(network);
        bytes[bytes.length / 2] ^= 0x5A;
        Files.write(network, bytes);
        Path out = dir.resolve("out");
        Files.createDirectory(out);
        SparkProcesses.Result damaged = run("export-onnx", saved.toString(), out.resolve("model.onnx").toString());
        assertEquals(1, damaged.exitCode(), damaged.output());
        assertTrue(damaged.output().contains("error: ") && damaged.output().contains("network.kxdl"),
                "the error names the damaged file: " + damaged.output());
        assertEquals(List.of(), list(out), "nothing is written for a damaged model");

        model.write().overwrite().save(saved.toString());
        Path existing = out.resolve("model.onnx");
        Files.writeString(existing, "keep me");
        SparkProcesses.Result refused = run("export-onnx", saved.toString(), existing.toString());
        assertEquals(1, refused.exitCode(), refused.output());
        assertTrue(refused.output().contains("already exists; pass --overwrite to replace it"), refused.output());
        assertEquals("keep me", Files.readString(existing));

        SparkProcesses.Result replaced = run("export-onnx", saved.toString(), existing.toString(), "--overwrite");
        assertEquals(0, replaced.exitCode(), replaced.output());
        assertArrayEquals(model.onnxWriter().toBytes(), Files.readAllBytes(existing), "the model's own export");
        assertEquals(List.of("model.onnx"), list(out), "no side file beside the model");

        SparkProcesses.Result usage = run("export-onnx", saved.toString());
        assertEquals(2, usage.exitCode(), usage.output());
        assertTrue(usage.output().contains("usage: ./kortex export-onnx MODEL_DIR OUT.onnx"), usage.output());
    }

    private void exportCommand(String model, String output, String... options) throws Exception {
        List<String> args = new ArrayList<>(List.of("export-onnx", dir.resolve(model).toString(),
                dir.resolve(output).toString()));
        args.addAll(List.of(options));
        SparkProcesses.Result result = run(args.toArray(String[]::new));
        assertEquals(0, result.exitCode(), result.output());
        assertEquals("file:" + dir.resolve(output), result.result("output"), result.output());
        assertEquals(options.length > 0 ? "sparse" : "dense", result.result("input"), result.output());
    }

    private SparkProcesses.Result run(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", SparkProcesses.ROOT.resolve("kortex").toString()));
        command.addAll(List.of(args));
        return SparkProcesses.run(command, Map.of(), dir.resolve("kortex-" + System.nanoTime() + ".log"), 300);
    }

    private Map<String, Object> model(String onnx, Map<String, Object> inputs, String prefix, OrtModel.Outputs java,
                                      List<Row> transformed, int javaNearTies, int transformNearTies)
            throws IOException {
        long[] predictions = new long[ROWS];
        for (int r = 0; r < ROWS; r++) {
            predictions[r] = (long) transformed.get(r).getDouble(3);
        }
        return Map.of("onnx", onnx, "inputs", inputs, "allowed_prediction_differences",
                Map.of("java_onnxruntime", javaNearTies, "transform", transformNearTies),
                "java_onnxruntime", Map.of(
                        "rawPrediction", write(prefix + "-java-raw.f32", java.floats("rawPrediction"), ROWS, 10),
                        "probability", write(prefix + "-java-probability.f32", java.floats("probability"), ROWS, 10),
                        "prediction", write(prefix + "-java-prediction.i64", java.longs("prediction"), ROWS)),
                "transform", Map.of(
                        "rawPrediction", write(prefix + "-transform-raw.f32", floats(transformed, 1, 10), ROWS, 10),
                        "probability", write(prefix + "-transform-probability.f32", floats(transformed, 2, 10), ROWS,
                                10),
                        "prediction", write(prefix + "-transform-prediction.i64", predictions, ROWS)));
    }

    /** The non-zero pixels of each row, padded to the longest row with index 0 and value 0. */
    private Map<String, Object> sparseInputs(float[] features) throws IOException {
        int k = 0;
        for (int r = 0; r < ROWS; r++) {
            int nonZeros = 0;
            for (int c = 0; c < 784; c++) {
                nonZeros += features[r * 784 + c] != 0 ? 1 : 0;
            }
            k = Math.max(k, nonZeros);
        }
        long[] indices = new long[ROWS * k];
        float[] values = new float[ROWS * k];
        for (int r = 0; r < ROWS; r++) {
            int at = r * k;
            for (int c = 0; c < 784; c++) {
                if (features[r * 784 + c] != 0) {
                    indices[at] = c;
                    values[at++] = features[r * 784 + c];
                }
            }
        }
        assertTrue(k < 784, "Fashion-MNIST rows have zero pixels to leave out");
        return Map.of("indices", write("indices.i64", indices, ROWS, k),
                "values", write("values.f32", values, ROWS, k));
    }

    private static float[] floats(List<Row> rows, int column, int width) {
        float[] values = new float[rows.size() * width];
        for (int r = 0; r < rows.size(); r++) {
            double[] v = ((Vector) rows.get(r).get(column)).toArray();
            for (int j = 0; j < width; j++) {
                values[r * width + j] = (float) v[j];
            }
        }
        return values;
    }

    private Map<String, Object> write(String name, float[] values, long... shape) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        Files.write(dir.resolve(name), buffer.array());
        return Map.of("file", name, "shape", shape);
    }

    private Map<String, Object> write(String name, long[] values, long... shape) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asLongBuffer().put(values);
        Files.write(dir.resolve(name), buffer.array());
        return Map.of("file", name, "shape", shape);
    }

    private static List<String> list(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    /** The interpreter of the Python test environment: {@code $KORTEX_PYTHON}, set by {@code ./kortex test}. */
    private static String python() {
        String python = System.getenv("KORTEX_PYTHON");
        Path fallback = SparkProcesses.ROOT.resolve(".kortex/python/bin/python");
        if (python == null && !Files.isExecutable(fallback)) {
            throw new IllegalStateException("no Python test environment: run ./kortex test, which creates "
                    + fallback + " from src/test/python/requirements.txt, or set KORTEX_PYTHON");
        }
        return python != null ? python : fallback.toString();
    }
}
