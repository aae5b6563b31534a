/*
 * command_table.h -- vdb's table of commands, made from commands.def:
 * their ids, names, short forms, words, flags, usage and help, in the
 * order of the file; and the kinds of info's topics.
 *
 * Layer: commands, over core/command.h (what a command is).  Used by the
 * dispatcher (dispatch.c), help (cmd_ui.c) and info (cmd_info.c); the
 * service layer never sees it.
 */
#ifndef VDB_COMMAND_TABLE_H
#define VDB_COMMAND_TABLE_H

#include "command.h"

typedef enum {
#define CMD(id, name, alias, handler, words, flags, usage, help) VDB_CMD_##id,
#include "commands.def"
    VDB_CMD_COUNT
} vdb_command_id;

extern const vdb_command vdb_commands[VDB_CMD_COUNT];

/* What an info topic is (commands.def's TOPIC rows). */
typedef enum {
    VDB_TOPIC_OWN,       /* the front end's                                   */
    VDB_TOPIC_SAME,      /* another word for the OWN topic above it           */
    VDB_TOPIC_TARGET,    /* a target's, passed to target.h's info as typed    */
} vdb_topic_kind;

#endif
