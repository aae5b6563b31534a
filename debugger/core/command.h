/*
 * command.h -- vdb's command line, parsed: which command (commands.def),
 * the suffix after '/' in its word (x/4gx, p/x), and its arguments.  Pure
 * text work, no target: the session (session.h) runs what this finds.
 *
 * Invariants: a command is found by its full name, its short form, or a
 * prefix of its name that no other name shares; parsing never modifies
 * its input; every error is one line naming the text at fault.
 */
#ifndef VDB_COMMAND_H
#define VDB_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
#define CMD(id, name, alias, usage, help) VDB_CMD_##id,
#include "commands.def"
#undef CMD
    VDB_CMD_COUNT
} vdb_command_id;

typedef struct {
    vdb_command_id id;
    const char *name;
    const char *alias;   /* short form, or NULL */
    const char *usage;
    const char *help;    /* one line */
} vdb_command;

extern const vdb_command vdb_commands[VDB_CMD_COUNT];

/* The command a word names, or NULL with err set ("unknown command",
 * "ambiguous: ..."). */
const vdb_command *vdb_command_find(const char *word, char *err, size_t err_size);

#define VDB_SUFFIX_MAX 16
#define VDB_ARGS_MAX 1024

typedef struct {
    const vdb_command *command;
    char suffix[VDB_SUFFIX_MAX];  /* after '/' in the command word, or ""  */
    char args[VDB_ARGS_MAX];      /* the rest, without surrounding spaces   */
} vdb_parsed;

/* Parses one line.  Returns 1 with *out filled, 0 for a blank line or a
 * comment (#...), -1 with err set. */
int vdb_parse_line(const char *line, vdb_parsed *out, char *err, size_t err_size);

/* x/NFU: count, format letter, unit size in bytes.  The count is 1 unless
 * given; a format or size not given keeps the value *fmt holds (gdb's
 * "last used" defaults). */
typedef struct {
    unsigned count;
    char format;     /* x d u o t c i s */
    unsigned size;   /* 1 2 4 8 */
} vdb_examine_format;
int vdb_parse_examine_format(const char *text, vdb_examine_format *fmt, char *err, size_t err_size);

/* The value of a hex (or decimal) digit, or -1 for any other character. */
int vdb_digit_value(int c);

/* A number as typed: decimal, 0x hex, 0 octal, 0b binary, with an optional
 * leading '-'.  The whole text must be the number. */
bool vdb_parse_number(const char *text, uint64_t *value);

/* Splits "NAME = VALUE" (set var, set reg): copies both sides, trimmed. */
int vdb_split_assignment(const char *text, char *name, size_t name_size, char *value, size_t value_size,
                         char *err, size_t err_size);

#endif
