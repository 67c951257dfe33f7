package io.kortexdl.kernels;

import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * Runs the parts of one piece of work at once: part 0 on the calling thread, the others on up
 * to {@code threads - 1} daemon helper threads, and returns when all are done. Used where the
 * parts are too short-lived for a thread pool's hand-off to pay: a sparse training step's phases
 * take tens to hundreds of microseconds, and waking a parked pool thread took 20-50 us here.
 *
 * <p>So a helper waiting for work spins briefly, then yields, and only then parks until the next
 * {@link #run} wakes it; back-to-back runs hand over in well under a microsecond, and an idle
 * runner (between epochs) holds no core. The caller waits for the helpers the same way. One
 * caller at a time (any thread); {@link #close()} ends the helpers.
 */
final class PartRunner implements AutoCloseable {
    private final int threads;
    private final Helper[] helpers;
    /** The latest run; a helper takes its part if its index is below {@code parts}. */
    private volatile Work work = new Work(0, null, 0);
    private volatile boolean closed;

    /** One run: its number (from 1), what each part does and how many parts there are. */
    private record Work(long generation, IntConsumer task, int parts) {
    }

    /** A runner of up to {@code threads} parts at once ({@code threads >= 1}). */
    PartRunner(int threads, String name) {
        this.threads = threads;
        this.helpers = new Helper[threads - 1];
        for (int i = 0; i < helpers.length; i++) {
            helpers[i] = new Helper(i + 1);
            Thread thread = new Thread(helpers[i]::loop, name + "-" + (i + 1));
            thread.setDaemon(true);
            helpers[i].thread = thread;
            thread.start();
        }
    }

    /** The most parts run at once, the caller's included. */
    int threads() {
        return threads;
    }

    /**
     * Runs {@code part.accept(t)} for {@code t = 0 .. parts - 1} ({@code parts <= threads()}) and
     * waits for all; what the parts wrote is visible to the caller afterwards. Rethrows the first
     * failure (part 0's first, then the helpers' in order) after every part has ended.
     *
     * @throws IllegalStateException if the runner is closed and {@code parts > 1}
     */
    void run(int parts, IntConsumer part) {
        if (parts == 1) {
            part.accept(0);
            return;
        }
        if (closed) {
            throw new IllegalStateException("the part runner is closed");
        }
        long current = work.generation() + 1;
        work = new Work(current, part, parts);
        for (int i = 0; i < parts - 1; i++) {
            if (helpers[i].parked) {
                LockSupport.unpark(helpers[i].thread);
            }
        }
        Throwable failure = null;
        try {
            part.accept(0);
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        for (int i = 0; i < parts - 1; i++) {
            Helper helper = helpers[i];
            awaitDone(helper, current);
            if (failure == null) {
                failure = helper.failure;
            }
            helper.failure = null;
        }
        if (failure instanceof RuntimeException r) {
            throw r;
        }
        if (failure instanceof Error e) {
            throw e;
        }
    }

    private void awaitDone(Helper helper, long current) {
        int spins = 0;
        while (helper.done != current) {
            SpinWait.pause(++spins);
        }
    }

    /** Stops the helper threads; later runs of more than one part are refused. Idempotent. */
    @Override
    public void close() {
        closed = true;
        for (Helper helper : helpers) {
            LockSupport.unpark(helper.thread);
        }
    }

    /** One helper thread's state and loop. */
    private final class Helper {
        private final int index;
        private Thread thread;
        /** The last generation this helper has finished (or skipped). */
        private volatile long done;
        /** Whether the helper is parked or about to park, so {@link #run} must wake it. */
        private volatile boolean parked;
        /** The helper's failure in the generation it last finished; read after {@link #done}. */
        private Throwable failure;

        Helper(int index) {
            this.index = index;
        }

        void loop() {
            long seen = 0;
            while (true) {
                Work next = awaitWork(seen);
                if (next == null) {
                    return;
                }
                seen = next.generation();
                if (index < next.parts()) {
                    try {
                        next.task().accept(index);
                    } catch (RuntimeException | Error e) {
                        failure = e;
                    }
                }
                done = seen;
            }
        }

        /** Waits for a run after run {@code seen}; returns it, or null once the runner is closed. */
        private Work awaitWork(long seen) {
            int spins = 0;
            while (true) {
                Work current = work;
                if (current.generation() != seen) {
                    return current;
                }
                if (closed) {
                    return null;
                }
                if (!SpinWait.spinOrYield(++spins)) {
                    parked = true;
                    if (work.generation() == seen && !closed) {
                        LockSupport.park(this);
                    }
                    parked = false;
                }
            }
        }
    }
}
