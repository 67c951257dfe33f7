package io.kortexdl.kernels;

/**
 * Scratch memory for one forward/backward call: per-layer activations, two delta buffers and
 * a gradient vector. A workspace is used by one thread at a time and grows to the largest
 * batch it has seen, so a warmed-up caller allocates nothing. The gradient and the set of
 * touched input rows are allocated on the first training call, so a workspace that only runs
 * forward passes holds no parameter-sized array.
 */
final class Workspace {
    private final ParameterLayout layout;
    private final int deltaWidth;
    private int capacityRows;
    /** activations[l] holds the outputs of weight layer l, {@code rows x fanOut(l)}. */
    float[][] activations;
    float[] deltaA;
    float[] deltaB;
    /** After a backward pass: the delta of weight layer 0's outputs ({@code deltaA} or {@code deltaB}). */
    float[] firstDelta;
    /** Where {@link CacheWarm}'s reads end up, so they are not optimised away. */
    float sink;
    private float[] gradient;
    private RowSet touched;

    Workspace(ParameterLayout layout, int rows) {
        this.layout = layout;
        int widest = 1;
        for (int i = 1; i <= layout.layerCount(); i++) {
            widest = Math.max(widest, layout.size(i)); // deltas never hold the input layer
        }
        this.deltaWidth = widest;
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
        deltaA = new float[rows * deltaWidth];
        deltaB = new float[rows * deltaWidth];
        capacityRows = rows;
    }

    int capacityRows() {
        return capacityRows;
    }

    /** The gradient vector, {@code parameterCount} long. */
    float[] gradient() {
        if (gradient == null) {
            gradient = new float[layout.parameterCount()];
        }
        return gradient;
    }

    /** The input rows whose first-layer weights the last sparse backward pass wrote into {@link #gradient()}. */
    RowSet touched() {
        if (touched == null) {
            touched = new RowSet(layout.inputSize());
        }
        return touched;
    }
}
