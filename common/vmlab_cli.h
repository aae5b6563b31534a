/*
 * vmlab_cli.h -- what the command lines of bvm, mhv and vdb share: flags
 * with values, the usage-error message, unsigned numbers.
 *
 * Every flag that takes a value accepts both "--name VALUE" and
 * "--name=VALUE", as GNU getopt_long does; a flag whose value is missing
 * is a usage error that names the flag.
 */
#ifndef VMLAB_CLI_H
#define VMLAB_CLI_H

#include <stdbool.h>
#include <stdint.h>

/* Is argv[*i] the flag NAME ("NAME", or "NAME=VALUE")?  If so, *value is
 * its value -- after the '=', or the next argument, which *i then moves
 * past -- or NULL when NAME is the last argument, and the result is true.
 * "NAME-more" is another flag: false. */
bool vmlab_flag_value(int argc, char **argv, int *i, const char *name, const char **value);

/* A flag with a value that may be given once (mhv's and vdb's --kernel,
 * --initrd, --append): when argv[*i] is NAME (as vmlab_flag_value takes
 * it), *slot gets its value and the result is true, with problem "" -- or
 * with problem "NAME needs NEEDS" when the value is missing, "NAME is
 * given twice" when *slot was set already (*slot then stays).  False:
 * argv[*i] is another flag. */
bool vmlab_flag_once(int argc, char **argv, int *i, const char *name, const char *needs, const char **slot,
                     char *problem, size_t problem_size);

/* Prints "PROGRAM: MESSAGE" and the hint "(run 'PROGRAM --help' for usage)"
 * on stderr; returns VMLAB_EXIT_USAGE. */
int vmlab_usage_error(const char *program, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The whole of text as an unsigned number in base (0: C's 0x and 0
 * prefixes, as strtoull).  False for an empty text, a sign, anything after
 * the digits, or a value above UINT64_MAX. */
bool vmlab_parse_u64(const char *text, int base, uint64_t *out);

#endif
