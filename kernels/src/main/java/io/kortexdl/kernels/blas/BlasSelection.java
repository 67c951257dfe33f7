package io.kortexdl.kernels.blas;

/** Chooses {@link Blas#system()} once per JVM and logs the choice. */
final class BlasSelection {
    private static final System.Logger LOG = System.getLogger(Blas.class.getName());

    static final Blas SYSTEM = choose();

    private BlasSelection() {
    }

    private static Blas choose() {
        NetlibBlas netlib = NetlibBlas.system();
        Blas chosen = netlib.isNative() ? netlib : Blas.pureJava();
        BlasThreads threads = chosen.threads();
        String parallelPaths = threads.controllable() ? "1 in KortexDL's parallel paths" : "not controlled";
        LOG.log(System.Logger.Level.INFO, "KortexDL BLAS backend: {0} (native: {1}; library: {2}; BLAS threads per "
                + "call: {3} for a single caller, {4}; {5})", chosen.name(), chosen.isNative(), threads.library(),
                threads.threadsForCallingThread(), parallelPaths, NetlibBlas.blasThreadsSetting());
        return chosen;
    }
}
