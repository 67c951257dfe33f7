package io.kortexdl.kernels.blas;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.NativeLibrary;

/**
 * {@link BlasThreads} for Intel MKL: a section sets the calling thread's own count with
 * {@code MKL_Set_Num_Threads_Local(1)} and restores it on close, so other threads keep theirs.
 * MKL is called by the C names of its service functions: in {@code libmkl_rt} the lower-case
 * names are the Fortran entry points, which take pointers.
 *
 * <p>MKL is not bitwise reproducible by default: it picks kernels by the alignment of the arrays
 * it is given. Every promise of bitwise-identical results that KortexDL makes needs its
 * Conditional Numerical Reproducibility (CNR), so creating this control turns it on, before any
 * GEMM of ours, with {@code MKL_CBWR_Set} at the branch {@code MKL_CBWR_Get_Auto_Branch} names as
 * the fastest for the CPU, or at {@code AUTO} (the CPU's own kernels with deterministic
 * reductions and static scheduling) where MKL refuses that branch. A mode chosen by the user
 * with the {@code MKL_CBWR} environment variable is kept. Either way the mode is logged.
 */
final class MklThreads extends NativeBlasThreads {
    private static final System.Logger LOG = System.getLogger(BlasThreads.class.getName());
    private static final int CBWR_BRANCH = 1;
    private static final int CBWR_SUCCESS = 0;
    private static final int CBWR_ERR_UNSUPPORTED_BRANCH = -3;
    private static final int CBWR_AUTO = 2;
    /** {@code MKL_CBWR_*} branch values, by value (mkl_cbwr.h). */
    private static final String[] BRANCH_NAMES = {"OFF", "BRANCH_OFF", "AUTO", "COMPATIBLE", "SSE2", "SSE3", "SSSE3",
        "SSE4_1", "SSE4_2", "AVX", "AVX2", "AVX512_MIC", "AVX512", "AVX512_MIC_E1", "AVX512_E1"};

    private final Function setLocalThreads;
    private final String reproducibility;
    private volatile boolean logged;

    private MklThreads(NativeLibrary native_, String version, String reproducibility) {
        super(version + " (" + reproducibility + ")", native_.getFunction("MKL_Get_Max_Threads"));
        this.setLocalThreads = native_.getFunction("MKL_Set_Num_Threads_Local");
        this.reproducibility = reproducibility;
    }

    /** The control for {@code library}, or null when it is not MKL. */
    static MklThreads probe(NativeLibrary library) {
        Function version = NativeBlasLibrary.function(library, "MKL_Get_Version_String");
        for (String name : new String[] {"MKL_Set_Num_Threads_Local", "MKL_Get_Max_Threads", "MKL_CBWR_Set",
            "MKL_CBWR_Get", "MKL_CBWR_Get_Auto_Branch"}) {
            if (NativeBlasLibrary.function(library, name) == null) {
                return null;
            }
        }
        String text = "Intel MKL";
        if (version != null) {
            Memory buffer = new Memory(256);
            buffer.clear();
            version.invokeVoid(new Object[] {buffer, 255});
            text = buffer.getString(0).trim();
        }
        return new MklThreads(library, text, enableReproducibility(library));
    }

    /** The reproducibility mode in effect, e.g. {@code CNR branch AVX2}. */
    String reproducibility() {
        return reproducibility;
    }

    private static String enableReproducibility(NativeLibrary library) {
        Function get = library.getFunction("MKL_CBWR_Get");
        String fromEnvironment = System.getenv("MKL_CBWR");
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            String mode = "CNR branch " + branchName(get.invokeInt(new Object[] {CBWR_BRANCH}))
                    + " (from MKL_CBWR=" + fromEnvironment + ")";
            LOG.log(System.Logger.Level.INFO, "KortexDL: MKL reproducibility left as the environment set it: {0}", mode);
            return mode;
        }
        Function set = library.getFunction("MKL_CBWR_Set");
        int branch = library.getFunction("MKL_CBWR_Get_Auto_Branch").invokeInt(new Object[0]);
        int status = set.invokeInt(new Object[] {branch});
        String how = "the branch MKL names as the fastest for this CPU";
        if (status == CBWR_ERR_UNSUPPORTED_BRANCH && branch != CBWR_AUTO) {
            // Some MKL builds name a branch they then refuse on CPUs newer than themselves.
            how = "MKL refused " + branchName(branch) + ", its own pick for this CPU";
            branch = CBWR_AUTO;
            status = set.invokeInt(new Object[] {branch});
        }
        if (status != CBWR_SUCCESS) {
            String mode = "not reproducible: mkl_cbwr_set(" + branchName(branch) + ") returned " + status;
            LOG.log(System.Logger.Level.WARNING, "KortexDL: MKL Conditional Numerical Reproducibility could not be "
                    + "turned on ({0}); results may differ in the last bits from run to run. MKL was probably used "
                    + "before KortexDL loaded: set MKL_CBWR=AUTO in the environment of every JVM", mode);
            return mode;
        }
        String mode = "CNR branch " + branchName(get.invokeInt(new Object[] {CBWR_BRANCH}));
        LOG.log(System.Logger.Level.INFO, "KortexDL: MKL Conditional Numerical Reproducibility on ({0}: {1}), so "
                + "results are bitwise reproducible", mode, how);
        return mode;
    }

    private static String branchName(int branch) {
        return branch >= 0 && branch < BRANCH_NAMES.length ? BRANCH_NAMES[branch] : "branch " + branch;
    }

    @Override
    public Section singleThreaded() {
        int previous = setLocalThreads.invokeInt(new Object[] {1});
        if (!logged) {
            logged = true;
            LOG.log(System.Logger.Level.INFO, "KortexDL native BLAS threads: {0} runs 1 thread per call on each "
                    + "KortexDL worker thread (mkl_set_num_threads_local; other threads keep their setting)", library());
        }
        return closingOnce(() -> setLocalThreads.invokeInt(new Object[] {previous}));
    }
}
