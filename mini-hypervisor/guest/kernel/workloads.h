/*
 * workloads.h -- the guest kernel's side of workloads/workload.h: the
 * memory hooks wl_alloc and wl_free on the kernel's heap, and running one
 * workload timed with the time-stamp counter.
 *
 * Invariants:
 *   - workloads_init runs before any workload, and only once.
 *   - wl_alloc never returns NULL: out of memory ends the guest with
 *     KERNEL_STATUS_OUT_OF_MEMORY, and so does a wl_free of a pointer
 *     wl_alloc did not hand out (or handed out and took back already).
 *   - The workloads are the only code built with SSE; everything they call
 *     back (wl_alloc, wl_free, memset, memcpy) is general-registers-only.
 */
#ifndef KERNEL_WORKLOADS_H
#define KERNEL_WORKLOADS_H

#include <stdbool.h>

#include "cmdline.h"

/* The heap the workloads allocate from: [start, end). */
void workloads_init(void *start, void *end);

/* Run one workload, at its default size unless has_size, and print
 * "NAME(SIZE) = RESULT cycles=C". */
void workload_run(enum workload_id id, bool has_size, long long size);

#endif
