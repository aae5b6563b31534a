/*
 * matmul.c -- float matrix multiplication: double arithmetic and
 * two-level array indexing.
 *
 * Builds two SIZE x SIZE matrices of doubles, a[i][j] = s/n/n * (i-j) * (i+j)
 * with s = 1 and 2, transposes the second, and forms c = a * b by dot
 * products of rows, k from 0 up.  Every language does the same IEEE
 * operations in the same order, so the sums agree to the last bit; the
 * result is the sum of all of c, times 1000, truncated toward zero.
 * Result line: "matmul(440) = -15079264777".
 */
#include "workload.h"

#define MATMUL_SIZE 440

static double **matrix_new(long long n)
{
    double **m = wl_alloc((size_t)n * sizeof *m);
    for (long long i = 0; i < n; i++)
        m[i] = wl_alloc((size_t)n * sizeof **m);
    return m;
}

static void matrix_free(double **m, long long n)
{
    for (long long i = 0; i < n; i++)
        wl_free(m[i]);
    wl_free(m);
}

static double **matrix_generate(long long n, double seed)
{
    double **m = matrix_new(n);
    double scale = seed / n / n;
    for (long long i = 0; i < n; i++)
        for (long long j = 0; j < n; j++)
            m[i][j] = scale * (i - j) * (i + j);
    return m;
}

static double **matrix_multiply(double **a, double **b, long long n)
{
    double **bt = matrix_new(n); /* b transposed: rows of bt are columns of b */
    for (long long i = 0; i < n; i++)
        for (long long j = 0; j < n; j++)
            bt[j][i] = b[i][j];
    double **c = matrix_new(n);
    for (long long i = 0; i < n; i++) {
        double *ai = a[i];
        for (long long j = 0; j < n; j++) {
            double *btj = bt[j];
            double sum = 0.0;
            for (long long k = 0; k < n; k++)
                sum += ai[k] * btj[k];
            c[i][j] = sum;
        }
    }
    matrix_free(bt, n);
    return c;
}

long long workload_matmul(long long n)
{
    double **a = matrix_generate(n, 1.0);
    double **b = matrix_generate(n, 2.0);
    double **c = matrix_multiply(a, b, n);
    double total = 0.0;
    for (long long i = 0; i < n; i++)
        for (long long j = 0; j < n; j++)
            total += c[i][j];
    matrix_free(a, n);
    matrix_free(b, n);
    matrix_free(c, n);
    return (long long)(total * 1000.0);
}

const wl_workload wl_matmul = { "matmul", MATMUL_SIZE, workload_matmul };

#ifndef WORKLOAD_NO_MAIN
#include "native.h"
int main(void)
{
    return wl_native_main(&wl_matmul);
}
#endif
