/*
 * dispatch.h -- running command lines in a session: the dispatcher over
 * commands.def's table, which parses a line, finds its command and calls
 * that command's handler; Tab completion; and what an empty line runs
 * again.  All three come from the one table.
 *
 * Layer: commands, its top: over the handlers (handlers.h), the table
 * (command_table.h) and the service layer.  Used by the programs that
 * hold a session: vdb.c (batch mode, -x scripts), ui/tui.c, the tests.
 */
#ifndef VDB_DISPATCH_H
#define VDB_DISPATCH_H

#include <stddef.h>

#include "session.h"

/* Runs one command line (blank lines and # comments do nothing). */
vdb_exec_result vdb_session_execute(vdb_session *s, const char *line);

/* Tab completion: the i-th candidate starting with prefix (state from 0
 * up), or NULL when there are no more.  command is the line's first word,
 * or NULL (or "") when the word being completed is the command itself:
 * then the candidates are command names; after a command with words
 * (layout, info, jit, set) its words -- info's, with a session, only the
 * topics its target has (its own by its info_topics, the operand stack
 * with VDB_CAP_OPERAND_STACK); after help command names; else registers
 * ($rax) and symbols. */
const char *vdb_session_complete(vdb_session *s, const char *command, const char *prefix, size_t state);

/* What an empty line after `line` runs again, as gdb: the steps and
 * continue the same, list and x on from where they stopped (their bare
 * names), anything else nothing (""). */
void vdb_repeat_of(const char *line, char *again, size_t size);

#endif
