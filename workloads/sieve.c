/*
 * sieve.c -- the sieve of Eratosthenes: array loads and stores in loops.
 *
 * Counts the primes up to SIZE, SIEVE_PASSES times over, each pass with a
 * fresh array (garbage for the collected languages); the result is the sum
 * of the counts, 20 x 78498.
 * Result line: "sieve(1000000) = 1569960".
 */
#include <stdbool.h>

#include "workload.h"

#define SIEVE_SIZE 1000000
#define SIEVE_PASSES 20

static long long count_primes(long long n)
{
    bool *composite = wl_alloc((size_t)(n + 1) * sizeof *composite);
    for (long long i = 0; i <= n; i++)
        composite[i] = false;
    long long count = 0;
    for (long long i = 2; i <= n; i++) {
        if (!composite[i]) {
            count++;
            for (long long j = i * i; j <= n; j += i)
                composite[j] = true;
        }
    }
    wl_free(composite);
    return count;
}

long long workload_sieve(long long n)
{
    long long total = 0;
    for (int pass = 0; pass < SIEVE_PASSES; pass++)
        total += count_primes(n);
    return total;
}

const wl_workload wl_sieve = { "sieve", SIEVE_SIZE, workload_sieve };

#ifndef WORKLOAD_NO_MAIN
#include "native.h"
int main(void)
{
    return wl_native_main(&wl_sieve);
}
#endif
