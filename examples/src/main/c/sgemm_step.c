/*
 * Native reference for the GEMM benchmark: the 8 GEMMs of one 784-256-128-10 training step
 * (3 forward, 3 weight gradients, 2 input gradients), row-major float32, timed directly on
 * OpenBLAS's cblas_sgemm with no JVM in between. Prints
 *   RESULT bench=gemm impl=openblas-c batch=B gflops=G
 * Usage: sgemm_step BATCH [REPETITIONS]. Loads libopenblas.so.0 at run time.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef void (*sgemm_fn)(int order, int transa, int transb, int m, int n, int k, float alpha,
                         const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);
enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };

static sgemm_fn sgemm;

static void gemm(int ta, int tb, int m, int n, int k, const float *a, const float *b, float *c) {
    sgemm(ROW_MAJOR, ta ? TRANS : NO_TRANS, tb ? TRANS : NO_TRANS, m, n, k, 1.0f,
          a, ta ? m : k, b, tb ? k : n, 0.0f, c, n);
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int compare(const void *x, const void *y) {
    double a = *(const double *) x, b = *(const double *) y;
    return (a > b) - (a < b);
}

static float *filled(size_t n) {
    float *p = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) p[i] = (float) rand() / RAND_MAX - 0.5f;
    return p;
}

int main(int argc, char **argv) {
    int batch = argc > 1 ? atoi(argv[1]) : 128;
    int repetitions = argc > 2 ? atoi(argv[2]) : 7;
    void *lib = dlopen("libopenblas.so.0", RTLD_NOW);
    if (!lib) { fprintf(stderr, "cannot load libopenblas.so.0: %s\n", dlerror()); return 1; }
    sgemm = (sgemm_fn) dlsym(lib, "cblas_sgemm");
    if (!sgemm) { fprintf(stderr, "libopenblas.so.0 has no cblas_sgemm\n"); return 1; }

    const int s[4] = {784, 256, 128, 10};
    float *w[3], *gw[3], *act[4], *delta[4];
    act[0] = filled((size_t) batch * s[0]);
    for (int l = 0; l < 3; l++) {
        w[l] = filled((size_t) s[l] * s[l + 1]);
        gw[l] = filled((size_t) s[l] * s[l + 1]);
        act[l + 1] = filled((size_t) batch * s[l + 1]);
        delta[l + 1] = filled((size_t) batch * s[l + 1]);
    }
    double flops = 0;
    for (int l = 0; l < 3; l++) flops += 2.0 * 2.0 * batch * s[l] * s[l + 1];
    for (int l = 1; l < 3; l++) flops += 2.0 * batch * s[l] * s[l + 1];

    int steps = (int) (4e9 / flops) + 1;
    double *seconds = malloc(sizeof(double) * repetitions);
    for (int r = -1; r < repetitions; r++) {
        double start = now();
        for (int i = 0; i < steps; i++) {
            for (int l = 0; l < 3; l++) gemm(0, 0, batch, s[l + 1], s[l], act[l], w[l], act[l + 1]);
            for (int l = 2; l >= 0; l--) {
                gemm(1, 0, s[l], s[l + 1], batch, act[l], delta[l + 1], gw[l]);
                if (l > 0) gemm(0, 1, batch, s[l], s[l + 1], delta[l + 1], w[l], delta[l]);
            }
        }
        if (r >= 0) seconds[r] = now() - start;
    }
    qsort(seconds, repetitions, sizeof(double), compare);
    printf("RESULT bench=gemm impl=openblas-c batch=%d gflops=%.1f\n", batch,
           flops * steps / seconds[repetitions / 2] / 1e9);
    return 0;
}
