/*
 * vmlab_error.h -- how library code hands an error message to its caller.
 *
 * Library functions never print or exit: they write a message into the
 * caller's buffer (err, err_size) and return -1, and the program decides
 * what to do with it.  vmlab_fail does both in one statement:
 *
 *     if (size < 64)
 *         return vmlab_fail(err, err_size, "%s: %zu bytes, too short", path, size);
 *
 * Invariant: err is always NUL-terminated afterwards (vsnprintf truncates
 * a long message); an err_size of 0 writes nothing.
 */
#ifndef VMLAB_ERROR_H
#define VMLAB_ERROR_H

#include <stddef.h>

int vmlab_fail(char *err, size_t err_size, const char *format, ...) __attribute__((format(printf, 3, 4)));

#endif
