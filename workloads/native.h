/*
 * native.h -- the hosted side of a C workload: the memory hooks built on
 * malloc/free and the main() that prints "NAME(SIZE) = RESULT".
 *
 * Included once, at the end of each NAME.c, only when WORKLOAD_NO_MAIN is
 * not defined, and by cycles.c, which runs them all natively; a guest
 * kernel supplies its own versions of these instead.
 */
#ifndef WORKLOAD_NATIVE_H
#define WORKLOAD_NATIVE_H

#include <stdio.h>
#include <stdlib.h>

#include "workload.h"

void *wl_alloc(size_t size)
{
    void *block = malloc(size);
    if (block == NULL) {
        fprintf(stderr, "workload: out of memory (%zu bytes)\n", size);
        exit(1);
    }
    return block;
}

void wl_free(void *block)
{
    free(block);
}

static inline int wl_native_main(const wl_workload *w)
{
    printf("%s(%lld) = %lld\n", w->name, w->size, w->run(w->size));
    return 0;
}

#endif
