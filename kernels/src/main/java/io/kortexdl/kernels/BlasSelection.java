package io.kortexdl.kernels;

/** Chooses {@link Blas#system()} once per JVM and logs the choice. */
final class BlasSelection {
    private static final System.Logger LOG = System.getLogger(Blas.class.getName());

    static final Blas SYSTEM = choose();

    private BlasSelection() {
    }

    private static Blas choose() {
        NetlibBlas netlib = NetlibBlas.system();
        Blas chosen = netlib.isNative() ? netlib : Blas.pureJava();
        LOG.log(System.Logger.Level.INFO, "KortexDL BLAS backend: {0} (native: {1}; {2})", chosen.name(),
                chosen.isNative(), NetlibBlas.blasThreadsSetting());
        return chosen;
    }
}
