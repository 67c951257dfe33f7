package io.kortexdl.spark.executor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.kortexdl.kernels.Network;
import io.kortexdl.kernels.OptimizerKind;
import io.kortexdl.kernels.ParameterLayout;
import io.kortexdl.spark.collective.Collective;
import io.kortexdl.spark.collective.InMemoryCollective;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The sync ranges against offsets worked out by hand, and the row union over three ranks. */
class SyncRangesTest {
    /** 6 inputs, 4 hidden, 3 outputs: weights 6 x 4 at 0, biases 4 at 24, then 4 x 3 + 3 = 15 more, 43 in all. */
    private static final Network NETWORK = Network.builder().layers(6, 4, 3).optimizer(OptimizerKind.ADAM).seed(3)
            .build();

    @Test
    void rowsCoverTheirFirstLayerWeightsAndEveryLaterParameter() {
        ParameterLayout layout = NETWORK.layout();
        assertEquals(43, layout.parameterCount());
        SyncRanges ranges = SyncRanges.rows(layout, new int[] {1, 4});
        assertEquals(2 * 4 + 4 + 15, ranges.length());
        assertArrayEquals(new int[] {1, 4}, ranges.rows());

        float[] source = new float[43];
        for (int i = 0; i < source.length; i++) {
            source[i] = i;
        }
        float[] buffer = new float[ranges.length()];
        ranges.gather(source, null, buffer);
        float[] expected = new float[ranges.length()];
        int at = 0;
        for (int i : new int[] {4, 5, 6, 7, 16, 17, 18, 19}) {
            expected[at++] = i; // the weights of rows 1 and 4, 4 wide from weightOffset(0)
        }
        for (int i = 24; i < 43; i++) {
            expected[at++] = i;
        }
        assertArrayEquals(expected, buffer);

        float[] target = new float[43];
        ranges.scatter(buffer, target);
        for (int i = 0; i < 43; i++) {
            boolean covered = (i >= 4 && i < 8) || (i >= 16 && i < 20) || i >= 24;
            assertEquals(covered ? i : 0f, target[i], "parameter " + i);
        }
    }

    @Test
    void rowsAbsentFromThisBlockGatherAsZeros() {
        SyncRanges ranges = SyncRanges.rows(NETWORK.layout(), new int[] {0, 2, 5});
        float[] source = new float[43];
        java.util.Arrays.fill(source, 7f);
        float[] buffer = new float[ranges.length()];
        java.util.Arrays.fill(buffer, -1f);
        ranges.gather(source, new int[] {2}, buffer);
        for (int i = 0; i < 12; i++) {
            assertEquals(i >= 4 && i < 8 ? 7f : 0f, buffer[i], "value " + i + ": only row 2 is present");
        }
        for (int i = 12; i < buffer.length; i++) {
            assertEquals(7f, buffer[i], "the later layers are always present");
        }
    }

    @Test
    void allCoversEverythingInOrder() {
        SyncRanges all = SyncRanges.all(43);
        assertEquals(43, all.length());
        assertNull(all.rows());
    }

    @Test
    void weightedGatherAndScatterRoundTripParametersAndOptimizerState() {
        Network network = Network.builder().layers(6, 4, 3).optimizer(OptimizerKind.ADAM).seed(3).build();
        float[] state = new float[network.optimizer().stateSize()];
        for (int i = 0; i < state.length; i++) {
            state[i] = i * 0.5f;
        }
        network.optimizer().importState(state, 0, 4);
        SyncRanges ranges = SyncRanges.rows(network.layout(), new int[] {3});
        int values = ranges.length() * (1 + network.optimizer().stateValuesPerParameter());
        float[] buffer = new float[values];
        ranges.gatherWeighted(network, 2f, buffer);

        Network copy = Network.builder().layers(6, 4, 3).optimizer(OptimizerKind.ADAM).seed(99).build();
        ranges.scatterState(buffer, copy);
        float[] copied = copy.getParameters();
        float[] original = network.getParameters();
        for (int i = 12; i < 16; i++) {
            assertEquals(2 * original[i], copied[i], "row 3's weight " + i + ", doubled");
        }
        for (int i = 24; i < 43; i++) {
            assertEquals(2 * original[i], copied[i], "later parameter " + i + ", doubled");
        }
        float[] copiedState = new float[state.length];
        copy.optimizer().exportState(copiedState, 0);
        for (int i = 12; i < 16; i++) {
            int perParameter = network.optimizer().stateValuesPerParameter();
            for (int k = 0; k < perParameter; k++) {
                float expected = 2 * state[k * 43 + i];
                assertEquals(expected, copiedState[k * 43 + i], "state " + k + " of parameter " + i);
            }
        }
    }

    @Test
    void theUnionOverRanksKeepsEveryRowNumberExactly() throws Exception {
        // Row numbers travel as float bits: small ones are subnormal floats, large ones normal.
        int[][] local = {
            {0, 1, 5, 1 << 20},
            {},
            {1, 7, (1 << 23) + 7, 0x7F000000, 0x7F7FFFFF},
        };
        List<Collective> ranks = InMemoryCollective.group(3);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<int[]>> unions = new ArrayList<>();
            for (int r = 0; r < 3; r++) {
                int rank = r;
                unions.add(pool.submit(() -> SyncRanges.union(ranks.get(rank), local[rank])));
            }
            int[] expected = {0, 1, 5, 7, 1 << 20, (1 << 23) + 7, 0x7F000000, 0x7F7FFFFF};
            for (Future<int[]> union : unions) {
                assertArrayEquals(expected, union.get(30, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
