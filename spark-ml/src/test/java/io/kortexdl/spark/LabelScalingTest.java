package io.kortexdl.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kortexdl.kernels.Activation;
import io.kortexdl.kernels.Network;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The label standardization of KortexRegressor against hand-computed and naive references. */
class LabelScalingTest {

    @Test
    void foldingTheScalingIntoTheOutputLayerPredictsScaleTimesOutputPlusOffset() {
        int[] layers = {3, 5, 1};
        Network standardized = Network.builder().layers(layers).hiddenActivation(Activation.TANH).seed(4).build();
        LabelScaling scaling = new LabelScaling(1234.5, 87.25);
        float[] folded = scaling.toLabelUnits(layers, standardized.getParameters());
        Network inLabelUnits = Network.builder().layers(layers).hiddenActivation(Activation.TANH).parameters(folded)
                .build();
        float[] x = {0.3f, -1.2f, 0.8f};
        double expected = 87.25 * standardized.forwardBatch(x, 1)[0] + 1234.5;
        assertEquals(expected, inLabelUnits.forwardBatch(x, 1)[0], 1e-3);
        float[] back = scaling.toStandardUnits(layers, folded);
        float[] original = standardized.getParameters();
        for (int i = 0; i < original.length; i++) {
            assertEquals(original[i], back[i], 1e-5 * Math.max(1, Math.abs(original[i])), "parameter " + i);
        }
        assertEquals(-1.0f, scaling.standardize((float) (1234.5 - 87.25)), 1e-6f);
        assertEquals(4 * 87.25 * 87.25, scaling.squaredErrorInLabelUnits(4), 1e-9);
    }

    @Test
    void blockMomentsCombineToTheMeanAndDeviationOfAllLabels() {
        SplittableRandom random = new SplittableRandom(7);
        List<PackedBlock.Summary> summaries = new ArrayList<>();
        List<Double> all = new ArrayList<>();
        for (int block = 0; block < 4; block++) {
            int rows = block == 2 ? 0 : 50 + 30 * block;
            List<org.apache.spark.sql.Row> packedRows = new ArrayList<>();
            for (int r = 0; r < rows; r++) {
                float label = (float) (1e6 + 300 * random.nextDouble());
                all.add((double) label);
                packedRows.add(Packing.row(label, r));
            }
            // Regression labels, chunks of 7 rows: the moments follow the rows across chunks.
            DataPacker.Columns columns = new DataPacker.Columns(FeatureColumn.of(Packing.SCHEMA, "features"), "label",
                    false, null, null, FeatureStorage.DENSE, 7, BlockStorage.MEMORY, Packing.unlimited());
            summaries.add(Packing.pack(block, columns, -1, packedRows).summary());
        }
        double mean = all.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double variance = all.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum() / all.size();
        LabelScaling scaling = new DataPacker.Packed(null, summaries, 1, all.size(), 0, 0, null,
                FeatureStorage.DENSE, 7, new int[4]).labelScaling();
        assertEquals(mean, scaling.offset(), 1e-6);
        assertEquals(Math.sqrt(variance), scaling.scale(), 1e-6);
    }

    @Test
    void aConstantLabelIsOnlyShifted() {
        LabelScaling scaling = LabelScaling.fromMoments(10, 42, 0);
        assertEquals(42, scaling.offset());
        assertEquals(1, scaling.scale());
        assertEquals(LabelScaling.IDENTITY, LabelScaling.fromMoments(0, 0, 0));
    }
}
