/*
 * command_table.c -- the table of commands, from commands.def
 * (command_table.h).
 */
#include "command_table.h"

#include <stddef.h>

#include "session.h" /* VDB_LAYOUT_NAMES, in layout's words */

#define WORDS(list, ...) static const char *const list[] = { __VA_ARGS__, NULL };
#include "commands.def"

/* info's words: every topic, the targets' included. */
static const char *const info_words[] = {
#define TOPIC(word, handler, kind, cap) word,
#include "commands.def"
    NULL
};

const vdb_command vdb_commands[VDB_CMD_COUNT] = {
#define CMD(id, name, alias, handler, words, flags, usage, help) \
    [VDB_CMD_##id] = { VDB_CMD_##id, name, alias, words, flags, usage, help },
#include "commands.def"
};
