/*
 * command.h -- a vdb command line, parsed: which command of a table, the
 * suffix after '/' in its word (x/4gx, p/x) and its arguments; and the
 * pieces of text the commands take (x/NFU, numbers, counts, NAME = VALUE).
 * Pure text work: no session, no target.  The table is the caller's:
 * vdb's own is commands.def's (commands/command_table.h), which this
 * module never sees -- it knows what a command is, not which there are.
 *
 * Layer: core, at its bottom (it includes nothing of vdb).  Used by the
 * dispatcher (commands/dispatch.c), the commands that parse their
 * arguments, and the service layer's own parsing (values.c).
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

/* What a command's table says about it beyond its words. */
enum {
    VDB_TAKES_FORMAT = 1u << 0,   /* a /FORMAT suffix (x/4gx, p/x, disassemble/n) */
    VDB_REPEATS = 1u << 1,        /* an empty line (TUI) runs it again as typed   */
    VDB_GOES_ON = 1u << 2,        /* an empty line runs its bare name: it goes on
                                     from where it stopped (list, x)              */
    VDB_NAMES_COMMANDS = 1u << 3, /* its argument is a command name (help)        */
};

typedef struct {
    int id;                    /* its index in the table                        */
    const char *name;
    const char *alias;         /* short form, or NULL                           */
    const char *const *words;  /* the words its first argument may be, as Tab
                                  completes them (NULL-terminated), or NULL     */
    unsigned flags;            /* VDB_TAKES_FORMAT ...                          */
    const char *usage;         /* NULL: its name and its words, "jit on|off"    */
    const char *help;          /* one line                                      */
} vdb_command;

/* The command a word names in commands[0 .. count), or NULL with err set
 * ("unknown command", "ambiguous: ..."). */
const vdb_command *vdb_command_find(const vdb_command *commands, size_t count, const char *word, char *err,
                                    size_t err_size);

/* c's usage line: c->usage, or its name and its words ("layout src|asm"). */
void vdb_command_usage(const vdb_command *c, char *out, size_t size);

#define VDB_SUFFIX_MAX 16
#define VDB_ARGS_MAX 1024

typedef struct {
    const vdb_command *command;
    char suffix[VDB_SUFFIX_MAX];  /* after '/' in the command word, or ""  */
    char args[VDB_ARGS_MAX];      /* the rest, without surrounding spaces   */
} vdb_parsed;

/* Parses one line against commands[0 .. count).  Returns 1 with *out
 * filled, 0 for a blank line or a comment (#...), -1 with err set. */
int vdb_parse_line(const vdb_command *commands, size_t count, const char *line, vdb_parsed *out, char *err,
                   size_t err_size);

/* x/NFU: count, format letter, unit size in bytes.  The count is 1 unless
 * given; a format or size not given keeps the value *fmt holds (gdb's
 * "last used" defaults). */
typedef struct {
    unsigned count;
    char format;     /* x d u o t c i s */
    unsigned size;   /* 1 2 4 8 */
} vdb_examine_format;
int vdb_parse_examine_format(const char *text, vdb_examine_format *fmt, char *err, size_t err_size);


/* A number as typed: decimal, 0x hex, 0 octal, 0b binary, with an optional
 * leading '-'.  The whole text must be the number. */
bool vdb_parse_number(const char *text, uint64_t *value);

/* A count argument (step 3): 1 when text is empty; false when it is not a
 * number from 1 to 10^9. */
bool vdb_parse_count(const char *text, unsigned *count);

/* Splits "NAME = VALUE" (set var, set reg): copies both sides, trimmed. */
int vdb_split_assignment(const char *text, char *name, size_t name_size, char *value, size_t value_size,
                         char *err, size_t err_size);

#endif
