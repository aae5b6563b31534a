/* vmlab_error.c -- the one error-message helper (see vmlab_error.h). */
#include "vmlab_error.h"

#include <stdarg.h>
#include <stdio.h>

int vmlab_fail(char *err, size_t err_size, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(err, err_size, format, args);
    va_end(args);
    return -1;
}
