package io.kortexdl.kernels;

import java.util.Arrays;
import java.util.BitSet;

/** Parses Linux CPU lists such as {@code 0-3,8-11} (the format of sysfs {@code cpulist} files). */
final class CpuList {
    private static final int MAX_CPU = 1 << 16;

    private CpuList() {
    }

    /**
     * @return the CPU ids in ascending order, without duplicates; empty for a blank list
     * @throws IllegalArgumentException naming the list and the bad part
     */
    static int[] parse(String list) {
        BitSet cpus = new BitSet();
        String trimmed = list.trim();
        if (trimmed.isEmpty()) {
            return new int[0];
        }
        for (String part : trimmed.split(",")) {
            String range = part.trim();
            int dash = range.indexOf('-');
            try {
                int first = Integer.parseInt(dash < 0 ? range : range.substring(0, dash).trim());
                int last = dash < 0 ? first : Integer.parseInt(range.substring(dash + 1).trim());
                if (first < 0 || last < first || last >= MAX_CPU) {
                    throw new IllegalArgumentException("CPU list '" + list + "': bad range '" + range + "'");
                }
                cpus.set(first, last + 1);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("CPU list '" + list + "': bad range '" + range + "'", e);
            }
        }
        return cpus.stream().toArray();
    }

    /** Formats ascending CPU ids back into the compact form, e.g. {@code 0-3,8}. */
    static String format(int[] cpus) {
        StringBuilder out = new StringBuilder();
        int[] sorted = cpus.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            int start = sorted[i];
            while (i + 1 < sorted.length && sorted[i + 1] == sorted[i] + 1) {
                i++;
            }
            if (out.length() > 0) {
                out.append(',');
            }
            out.append(start == sorted[i] ? String.valueOf(start) : start + "-" + sorted[i]);
        }
        return out.toString();
    }
}
