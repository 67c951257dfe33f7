package io.kortexdl.spark.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The epoch plan against counts worked out by hand. */
class EpochPlanTest {

    @Test
    void blocksShareEachStepByTheirRowsUntilTheirRowsRunOut() {
        // 17 rows over 4 steps: block 0 takes ceil(10/4) = 3 a step, block 1 ceil(7/4) = 2, block 2 at least 1.
        EpochPlan plan = new EpochPlan(999, 4, new int[] {10, 7, 0}, 2);
        assertEquals(3, plan.share(0));
        assertEquals(2, plan.share(1));
        assertEquals(1, plan.share(2));
        assertEquals(3, plan.rowsInSteps(0, 0, 1));
        assertEquals(1, plan.rowsInSteps(0, 3, 1), "rows 9..10 of block 0 in its last step");
        assertEquals(1, plan.rowsInSteps(1, 3, 1), "row 6 of block 1");
        assertEquals(0, plan.rowsInSteps(2, 0, 4), "block 2 has no rows");
        assertEquals(0, plan.rowsInSteps(0, 5, 2), "past the end");
        assertEquals(10, plan.rowsInSteps(0, 0, 4));
        assertEquals(17, plan.rowsInSteps(0, 4), "every row once");
        assertEquals(5, plan.rowsInSteps(0, 1), "3 + 2 + 0 in the first step");
        assertEquals(4, plan.stepsWithRows(0, 0, 4));
        assertEquals(4, plan.stepsWithRows(1, 0, 4));
        assertEquals(0, plan.stepsWithRows(2, 0, 4));
        assertEquals(1, plan.stepsWithRows(1, 3, 1));
        assertEquals(2, plan.maxStepsWithRows(2, 2));
        assertEquals(4, plan.steps());
        assertEquals(2, plan.interval());
        assertFalse(plan.exact());
    }

    @Test
    void unevenBlocksRunOutAtDifferentSteps() {
        // 100 rows in 7 steps: shares 6, 6 and 4; block 2 (23 rows) has none in step 7.
        EpochPlan plan = new EpochPlan(16, 7, new int[] {40, 37, 23}, 3);
        assertEquals(4, plan.rowsInSteps(0, 6, 1));
        assertEquals(1, plan.rowsInSteps(1, 6, 1));
        assertEquals(0, plan.rowsInSteps(2, 6, 1));
        assertEquals(3, plan.rowsInSteps(2, 5, 1));
        assertEquals(6, plan.stepsWithRows(2, 0, 7));
        assertEquals(1, plan.maxStepsWithRows(6, 1));
        assertEquals(100, plan.rowsInSteps(0, 7));
    }

    @Test
    void syncEveryStepIsExactOnlyWithSeveralBlocks() {
        EpochPlan several = new EpochPlan(16, 7, new int[] {40, 37}, 1);
        assertTrue(several.exact());
        assertEquals(1, several.interval());
        EpochPlan one = new EpochPlan(16, 7, new int[] {100}, 1);
        assertFalse(one.exact(), "a single block never syncs");
        assertEquals(7, one.interval(), "one block's interval is the whole epoch");
        assertEquals(16, one.share(0), "a single block takes the whole global batch");
        assertEquals(4, one.rowsInSteps(0, 6, 1), "100 = 6 x 16 + 4");
        assertEquals(7, new EpochPlan(16, 7, new int[] {40, 37}, 64).interval(), "capped at the epoch's steps");
    }

    @Test
    void impossibleCountsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new EpochPlan(0, 7, new int[] {10}, 1));
        assertThrows(IllegalArgumentException.class, () -> new EpochPlan(16, 0, new int[] {10}, 1));
        assertThrows(IllegalArgumentException.class, () -> new EpochPlan(16, 7, new int[] {10}, 0));
        assertThrows(IllegalArgumentException.class, () -> new EpochPlan(16, 7, new int[0], 1));
        assertThrows(IllegalArgumentException.class, () -> new EpochPlan(16, 7, new int[] {10, -1}, 1));
    }
}
