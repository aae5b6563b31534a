/*
 * call.c -- lab 07: the cost of one C function call, the yardstick next to
 * a VM exit and a bytecode dispatch.
 *
 *   cc -O2 -o /tmp/call labs/07-trap-and-emulate/call.c && /tmp/call
 *
 * Calls a function that the compiler may not inline (noinline) nor treat
 * as pure (the empty asm statement), CALLS times in a loop, and prints the
 * time per call: a call, a return, an add, and the loop's own compare and
 * branch.  The time is the CPU time of this process, so that on a busy
 * machine the time spent waiting for a CPU does not count.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define CALLS 500000000ull

__attribute__((noinline)) static uint64_t add_one(uint64_t x)
{
    __asm__ volatile("");
    return x + 1;
}

static double seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

int main(void)
{
    uint64_t x = 0;
    double start = seconds();
    for (uint64_t i = 0; i < CALLS; i++)
        x = add_one(x);
    double elapsed = seconds() - start;
    if (x != CALLS)
        return 1;   /* cannot happen; it makes the result count */
    printf("%llu calls in %.3f s: %.2f ns per call\n", (unsigned long long)CALLS, elapsed,
           elapsed / (double)CALLS * 1e9);
    return 0;
}
