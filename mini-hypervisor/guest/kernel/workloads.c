/*
 * workloads.c -- runs the lab workloads inside the guest (see
 * workloads.h).  The workloads themselves are workloads/NAME.c,
 * compiled unchanged into the kernel with -DWORKLOAD_NO_MAIN; each defines
 * a wl_workload that names it and gives its default size.
 *
 * Cycles are counted with rdtsc fenced by lfence on both sides (rdtscp is
 * not used: the guest's CPUID may not offer it).  Timer and UART interrupts
 * stay on while a workload runs, so the count includes their handling, as
 * a program's time on any real machine does.
 */
#include "alloc.h"
#include "console.h"
#include "workload.h"
#include "workloads.h"
#include "x86.h"

static const wl_workload *const workloads[WORKLOAD_COUNT] = {
    [WORKLOAD_FIB] = &wl_fib,
    [WORKLOAD_LOOP] = &wl_loop,
    [WORKLOAD_SIEVE] = &wl_sieve,
    [WORKLOAD_MATMUL] = &wl_matmul,
    [WORKLOAD_TREES] = &wl_trees,
};

static struct heap workload_heap;

void workloads_init(void *start, void *end)
{
    heap_init(&workload_heap, start, end);
}

void *wl_alloc(size_t size)
{
    void *block = heap_alloc(&workload_heap, size);
    if (block == NULL)
        kernel_fail(KERNEL_STATUS_OUT_OF_MEMORY, "out of memory (%zu bytes)", size);
    return block;
}

void wl_free(void *block)
{
    if (!heap_free(&workload_heap, block))
        kernel_fail(KERNEL_STATUS_OUT_OF_MEMORY, "bad free of %p", block);
}

void workload_run(enum workload_id id, bool has_size, long long size)
{
    const wl_workload *w = workloads[id];
    if (!has_size)
        size = w->size;
    uint64_t start = tsc_read_serialized();
    long long result = w->run(size);
    uint64_t cycles = tsc_read_serialized() - start;
    kprintf("%s(%lld) = %lld cycles=%llu\n", w->name, size, result, (unsigned long long)cycles);
}
