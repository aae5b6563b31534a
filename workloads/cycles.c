/*
 * cycles.c -- the lab workloads natively, counted in TSC cycles, printed
 * exactly as the guest kernel prints them inside a KVM guest:
 *
 *     cycles [NAME[=SIZE]]...        e.g.  cycles fib=25 sieve
 *     fib(25) = 75025 cycles=1234567
 *
 * NAME alone runs that workload at its default size; no argument runs all
 * five.  The same C files are compiled into the guest kernel
 * (mini-hypervisor/guest/kernel/), so a guest's line and this program's line
 * differ only in the cycle count: the difference is what running inside a
 * virtual machine costs.  The TSC is read as the kernel reads it, fenced by
 * lfence on both sides.
 *
 * Exit status: 0, or 2 for an unknown workload or a bad size.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "native.h"   /* wl_alloc and wl_free on malloc, as every native workload */
#include "workload.h"

static uint64_t tsc_read_serialized(void)
{
    uint32_t low, high;
    __asm__ volatile("lfence\n\trdtsc\n\tlfence" : "=a"(low), "=d"(high) : : "memory");
    return (uint64_t)high << 32 | low;
}

static const wl_workload *const workloads[] = { &wl_fib, &wl_loop, &wl_sieve, &wl_matmul, &wl_trees };
#define WORKLOAD_COUNT (sizeof workloads / sizeof workloads[0])

static void run(const wl_workload *w, long long size)
{
    uint64_t start = tsc_read_serialized();
    long long result = w->run(size);
    uint64_t cycles = tsc_read_serialized() - start;
    printf("%s(%lld) = %lld cycles=%llu\n", w->name, size, result, (unsigned long long)cycles);
}

int main(int argc, char **argv)
{
    if (argc == 1) {
        for (size_t i = 0; i < WORKLOAD_COUNT; i++)
            run(workloads[i], workloads[i]->size);
        return 0;
    }
    for (int a = 1; a < argc; a++) {
        const char *equals = strchr(argv[a], '=');
        size_t name_length = equals ? (size_t)(equals - argv[a]) : strlen(argv[a]);
        const wl_workload *w = NULL;
        for (size_t i = 0; i < WORKLOAD_COUNT; i++)
            if (strlen(workloads[i]->name) == name_length && strncmp(workloads[i]->name, argv[a], name_length) == 0)
                w = workloads[i];
        long long size = w ? w->size : 0;
        char *end = NULL;
        if (w && equals) {
            size = strtoll(equals + 1, &end, 0);
            if (*end != '\0' || end == equals + 1 || size < 0)
                w = NULL;
        }
        if (!w) {
            fprintf(stderr, "cycles: '%s': expected fib, loop, sieve, matmul or trees, with an optional =SIZE\n",
                    argv[a]);
            return 2;
        }
        run(w, size);
    }
    return 0;
}
