/*
 * handlers.h -- what each command file defines: one handler per command
 * of commands.def, by the name its row gives, all of one type.  A handler
 * gets the parsed line (its command, its /FORMAT suffix, its arguments);
 * it answers through the sink and returns what happened.
 *
 *   cmd_running.c      run start continue step next stepi finish
 *   cmd_breakpoints.c  break tbreak delete disable enable watch
 *   cmd_data.c         print display undisplay set x
 *   cmd_stack.c        backtrace frame up down
 *   cmd_source.c       list disassemble
 *   cmd_info.c         info and its topics
 *   cmd_ui.c           layout screen jit help quit
 *   cmd_reverse.c      reverse-stepi reverse-step reverse-continue
 *
 * Layer: commands, over the service layer (core/); the command files
 * call the services, never the other way round, and none calls another
 * (what two need is a service).  Only the dispatcher (dispatch.c) calls
 * the handlers.
 */
#ifndef VDB_HANDLERS_H
#define VDB_HANDLERS_H

#include "command.h"
#include "session.h"

typedef vdb_exec_result vdb_handler(vdb_session *s, const vdb_parsed *p);

#define CMD(id, name, alias, handler, words, flags, usage, help) vdb_handler handler;
#include "commands.def"

#endif
