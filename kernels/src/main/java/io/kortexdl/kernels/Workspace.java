package io.kortexdl.kernels;

/**
 * Scratch memory for one forward/backward call: per-layer activations, two delta buffers and
 * a gradient vector. A workspace is used by one thread at a time and grows to the largest
 * batch it has seen, so a warmed-up caller allocates nothing.
 */
final class Workspace {
    private final ParameterLayout layout;
    private int capacityRows;
    /** activations[l] holds the outputs of weight layer l, {@code rows x fanOut(l)}. */
    float[][] activations;
    float[] deltaA;
    float[] deltaB;
    /** {@code capacityRows} ones: the row vector that turns column sums into a GEMM. */
    float[] ones;
    final float[] gradient;

    Workspace(ParameterLayout layout, int rows) {
        this.layout = layout;
        this.gradient = new float[layout.parameterCount()];
        this.activations = new float[layout.layerCount()][];
        ensureRows(rows);
    }

    /** Grows the row-sized buffers to hold at least {@code rows} rows. */
    void ensureRows(int rows) {
        if (rows <= capacityRows) {
            return;
        }
        for (int l = 0; l < layout.layerCount(); l++) {
            activations[l] = new float[rows * layout.fanOut(l)];
        }
        deltaA = new float[rows * layout.maxWidth()];
        deltaB = new float[rows * layout.maxWidth()];
        ones = new float[rows];
        java.util.Arrays.fill(ones, 1f);
        capacityRows = rows;
    }

    int capacityRows() {
        return capacityRows;
    }
}
