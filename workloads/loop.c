/*
 * loop.c -- a tight arithmetic loop: the cost of dispatching simple
 * instructions.
 *
 * Each iteration is one step of a linear congruential generator (a multiply,
 * an add, a remainder) plus a running sum of its low digits (a remainder, an
 * add): no calls, no memory, no allocation.  Every value stays below 2^53 so
 * LuaJIT, whose numbers are doubles, computes exactly the same integers.
 * Result line: "loop(80000000) = 39959772570".
 */
#include "workload.h"

#define LOOP_SIZE 80000000

long long workload_loop(long long n)
{
    long long x = 1, sum = 0;
    for (long long i = 1; i <= n; i++) {
        x = (x * 48271 + i) % 2147483647;
        sum += x % 1000;
    }
    return sum;
}

const wl_workload wl_loop = { "loop", LOOP_SIZE, workload_loop };

#ifndef WORKLOAD_NO_MAIN
#include "native.h"
int main(void)
{
    return wl_native_main(&wl_loop);
}
#endif
