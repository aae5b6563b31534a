/*
 * workload.h -- the contract between a C workload and whatever runs it.
 *
 * Each NAME.c in this folder is one benchmark workload, written twice over:
 *
 *   - the workload itself, `long long workload_NAME(long long size)`, which
 *     computes the result from the size and touches no libc at all, so the
 *     same file can be compiled freestanding into the tiny KVM guest kernel
 *     (-DWORKLOAD_NO_MAIN -ffreestanding);
 *   - under `#ifndef WORKLOAD_NO_MAIN`, a native main() (see native.h) that
 *     runs it and prints the result line.
 *
 * A workload needs memory only through the two hooks below; the native main
 * defines them with malloc/free, a guest kernel with its own allocator.  All
 * blocks one workload asks for have the same few sizes, and trees frees each
 * tree before building the next, so a free list per size is enough there.
 * (gcc may turn a clearing loop into a call to memset even freestanding, so
 * a guest must also supply memset and memcpy, as freestanding gcc requires.)
 *
 * Every workload prints exactly one line, "NAME(SIZE) = RESULT", the same
 * text in C, Vela, Lua and Java: see README.md for the sizes and results.
 */
#ifndef WORKLOAD_H
#define WORKLOAD_H

#include <stddef.h>   /* size_t: available freestanding */

/* Memory hooks.  wl_alloc never returns NULL (it stops the program). */
void *wl_alloc(size_t size);
void wl_free(void *block);

/* What a runner needs to know about one workload. */
typedef struct {
    const char *name;                 /* "fib": the first word of the line  */
    long long size;                   /* the size printed in the line       */
    long long (*run)(long long size); /* the workload; returns the result   */
} wl_workload;

/* The workloads, one per NAME.c (a program links the ones it runs). */
long long workload_fib(long long n);
long long workload_loop(long long iterations);
long long workload_sieve(long long limit);
long long workload_matmul(long long n);
long long workload_trees(long long max_depth);

extern const wl_workload wl_fib, wl_loop, wl_sieve, wl_matmul, wl_trees;

#endif
