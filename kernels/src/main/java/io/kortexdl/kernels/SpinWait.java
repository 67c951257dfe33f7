package io.kortexdl.kernels;

import java.util.concurrent.locks.LockSupport;

/**
 * The back-off of a thread waiting for another's sub-millisecond work: it spins first (parking
 * and waking would cost more than the wait), then yields a few times, then sleeps, so a waiter
 * whose peer lost its core stops competing for CPU time. Shared by {@link SpinBarrier} and
 * {@link PartRunner}.
 */
final class SpinWait {
    private static final int SPINS_BEFORE_YIELD = 1 << 14;
    private static final int YIELDS_BEFORE_PARK = 64;
    private static final long PARK_NANOS = 20_000;

    private SpinWait() {
    }

    /**
     * The {@code attempt}-th wait (from 1) of the spinning and yielding phases: spins or yields once
     * and returns true, or returns false without waiting once both phases are over.
     */
    static boolean spinOrYield(int attempt) {
        if (attempt < SPINS_BEFORE_YIELD) {
            Thread.onSpinWait();
            return true;
        }
        if (attempt < SPINS_BEFORE_YIELD + YIELDS_BEFORE_PARK) {
            Thread.yield();
            return true;
        }
        return false;
    }

    /** The {@code attempt}-th wait (from 1): spins, yields, or parks for 20 us once spinning and yielding are over. */
    static void pause(int attempt) {
        if (!spinOrYield(attempt)) {
            LockSupport.parkNanos(PARK_NANOS);
        }
    }
}
