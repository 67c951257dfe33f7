package io.kortexdl.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kortexdl.kernels.LossType;
import io.kortexdl.kernels.Network;
import org.junit.jupiter.api.Test;

/** Metric sums against values worked out by hand. */
class MetricSumsTest {

    @Test
    void crossEntropyAndAccuracyWeighEachRow() {
        MetricSums sums = new MetricSums();
        // Row 1: logits (0, ln 3), label 1, weight 2: p = 3/4, loss -ln(3/4), correct.
        sums.addRow(new float[] {0f, (float) Math.log(3)}, 0, 2, 1, 2.0, LossType.CROSS_ENTROPY);
        // Row 2: logits (0, 0), label 0, weight 1: p = 1/2, loss ln 2; a tie goes to class 0, correct.
        sums.addRow(new float[] {9f, 0f, 0f}, 1, 2, 0, 1.0, LossType.CROSS_ENTROPY);
        // Row 3: logits (2, 0), label 1, weight 1: p = 1/(1+e^2), wrong.
        sums.addRow(new float[] {2f, 0f}, 0, 2, 1, 1.0, LossType.CROSS_ENTROPY);
        KortexMetrics m = sums.toMetrics(LossType.CROSS_ENTROPY);
        double expectedLoss = (2 * -Math.log(0.75) + Math.log(2) + Math.log(1 + Math.exp(2))) / 4;
        assertEquals(expectedLoss, m.loss(), 1e-6);
        assertEquals(3.0 / 4, m.accuracy(), 1e-12, "weights 2 + 1 of 4 correct");
        assertEquals(3, m.rows());
        assertTrue(Double.isNaN(m.rmse()));
    }

    @Test
    void squaredErrorRmseAndR2() {
        MetricSums sums = new MetricSums();
        double[] labels = {1, 2, 3, 4};
        float[] predictions = {1.5f, 2f, 2.5f, 5f};
        for (int r = 0; r < 4; r++) {
            sums.addRow(predictions, r, 1, labels[r], 1.0, LossType.MSE);
        }
        KortexMetrics m = sums.toMetrics(LossType.MSE);
        double sse = 0.25 + 0 + 0.25 + 1;
        assertEquals(sse / 4, m.loss(), 1e-12);
        assertEquals(Math.sqrt(sse / 4), m.rmse(), 1e-12);
        assertEquals(1 - sse / 5, m.r2(), 1e-12, "the labels' total variance is 5");
        assertTrue(Double.isNaN(m.accuracy()));
    }

    @Test
    void aLabelOutsideTheClassesIsNamedAndNotCounted() {
        MetricSums sums = new MetricSums();
        sums.addRow(new float[] {0f, 1f}, 0, 2, 2, 1.0, LossType.CROSS_ENTROPY);
        sums.addRow(new float[] {0f, 1f}, 0, 2, 0.5, 1.0, LossType.CROSS_ENTROPY);
        assertEquals("the label is 2.0; expected a class index 0..1", sums.error);
        assertEquals(0, sums.rows);
        assertTrue(Double.isNaN(sums.toMetrics(LossType.CROSS_ENTROPY).loss()), "no weight: NaN, not 0");
    }

    @Test
    void partsAddedTogetherEqualOnePass() {
        Network network = Network.builder().layers(3, 4, 2).seed(1).build();
        float[] features = new float[10 * 3];
        float[] labels = new float[10];
        for (int r = 0; r < 10; r++) {
            for (int c = 0; c < 3; c++) {
                features[r * 3 + c] = (r * 7 + c * 3) % 5 - 2f;
            }
            labels[r] = r % 2;
        }
        MetricSums whole = new MetricSums();
        whole.addPart(network, part(features, labels, 0, 10, 10), 0, LossType.CROSS_ENTROPY);
        MetricSums first = new MetricSums();
        first.addPart(network, part(features, labels, 0, 4, 4), 0, LossType.CROSS_ENTROPY);
        MetricSums second = new MetricSums();
        second.addPart(network, part(features, labels, 4, 10, 6), 1, LossType.CROSS_ENTROPY);
        MetricSums added = new MetricSums().add(first).add(second);
        MetricSums chunked = new MetricSums();
        chunked.addPart(network, part(features, labels, 0, 10, 3), 0, LossType.CROSS_ENTROPY);
        assertEquals(whole.lossSum, chunked.lossSum, "chunks of 3 rows score as one chunk: the passes cover the same rows");
        assertEquals(whole.correctWeight, chunked.correctWeight);
        assertEquals(whole.rows, added.rows);
        assertEquals(whole.lossSum, added.lossSum, 1e-9);
        assertEquals(whole.correctWeight, added.correctWeight);
        assertNull(added.error);

        float[] out = network.forward(features, 10);
        MetricSums byRow = new MetricSums();
        for (int r = 0; r < 10; r++) {
            byRow.addRow(out, r * 2, 2, labels[r], 1.0, LossType.CROSS_ENTROPY);
        }
        assertEquals(byRow.lossSum, whole.lossSum, 1e-9, "chunked forward passes score as the network does");
    }

    /** Rows {@code [from, to)} of 3-wide {@code features} as a part on the heap in chunks of {@code perChunk}. */
    private static PackedBlock.Part part(float[] features, float[] labels, int from, int to, int perChunk) {
        java.util.List<RowChunk> chunks = new java.util.ArrayList<>();
        for (int r = from; r < to; r += perChunk) {
            int n = Math.min(perChunk, to - r);
            chunks.add(new RowChunk(n, 3, java.util.Arrays.copyOfRange(features, r * 3, (r + n) * 3), null, null,
                    java.util.Arrays.copyOfRange(labels, r, r + n), null));
        }
        return PackedBlock.Part.onHeap(perChunk, false, chunks.toArray(new RowChunk[0]), to - from);
    }
}
