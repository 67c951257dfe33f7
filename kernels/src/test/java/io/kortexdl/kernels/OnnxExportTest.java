package io.kortexdl.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OnnxModelMetadata;
import io.kortexdl.kernels.onnx.OnnxExport;
import io.kortexdl.kernels.onnx.OnnxHead;
import io.kortexdl.kernels.onnx.OnnxInput;
import io.kortexdl.kernels.onnx.OnnxBound;
import io.kortexdl.kernels.onnx.OrtModel;
import io.kortexdl.kernels.onnx.SparkRule;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Exported networks run in ONNX Runtime for Java and give what the network computes: the outputs
 * within {@link OnnxBound}, the predictions identical wherever the two best classes are further
 * apart than that bound. The references are the network's own forward pass and, for the heads,
 * Spark's rules computed here in double precision (softmax, {@code p / t}), plus a network small
 * enough to compute by hand.
 */
class OnnxExportTest {
    private static final int ROWS = 300;

    @ParameterizedTest
    @EnumSource(value = Activation.class, names = {"RELU", "TANH", "SIGMOID"})
    void multiclassOutputsMatchTheForwardPassForEveryHiddenActivation(Activation hidden) throws OrtException {
        Network network = Network.builder().layers(30, 24, 16, 5).hiddenActivation(hidden).seed(3).build();
        float[] rows = TestData.uniform(ROWS * 30, 11, 2f);
        float[] logits = network.forward(rows, ROWS);
        try (OrtModel ort = new OrtModel(OnnxExport.of(network).head(OnnxHead.MULTICLASS).toBytes())) {
            OrtModel.Outputs out = ort.dense(rows, ROWS, 30);
            OnnxBound.assertClose(logits, out.floats("rawPrediction"), hidden + " logits");
            OnnxBound.assertClose(SparkRule.softmaxRows(logits, 5), out.floats("probability"), hidden + " probability");
            SparkRule.assertPredictions(logits, 5, null, out.longs("prediction"), hidden + " prediction");
        }
    }

    @Test
    void thresholdsChooseTheLargestProbabilityOverThresholdAsSparkDoes() throws OrtException {
        Network network = Network.builder().layers(12, 10, 4).seed(5).build();
        float[] rows = TestData.uniform(ROWS * 12, 13, 3f);
        float[] logits = network.forward(rows, ROWS);
        double[][] thresholdSets = {{0.1, 0.5, 0.2, 0.9}, {0.3, 0, 0.5, 0.2}, {1, 1, 1, 1}};
        for (double[] thresholds : thresholdSets) {
            byte[] model = OnnxExport.of(network).head(OnnxHead.MULTICLASS).thresholds(thresholds).toBytes();
            try (OrtModel ort = new OrtModel(model)) {
                long[] predicted = ort.dense(rows, ROWS, 12).longs("prediction");
                SparkRule.assertPredictions(logits, 4, thresholds, predicted,
                        "thresholds " + java.util.Arrays.toString(thresholds));
                if (thresholds[1] == 0) {
                    assertTrue(Stream.of(box(predicted)).allMatch(p -> p == 1), "a zero threshold wins outright");
                }
            }
        }
        long[] unthresholded;
        try (OrtModel ort = new OrtModel(OnnxExport.of(network).head(OnnxHead.MULTICLASS).toBytes())) {
            unthresholded = ort.dense(rows, ROWS, 12).longs("prediction");
        }
        try (OrtModel ort = new OrtModel(OnnxExport.of(network).head(OnnxHead.MULTICLASS)
                .thresholds(0.1, 0.5, 0.2, 0.9).toBytes())) {
            long[] thresholded = ort.dense(rows, ROWS, 12).longs("prediction");
            int changed = 0;
            for (int r = 0; r < ROWS; r++) {
                changed += thresholded[r] != unthresholded[r] ? 1 : 0;
            }
            assertTrue(changed > 10, "uneven thresholds change some predictions; changed " + changed);
        }
    }

    @Test
    void aNetworkSmallEnoughToComputeByHand() throws OrtException {
        // x W0 + b0 = (1*1 + 2*2 + 0.5, 1*-1 + 2*0.5 - 1) = (5.5, -1); ReLU (5.5, 0);
        // x W1 + b1 = (5.5*1 + 0*-1 + 0, 5.5*0 + 0*2 + 0.25) = (5.5, 0.25).
        float[] parameters = {1, -1, 2, 0.5f, 0.5f, -1, 1, 0, -1, 2, 0, 0.25f};
        Network network = Network.builder().layers(2, 2, 2).parameters(parameters).build();
        float[] x = {1, 2};
        double p1 = 1 / (1 + Math.exp(5.25));
        try (OrtModel ort = new OrtModel(OnnxExport.of(network).head(OnnxHead.MULTICLASS).toBytes())) {
            OrtModel.Outputs out = ort.dense(x, 1, 2);
            assertArrayEquals(new float[] {5.5f, 0.25f}, out.floats("rawPrediction"));
            assertArrayEquals(new float[] {(float) (1 - p1), (float) p1}, out.floats("probability"), 1e-7f);
            assertArrayEquals(new long[] {0}, out.longs("prediction"));
        }
        // p1 / 0.001 = 5.2 beats p0 / 1 = 0.995; a zero threshold wins whatever the probabilities.
        try (OrtModel ort = new OrtModel(OnnxExport.of(network).head(OnnxHead.MULTICLASS).thresholds(1, 0.001)
                .toBytes())) {
            assertArrayEquals(new long[] {1}, ort.dense(x, 1, 2).longs("prediction"));
        }
        try (OrtModel ort = new OrtModel(OnnxExport.of(network).head(OnnxHead.MULTICLASS).thresholds(0.9, 0)
                .toBytes())) {
            assertArrayEquals(new long[] {1}, ort.dense(x, 1, 2).longs("prediction"));
        }
    }

    @Test
    void binaryHeadIsLaidOutAsSparksLogisticRegression() throws OrtException {
        Network network = Network.builder().layers(10, 8, 1).hiddenActivation(Activation.TANH).seed(9).build();
        float[] rows = TestData.uniform(ROWS * 10, 17, 2f);
        float[] z = network.forward(rows, ROWS);
        float[] raw = new float[2 * ROWS];
        float[] probability = new float[2 * ROWS];
        for (int r = 0; r < ROWS; r++) {
            double s = 1 / (1 + Math.exp(-z[r]));
            raw[2 * r] = -z[r];
            raw[2 * r + 1] = z[r];
            probability[2 * r] = (float) (1 - s);
            probability[2 * r + 1] = (float) s;
        }
        for (double[] thresholds : new double[][] {null, {0.7, 0.3}, {0.2, 0.8}}) {
            byte[] model = OnnxExport.of(network).head(OnnxHead.BINARY).thresholds(thresholds).toBytes();
            try (OrtModel ort = new OrtModel(model)) {
                OrtModel.Outputs out = ort.dense(rows, ROWS, 10);
                OnnxBound.assertClose(raw, out.floats("rawPrediction"), "binary rawPrediction");
                OnnxBound.assertClose(probability, out.floats("probability"), "binary probability");
                float[] twoClassLogits = new float[2 * ROWS];
                for (int r = 0; r < ROWS; r++) {
                    twoClassLogits[2 * r + 1] = z[r];
                }
                SparkRule.assertPredictions(twoClassLogits, 2, thresholds, out.longs("prediction"), "binary prediction");
            }
        }
    }

    @Test
    void regressionPredictsTheSingleOutputPerRow() throws OrtException {
        Network network = Network.builder().layers(10, 8, 1).seed(21).build();
        float[] rows = TestData.uniform(ROWS * 10, 19, 5f);
        try (OrtModel ort = new OrtModel(OnnxExport.of(network).head(OnnxHead.REGRESSION).toBytes())) {
            float[] prediction = ort.dense(rows, ROWS, 10).floats("prediction");
            assertEquals(ROWS, prediction.length, "one value per row");
            OnnxBound.assertClose(network.forward(rows, ROWS), prediction, "regression prediction");
        }
    }

    @Test
    void outputsHeadAppliesTheOutputActivation() throws OrtException {
        Network network = Network.builder().layers(10, 8, 3).outputActivation(Activation.SIGMOID).seed(23).build();
        float[] rows = TestData.uniform(ROWS * 10, 29, 2f);
        try (OrtModel ort = new OrtModel(OnnxExport.of(network).toBytes())) {
            OnnxBound.assertClose(network.forward(rows, ROWS), ort.dense(rows, ROWS, 10).floats("output"),
                    "sigmoid outputs");
        }
    }

    @Test
    void sparseInputReadsOnlyTheNonZerosOfAWideRow() throws OrtException {
        int width = 1 << 18;
        Network network = Network.builder().layers(width, 32, 16, 4).seed(31).build();
        SparseRows rows = SparseRows.random(64, width, 80, 37);
        float[] logits = network.forward(rows.batch());
        byte[] model = OnnxExport.of(network).head(OnnxHead.MULTICLASS).input(OnnxInput.SPARSE).toBytes();
        try (OrtModel ort = new OrtModel(model)) {
            OrtModel.Outputs out = ort.sparse(rows.paddedIndices(), rows.paddedValues(), rows.count(), rows.maxNonZeros());
            OnnxBound.assertClose(logits, out.floats("rawPrediction"), "sparse logits");
            SparkRule.assertPredictions(logits, 4, null, out.longs("prediction"), "sparse prediction");
            assertEquals(2, ort.session().getInputNames().size(), "indices and values, no dense features");
        }
    }

    @Test
    void sparseAndDenseExportsAgreeOnTheSameRows() throws OrtException {
        Network network = Network.builder().layers(40, 16, 1).hiddenActivation(Activation.SIGMOID).seed(41).build();
        SparseRows rows = SparseRows.random(50, 40, 12, 43);
        try (OrtModel dense = new OrtModel(OnnxExport.of(network).head(OnnxHead.REGRESSION).toBytes());
             OrtModel sparse = new OrtModel(OnnxExport.of(network).head(OnnxHead.REGRESSION).input(OnnxInput.SPARSE)
                     .toBytes())) {
            float[] fromDense = dense.dense(rows.dense(), rows.count(), 40).floats("prediction");
            float[] fromSparse = sparse.sparse(rows.paddedIndices(), rows.paddedValues(), rows.count(),
                    rows.maxNonZeros()).floats("prediction");
            OnnxBound.assertClose(network.forward(rows.dense(), rows.count()), fromDense, "dense export");
            OnnxBound.assertClose(fromDense, fromSparse, "sparse export against dense export");
        }
    }

    @Test
    void metadataRecordsTheReleaseArchitectureAndTraining() throws IOException, OrtException {
        Network network = Network.builder().layers(6, 5, 3).hiddenActivation(Activation.TANH)
                .optimizer(OptimizerKind.ADAM).l2(1e-4f).seed(77).build();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        network.writeOnnx(out, OnnxHead.MULTICLASS);
        try (OrtModel ort = new OrtModel(out.toByteArray())) {
            OnnxModelMetadata metadata = ort.session().getMetadata();
            assertEquals("KortexDL", metadata.getProducerName());
            Map<String, String> custom = metadata.getCustomMetadata();
            assertEquals(Release.version(), custom.get("kortexdl.version"));
            assertTrue(Release.version().matches("\\d+\\.\\d+\\.\\d+.*"), Release.version());
            assertEquals("6,5,3", custom.get("kortexdl.layers"));
            assertEquals("TANH", custom.get("kortexdl.hiddenActivation"));
            assertEquals("6", custom.get("numFeatures"));
            assertEquals("3", custom.get("numClasses"));
            assertTrue(custom.get("kortexdl.optimizer").startsWith("ADAM"), custom.toString());
            assertEquals("77", custom.get("kortexdl.seed"));
        }
    }

    @Test
    void headsThatDoNotFitTheNetworkAreRefused() {
        Network sigmoidOutputs = Network.builder().layers(4, 3).outputActivation(Activation.SIGMOID).build();
        IllegalArgumentException logits = assertThrows(IllegalArgumentException.class,
                () -> OnnxExport.of(sigmoidOutputs).head(OnnxHead.MULTICLASS).toBytes());
        assertTrue(logits.getMessage().contains("must be IDENTITY, got SIGMOID"), logits.getMessage());
        Network three = Network.builder().layers(4, 3).build();
        IllegalArgumentException binary = assertThrows(IllegalArgumentException.class,
                () -> OnnxExport.of(three).head(OnnxHead.BINARY).toBytes());
        assertTrue(binary.getMessage().contains("exactly 1 output, but the network has 3"), binary.getMessage());
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
                () -> OnnxExport.of(three).head(OnnxHead.MULTICLASS).thresholds(0.5, 0.5).toBytes());
        assertTrue(count.getMessage().contains("expected 3 values, one per class, got 2"), count.getMessage());
        IllegalArgumentException zeros = assertThrows(IllegalArgumentException.class,
                () -> OnnxExport.of(three).thresholds(0, 0, 1));
        assertTrue(zeros.getMessage().contains("at most one 0"), zeros.getMessage());
        Network one = Network.builder().layers(4, 1).build();
        IllegalArgumentException regression = assertThrows(IllegalArgumentException.class,
                () -> OnnxExport.of(one).head(OnnxHead.REGRESSION).thresholds(1, 1).toBytes());
        assertTrue(regression.getMessage().contains("only classifier heads"), regression.getMessage());
    }

    @Test
    void savingWritesWholeFilesAndNeverReplacesOneUnasked(@TempDir Path dir) throws IOException, OrtException {
        Network first = Network.builder().layers(5, 4, 2).seed(1).build();
        Network second = Network.builder().layers(5, 4, 2).seed(2).build();
        Path file = dir.resolve("model.onnx");
        first.writeOnnx(file, OnnxHead.MULTICLASS, false);
        byte[] written = Files.readAllBytes(file);
        assertThrows(FileAlreadyExistsException.class, () -> second.writeOnnx(file, OnnxHead.MULTICLASS, false));
        assertArrayEquals(written, Files.readAllBytes(file), "a refused write leaves the file as it was");
        second.writeOnnx(file, OnnxHead.MULTICLASS, true);
        float[] row = {1, 2, 3, 4, 5};
        try (OrtModel ort = new OrtModel(Files.readAllBytes(file))) {
            OnnxBound.assertClose(second.forward(row, 1), ort.dense(row, 1, 5).floats("rawPrediction"), "replaced");
        }
        assertThrows(NoSuchFileException.class,
                () -> first.writeOnnx(dir.resolve("missing/model.onnx"), OnnxHead.MULTICLASS, false));
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(java.util.List.of(file), left.toList(), "no temporary file is left behind");
        }
    }

    private static Long[] box(long[] values) {
        Long[] boxed = new Long[values.length];
        for (int i = 0; i < values.length; i++) {
            boxed[i] = values[i];
        }
        return boxed;
    }

    /** Random sparse rows with strictly increasing indices, as CSR and as the export's padded inputs. */
    record SparseRows(int count, int width, int[] rowStarts, int[] indices, float[] values) {
        static SparseRows random(int count, int width, int maxNonZeros, long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            int[] starts = new int[count + 1];
            java.util.List<Integer> allIndices = new java.util.ArrayList<>();
            java.util.List<Float> allValues = new java.util.ArrayList<>();
            for (int r = 0; r < count; r++) {
                int nonZeros = r == 0 ? 0 : random.nextInt(1, maxNonZeros + 1);
                random.ints(nonZeros, 0, width).distinct().sorted().forEach(i -> {
                    allIndices.add(i);
                    allValues.add((float) random.nextDouble(-2, 2));
                });
                starts[r + 1] = allIndices.size();
            }
            float[] values = new float[allValues.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = allValues.get(i);
            }
            return new SparseRows(count, width, starts, allIndices.stream().mapToInt(Integer::intValue).toArray(),
                    values);
        }

        SparseBatch batch() {
            return new SparseBatch(count, width, rowStarts, indices, values);
        }

        float[] dense() {
            float[] dense = new float[count * width];
            for (int r = 0; r < count; r++) {
                for (int k = rowStarts[r]; k < rowStarts[r + 1]; k++) {
                    dense[r * width + indices[k]] = values[k];
                }
            }
            return dense;
        }

        int maxNonZeros() {
            int most = 0;
            for (int r = 0; r < count; r++) {
                most = Math.max(most, rowStarts[r + 1] - rowStarts[r]);
            }
            return most;
        }

        long[] paddedIndices() {
            int k = maxNonZeros();
            long[] padded = new long[count * k];
            for (int r = 0; r < count; r++) {
                for (int i = rowStarts[r]; i < rowStarts[r + 1]; i++) {
                    padded[r * k + i - rowStarts[r]] = indices[i];
                }
            }
            return padded;
        }

        float[] paddedValues() {
            int k = maxNonZeros();
            float[] padded = new float[count * k];
            for (int r = 0; r < count; r++) {
                System.arraycopy(values, rowStarts[r], padded, r * k, rowStarts[r + 1] - rowStarts[r]);
            }
            return padded;
        }
    }
}
