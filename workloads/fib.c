/*
 * fib.c -- recursive Fibonacci: the cost of a call and a return.
 *
 * Two calls, a compare, an add and a subtract per call: nearly all of the
 * time goes to calling, so this measures an engine's call path.
 * Result line: "fib(36) = 14930352".
 */
#include "workload.h"

#define FIB_SIZE 36

static long long fib(long long n)
{
    if (n < 2)
        return n;
    return fib(n - 1) + fib(n - 2);
}

long long workload_fib(long long n)
{
    return fib(n);
}

const wl_workload wl_fib = { "fib", FIB_SIZE, workload_fib };

#ifndef WORKLOAD_NO_MAIN
#include "native.h"
int main(void)
{
    return wl_native_main(&wl_fib);
}
#endif
