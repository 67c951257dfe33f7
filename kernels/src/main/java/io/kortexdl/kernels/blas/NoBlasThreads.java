package io.kortexdl.kernels.blas;

/** {@link BlasThreads} for backends that run every GEMM on the calling thread: nothing to control. */
final class NoBlasThreads implements BlasThreads {
    static final NoBlasThreads INSTANCE = new NoBlasThreads("none (the GEMMs run on the calling thread)", 1);
    private static final Section NOTHING = () -> { };

    private final String library;
    private final int threads;

    NoBlasThreads(String library, int threads) {
        this.library = library;
        this.threads = threads;
    }

    @Override
    public String library() {
        return library;
    }

    @Override
    public boolean controllable() {
        return false;
    }

    @Override
    public int threadsForCallingThread() {
        return threads;
    }

    @Override
    public Section singleThreaded() {
        return NOTHING;
    }

    @Override
    public String toString() {
        return library;
    }
}
