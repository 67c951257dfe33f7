package io.kortexdl.kernels.blas;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A packed, cache-blocked single-precision GEMM on the JDK's Vector API (row-major, any
 * transposes). The structure is the classic one of optimised BLAS libraries: {@code op(B)} is
 * packed into panels of {@code NR} columns per {@code KC x NC} block (L2-resident), {@code op(A)}
 * into panels of {@code MR} rows, and a register-blocked {@code MR x NR} micro-kernel
 * accumulates in {@code 2 * MR} vector registers with fused multiply-adds.
 *
 * <p>Packing buffers are per thread and reused, so a warmed-up thread allocates nothing. Only
 * loaded when the {@code jdk.incubator.vector} module is present (see {@link VectorApiBlas}).
 */
final class VectorGemm {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();
    static final int MR = 4;
    static final int NR = 2 * LANES;
    private static final int KC = 256;
    private static final int NC = 1024;

    /** Per-thread packing buffers. */
    private static final class Scratch {
        final float[] packedA = new float[KC * MR];
        final float[] packedB = new float[KC * NC];
        final float[] tile = new float[MR * NR];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private VectorGemm() {
    }

    /** Row-major {@code C = alpha op(A) op(B) + beta C}; see {@link Blas#gemm}. */
    static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     float[] a, int aOff, float[] b, int bOff, float beta, float[] c, int cOff) {
        scale(c, cOff, m * n, beta);
        if (k == 0 || alpha == 0f) {
            return;
        }
        Scratch scratch = SCRATCH.get();
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                packB(transB, b, bOff, k, n, pc, kc, jc, nc, scratch.packedB);
                for (int ic = 0; ic < m; ic += MR) {
                    int rows = Math.min(MR, m - ic);
                    packA(transA, a, aOff, m, k, ic, rows, pc, kc, scratch.packedA);
                    for (int jr = 0; jr < nc; jr += NR) {
                        int cols = Math.min(NR, nc - jr);
                        kernel(kc, alpha, scratch.packedA, scratch.packedB, jr * kc, c,
                                cOff + ic * n + jc + jr, n, rows, cols, scratch.tile);
                    }
                }
            }
        }
    }

    private static void scale(float[] c, int off, int len, float beta) {
        if (beta == 0f) {
            java.util.Arrays.fill(c, off, off + len, 0f);
        } else if (beta != 1f) {
            for (int i = off; i < off + len; i++) {
                c[i] *= beta;
            }
        }
    }

    /** Packs {@code op(B)[pc..pc+kc) x [jc..jc+nc)} as consecutive {@code kc x NR} panels, zero-padded. */
    private static void packB(boolean transB, float[] b, int bOff, int k, int n, int pc, int kc, int jc, int nc,
                              float[] packed) {
        for (int jr = 0; jr < nc; jr += NR) {
            int cols = Math.min(NR, nc - jr);
            int base = jr * kc;
            for (int p = 0; p < kc; p++) {
                int dst = base + p * NR;
                if (transB) {
                    int src = bOff + (jc + jr) * k + pc + p;
                    for (int x = 0; x < cols; x++) {
                        packed[dst + x] = b[src + x * k];
                    }
                } else {
                    System.arraycopy(b, bOff + (pc + p) * n + jc + jr, packed, dst, cols);
                }
                for (int x = cols; x < NR; x++) {
                    packed[dst + x] = 0f;
                }
            }
        }
    }

    /** Packs {@code op(A)[ic..ic+rows) x [pc..pc+kc)} as {@code kc} groups of {@code MR} values, zero-padded. */
    private static void packA(boolean transA, float[] a, int aOff, int m, int k, int ic, int rows, int pc, int kc,
                              float[] packed) {
        for (int p = 0; p < kc; p++) {
            int dst = p * MR;
            for (int r = 0; r < MR; r++) {
                float value = 0f;
                if (r < rows) {
                    value = transA ? a[aOff + (pc + p) * m + ic + r] : a[aOff + (ic + r) * k + pc + p];
                }
                packed[dst + r] = value;
            }
        }
    }

    /** {@code C[rows x cols] += alpha * packedA(kc x MR)^T * packedB(kc x NR)}, for a 4-row micro-tile. */
    private static void kernel(int kc, float alpha, float[] pa, float[] pb, int bOff, float[] c, int cOff, int ldc,
                               int rows, int cols, float[] tile) {
        FloatVector c00 = FloatVector.zero(SPECIES);
        FloatVector c01 = FloatVector.zero(SPECIES);
        FloatVector c10 = FloatVector.zero(SPECIES);
        FloatVector c11 = FloatVector.zero(SPECIES);
        FloatVector c20 = FloatVector.zero(SPECIES);
        FloatVector c21 = FloatVector.zero(SPECIES);
        FloatVector c30 = FloatVector.zero(SPECIES);
        FloatVector c31 = FloatVector.zero(SPECIES);
        for (int p = 0; p < kc; p++) {
            int bo = bOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(SPECIES, pb, bo);
            FloatVector b1 = FloatVector.fromArray(SPECIES, pb, bo + LANES);
            int ao = p * MR;
            FloatVector a0 = FloatVector.broadcast(SPECIES, pa[ao]);
            c00 = a0.lanewise(VectorOperators.FMA, b0, c00);
            c01 = a0.lanewise(VectorOperators.FMA, b1, c01);
            FloatVector a1 = FloatVector.broadcast(SPECIES, pa[ao + 1]);
            c10 = a1.lanewise(VectorOperators.FMA, b0, c10);
            c11 = a1.lanewise(VectorOperators.FMA, b1, c11);
            FloatVector a2 = FloatVector.broadcast(SPECIES, pa[ao + 2]);
            c20 = a2.lanewise(VectorOperators.FMA, b0, c20);
            c21 = a2.lanewise(VectorOperators.FMA, b1, c21);
            FloatVector a3 = FloatVector.broadcast(SPECIES, pa[ao + 3]);
            c30 = a3.lanewise(VectorOperators.FMA, b0, c30);
            c31 = a3.lanewise(VectorOperators.FMA, b1, c31);
        }
        if (rows == MR && cols == NR) {
            addScaled(c, cOff, c00, c01, alpha);
            addScaled(c, cOff + ldc, c10, c11, alpha);
            addScaled(c, cOff + 2 * ldc, c20, c21, alpha);
            addScaled(c, cOff + 3 * ldc, c30, c31, alpha);
            return;
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, LANES);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + LANES);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + LANES);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + LANES);
        for (int r = 0; r < rows; r++) {
            for (int x = 0; x < cols; x++) {
                c[cOff + r * ldc + x] += alpha * tile[r * NR + x];
            }
        }
    }

    private static void addScaled(float[] c, int off, FloatVector lo, FloatVector hi, float alpha) {
        if (alpha == 1f) {
            FloatVector.fromArray(SPECIES, c, off).add(lo).intoArray(c, off);
            FloatVector.fromArray(SPECIES, c, off + LANES).add(hi).intoArray(c, off + LANES);
        } else {
            lo.lanewise(VectorOperators.FMA, alpha, FloatVector.fromArray(SPECIES, c, off)).intoArray(c, off);
            hi.lanewise(VectorOperators.FMA, alpha, FloatVector.fromArray(SPECIES, c, off + LANES))
                    .intoArray(c, off + LANES);
        }
    }
}
