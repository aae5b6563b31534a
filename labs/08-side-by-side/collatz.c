/*
 * collatz.c -- a sixth workload: the Collatz sequences of 1..SIZE.  Twin of
 * collatz.vela, written to workloads/workload.h like the other five,
 * so that scripts/demo.sh can run it natively at any size.
 *
 * From n, take n / 2 when n is even and 3 * n + 1 when it is odd, until n
 * is 1; steps(n) is how many of those steps that takes.  The result is the
 * sum of steps(n) for n = 1, 2, ..., SIZE.  Result line:
 * "collatz(300000) = 35669725".
 */
#include "workload.h"

#define COLLATZ_SIZE 300000

static long long steps(long long n)
{
    /* TODO: count the steps from n down to 1, as collatz.vela does. */
    (void)n;
    return 0;
}

long long workload_collatz(long long size)
{
    long long total = 0;
    for (long long n = 1; n <= size; n++)
        total += steps(n);
    return total;
}

const wl_workload wl_collatz = { "collatz", COLLATZ_SIZE, workload_collatz };

#ifndef WORKLOAD_NO_MAIN
#include "native.h"
int main(void)
{
    return wl_native_main(&wl_collatz);
}
#endif
