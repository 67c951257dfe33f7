package io.kortexdl.kernels;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A reusable barrier for the workers of one training step: arrivals spin briefly (steps are
 * sub-millisecond, so parking and waking threads would cost more than the wait), then yield a
 * few times, then sleep in short timed parks, so a waiter whose peer lost its core stops
 * competing for CPU time. A failing party breaks the barrier so nobody waits for it forever.
 */
final class SpinBarrier {

    /** Thrown to the parties of a broken barrier. */
    static final class BrokenException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BrokenException() {
            super("another training worker failed", null, false, false);
        }
    }

    private final int parties;
    private final AtomicInteger arrived = new AtomicInteger();
    private volatile int generation;
    private volatile boolean broken;

    SpinBarrier(int parties) {
        this.parties = parties;
    }

    /** Waits until every party has arrived. */
    void await() {
        int current = generation;
        if (arrived.incrementAndGet() == parties) {
            arrived.set(0);
            generation = current + 1;
            return;
        }
        int spins = 0;
        while (generation == current) {
            if (broken) {
                throw new BrokenException();
            }
            SpinWait.pause(++spins);
        }
    }

    /** Releases every waiting party with {@link BrokenException}, now and until {@link #reset()}. */
    void breakBarrier() {
        broken = true;
    }

    /** Makes the barrier usable again; only while no party waits on it. */
    void reset() {
        arrived.set(0);
        broken = false;
    }
}
