package io.kortexdl.kernels.blas;

import com.sun.jna.Function;

/**
 * What the controls of native libraries share: the library's description, and its own function
 * that tells the thread count a call from the calling thread would use. Subclasses say how a
 * single-threaded section is opened and closed.
 */
abstract class NativeBlasThreads implements BlasThreads {
    private final String library;
    private final Function threadCount;

    NativeBlasThreads(String library, Function threadCount) {
        this.library = library;
        this.threadCount = threadCount;
    }

    @Override
    public final String library() {
        return library;
    }

    @Override
    public final boolean controllable() {
        return true;
    }

    @Override
    public final int threadsForCallingThread() {
        return threadCount.invokeInt(new Object[0]);
    }

    @Override
    public final String toString() {
        return library;
    }

    /** A section whose {@code end} runs on the first {@code close} only. */
    static Section closingOnce(Runnable end) {
        return new Section() {
            private boolean closed;

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    end.run();
                }
            }
        };
    }
}
