/*
 * vmlab_cli.c -- the shared command-line helpers (vmlab_cli.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exit_status.h"
#include "vmlab_cli.h"

bool vmlab_flag_value(int argc, char **argv, int *i, const char *name, const char **value)
{
    size_t length = strlen(name);
    const char *arg = argv[*i];
    if (strncmp(arg, name, length) != 0 || (arg[length] != '\0' && arg[length] != '='))
        return false;
    if (arg[length] == '=')
        *value = arg + length + 1;
    else
        *value = *i + 1 < argc ? argv[++*i] : NULL;
    return true;
}

bool vmlab_flag_once(int argc, char **argv, int *i, const char *name, const char *needs, const char **slot,
                     char *problem, size_t problem_size)
{
    const char *value;
    if (!vmlab_flag_value(argc, argv, i, name, &value))
        return false;
    if (*slot)
        snprintf(problem, problem_size, "%s is given twice", name);
    else if (!value)
        snprintf(problem, problem_size, "%s needs %s", name, needs);
    else {
        *slot = value;
        snprintf(problem, problem_size, "%s", "");
    }
    return true;
}

int vmlab_usage_error(const char *program, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", program);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(run '%s --help' for usage)\n", program);
    va_end(ap);
    return VMLAB_EXIT_USAGE;
}

bool vmlab_parse_u64(const char *text, int base, uint64_t *out)
{
    /* strtoull would skip leading blanks and take a sign: neither is a number here. */
    if (!text || !*text || *text == '-' || *text == '+' || isspace((unsigned char)*text))
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, base);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}
