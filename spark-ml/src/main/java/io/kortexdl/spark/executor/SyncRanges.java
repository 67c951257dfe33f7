package io.kortexdl.spark.executor;

import io.kortexdl.kernels.Network;
import io.kortexdl.kernels.Optimizer;
import io.kortexdl.kernels.ParameterLayout;
import io.kortexdl.spark.collective.Collective;
import java.util.Arrays;

/**
 * The parameters a sync exchanges, as increasing ranges of the flat parameter vector: all of it
 * for dense blocks; for sparse ones the first-layer weight rows that some block changed since the
 * last sync (every block agrees on them through {@link #union}) and every parameter after the
 * first layer's weights. Parameters outside the ranges are equal on every block already, so
 * exchanging only the ranges gives the same bits as exchanging everything.
 *
 * <p>A sync's buffer holds, in order: the ranges' parameters (or gradients), then for each range
 * its optimizer state ({@link Optimizer#exportStateRange}), then the divergence flag. For one
 * range over everything that is exactly the layout of parameters, then the whole state.
 */
final class SyncRanges {
    private final int[] starts;
    private final int[] ends;
    private final int[] rows;
    private final int length;

    private SyncRanges(int[] starts, int[] ends, int[] rows) {
        this.starts = starts;
        this.ends = ends;
        this.rows = rows;
        long total = 0;
        for (int i = 0; i < starts.length; i++) {
            total += ends[i] - starts[i];
        }
        this.length = (int) total;
    }

    /** Every parameter. */
    static SyncRanges all(int parameterCount) {
        return new SyncRanges(new int[] {0}, new int[] {parameterCount}, null);
    }

    /** The first-layer weight rows {@code rows} (increasing) and every parameter after the first layer's weights. */
    static SyncRanges rows(ParameterLayout layout, int[] rows) {
        int width = layout.fanOut(0);
        int base = layout.weightOffset(0);
        int[] starts = new int[rows.length + 1];
        int[] ends = new int[rows.length + 1];
        for (int i = 0; i < rows.length; i++) {
            starts[i] = base + rows[i] * width;
            ends[i] = starts[i] + width;
        }
        starts[rows.length] = layout.biasOffset(0);
        ends[rows.length] = layout.parameterCount();
        return new SyncRanges(starts, ends, rows);
    }

    /**
     * The union, over every participant of {@code collective}, of their increasing row lists: two
     * allreduces, one of the list lengths and one of the lists side by side (each participant
     * fills its own segment, the rest being 0, so the sum is exact whatever the values). Row
     * numbers travel as the bits of floats: below {@code 0x7F800000} they are finite floats, and
     * adding +0 to a finite float leaves its bits unchanged.
     */
    static int[] union(Collective collective, int[] local) {
        int n = collective.size();
        if (n == 1) {
            return local;
        }
        float[] counts = new float[n];
        counts[collective.rank()] = local.length;
        collective.allreduceSum(counts, n);
        int total = 0;
        int offset = 0;
        for (int p = 0; p < n; p++) {
            offset += p < collective.rank() ? (int) counts[p] : 0;
            total += (int) counts[p];
        }
        float[] all = new float[total];
        for (int i = 0; i < local.length; i++) {
            all[offset + i] = Float.intBitsToFloat(local[i]);
        }
        collective.allreduceSum(all, total);
        int[] rows = new int[total];
        for (int i = 0; i < total; i++) {
            rows[i] = Float.floatToRawIntBits(all[i]);
        }
        Arrays.sort(rows);
        int unique = 0;
        for (int i = 0; i < total; i++) {
            if (unique == 0 || rows[i] != rows[unique - 1]) {
                rows[unique++] = rows[i];
            }
        }
        return Arrays.copyOf(rows, unique);
    }

    /** The first-layer rows of these ranges, increasing, or null when they cover every parameter. */
    int[] rows() {
        return rows;
    }

    /** Parameters covered. */
    int length() {
        return length;
    }

    /**
     * Copies {@code source}'s values in the ranges into {@code buffer} from 0, writing 0 for the
     * first-layer rows not in {@code present} (increasing; null when every row is present).
     */
    void gather(float[] source, int[] present, float[] buffer) {
        int at = 0;
        int p = 0;
        for (int i = 0; i < starts.length; i++) {
            int n = ends[i] - starts[i];
            boolean isRow = rows != null && i < rows.length;
            if (isRow && present != null) {
                while (p < present.length && present[p] < rows[i]) {
                    p++;
                }
                if (p == present.length || present[p] != rows[i]) {
                    Arrays.fill(buffer, at, at + n, 0f);
                    at += n;
                    continue;
                }
            }
            System.arraycopy(source, starts[i], buffer, at, n);
            at += n;
        }
    }

    /** Copies {@code buffer}'s first {@link #length()} values back into the ranges of {@code target}. */
    void scatter(float[] buffer, float[] target) {
        int at = 0;
        for (int i = 0; i < starts.length; i++) {
            int n = ends[i] - starts[i];
            System.arraycopy(buffer, at, target, starts[i], n);
            at += n;
        }
    }

    /**
     * Writes {@code weight x} the network's parameters and optimizer state in the ranges into
     * {@code buffer}: {@link #length()} parameters, then {@code valuesPerParameter x length()} state.
     */
    void gatherWeighted(Network network, float weight, float[] buffer) {
        Optimizer optimizer = network.optimizer();
        int at = 0;
        for (int i = 0; i < starts.length; i++) {
            network.copyParameters(starts[i], ends[i], buffer, at);
            at += ends[i] - starts[i];
        }
        for (int i = 0; i < starts.length; i++) {
            optimizer.exportStateRange(starts[i], ends[i], buffer, at);
            at += optimizer.stateValuesPerParameter() * (ends[i] - starts[i]);
        }
        for (int i = 0; i < at; i++) {
            buffer[i] *= weight;
        }
    }

    /** The inverse of {@link #gatherWeighted} without the weight: puts the summed values back. */
    void scatterState(float[] buffer, Network network) {
        Optimizer optimizer = network.optimizer();
        int at = 0;
        for (int i = 0; i < starts.length; i++) {
            network.setParameters(starts[i], ends[i], buffer, at);
            at += ends[i] - starts[i];
        }
        for (int i = 0; i < starts.length; i++) {
            optimizer.importStateRange(buffer, at, starts[i], ends[i]);
            at += optimizer.stateValuesPerParameter() * (ends[i] - starts[i]);
        }
    }
}
