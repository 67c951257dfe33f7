package io.kortexdl.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/**
 * Runs the parts of one piece of work at once: part 0 on the calling thread, the others on up
 * to {@code threads - 1} daemon helper threads, and returns when all are done. Used where the
 * parts are too short-lived for worker threads of their own to pay (a sparse training step's
 * phases take tens to hundreds of microseconds).
 */
final class PartRunner implements AutoCloseable {
    private final int threads;
    private final ExecutorService helpers;

    /** A runner of up to {@code threads} parts at once ({@code threads >= 1}). */
    PartRunner(int threads, String name) {
        this.threads = threads;
        this.helpers = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread thread = new Thread(r, name);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** The most parts run at once, the caller's included. */
    int threads() {
        return threads;
    }

    /**
     * Runs {@code part.accept(t)} for {@code t = 0 .. parts - 1} ({@code parts <= threads()}) and
     * waits for all; rethrows the first failure after every part has ended.
     */
    void run(int parts, IntConsumer part) {
        if (parts == 1) {
            part.accept(0);
            return;
        }
        List<Future<?>> running = new ArrayList<>(parts - 1);
        for (int t = 1; t < parts; t++) {
            int index = t;
            running.add(helpers.submit(() -> part.accept(index)));
        }
        RuntimeException failure = null;
        try {
            part.accept(0);
        } catch (RuntimeException e) {
            failure = e;
        }
        for (Future<?> f : running) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = failure != null ? failure : new IllegalStateException("interrupted", e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Stops the helper threads. Idempotent. */
    @Override
    public void close() {
        if (helpers != null) {
            helpers.shutdownNow();
        }
    }
}
