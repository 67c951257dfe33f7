/**
 * The BLAS backends the kernels compute on, and the threads of the native library behind them.
 *
 * <ul>
 *   <li>{@link io.kortexdl.kernels.blas.Blas}: the single-precision GEMM and vector operations a
 *       network needs; {@code Blas.system()} picks the backend once per JVM
 *       ({@code BlasSelection}).</li>
 *   <li>{@link io.kortexdl.kernels.blas.NetlibBlas}: native OpenBLAS or MKL through netlib (the
 *       binding Spark itself uses), or netlib's Java code.</li>
 *   <li>{@link io.kortexdl.kernels.blas.VectorApiBlas}: a pure-Java GEMM on the JDK's Vector API
 *       ({@code VectorGemm}), the fallback when no native library is installed.</li>
 *   <li>{@link io.kortexdl.kernels.blas.BlasThreads}: the native library's own thread count
 *       ({@code OpenBlasThreads}, {@code MklThreads}, {@code NoBlasThreads}, found through
 *       {@code NativeBlasLibrary}) and MKL's reproducibility; the kernels keep it to one thread
 *       per call while their own workers run.</li>
 * </ul>
 *
 * Only the public types above are used outside this package.
 */
package io.kortexdl.kernels.blas;
