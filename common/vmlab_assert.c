/*
 * vmlab_assert.c -- what a failed VMLAB_ASSERT does (vmlab_assert.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "vmlab_assert.h"

void vmlab_assert_failed(const char *who, const char *condition, const char *file, int line,
                         const char *function)
{
    fflush(stdout);
    fprintf(stderr, "%s: %s:%d: %s: assertion '%s' failed\n", who, file, line, function, condition);
    abort();
}
