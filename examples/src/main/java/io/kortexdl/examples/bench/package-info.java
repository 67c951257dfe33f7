/**
 * The benchmarks behind {@code ./kortex bench}: kernels against PyTorch and a C GEMM loop,
 * data-parallel training, concurrency, Spark local mode and a standalone cluster against MLlib,
 * native BLAS threads with the thread variables unset and set, and small tabular data against
 * MLlib and scikit-learn. Each prints one machine-readable {@code RESULT ...} line per figure.
 */
package io.kortexdl.examples.bench;
