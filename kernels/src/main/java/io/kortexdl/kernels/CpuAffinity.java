package io.kortexdl.kernels;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Platform;

/**
 * Pins the calling thread to one CPU with Linux's {@code sched_setaffinity}, called through JNA.
 * Where that is impossible (another OS, no JNA native support, a CPU outside the process's set)
 * the thread stays unpinned and the reason is logged once.
 */
final class CpuAffinity {
    private static final System.Logger LOG = System.getLogger(CpuAffinity.class.getName());
    /** {@code cpu_set_t} of glibc: 1024 bits. */
    private static final int CPU_SET_LONGS = 1024 / 64;
    private static volatile boolean failureLogged;

    /** The one libc function we need. */
    private interface LibC extends Library {
        int sched_setaffinity(int pid, NativeLong cpuSetSize, long[] mask);
    }

    /** Loaded on first use, so a JVM without JNA's native part only loses pinning. */
    private static final class Holder {
        static final LibC LIBC = Platform.isLinux() ? Native.load("c", LibC.class) : null;
    }

    private CpuAffinity() {
    }

    /**
     * Restricts the calling thread to {@code cpu}.
     *
     * @return whether the thread is now pinned
     */
    static boolean pinCurrentThread(int cpu) {
        if (cpu < 0 || cpu >= CPU_SET_LONGS * 64) {
            return failed("CPU " + cpu + " is outside 0.." + (CPU_SET_LONGS * 64 - 1));
        }
        try {
            LibC libc = Holder.LIBC;
            if (libc == null) {
                return failed("thread pinning needs Linux");
            }
            long[] mask = new long[CPU_SET_LONGS];
            mask[cpu / 64] = 1L << (cpu % 64);
            int result = libc.sched_setaffinity(0, new NativeLong((long) CPU_SET_LONGS * Long.BYTES), mask);
            return result == 0 || failed("sched_setaffinity(cpu " + cpu + ") failed with errno " + Native.getLastError());
        } catch (LinkageError | RuntimeException e) {
            return failed("JNA could not call sched_setaffinity: " + e);
        }
    }

    private static boolean failed(String why) {
        if (!failureLogged) {
            failureLogged = true;
            LOG.log(System.Logger.Level.WARNING, "KortexDL: worker threads stay unpinned: {0}", why);
        }
        return false;
    }
}
