/*
 * reverse.h -- going back in time, on targets that can (VDB_CAP_REVERSE:
 * the bytecode VM), by running the program again (reverse.c says how).
 *
 * Layer: core, over session_state.h, breakpoints.h and running.h (a stop
 * reached going back is reported as a forward one).  Used by the
 * reverse-* commands.
 */
#ifndef VDB_REVERSE_H
#define VDB_REVERSE_H

#include "session.h"

/* Goes back as the resume `kind` would go forward: STEPI `count`
 * instructions, STEP `count` source lines, CONTINUE to the last
 * breakpoint hit (or the start).  The session must be able to go back
 * (the capability, an opener, a started program: the command checks and
 * says which is missing); `command` names it in the errors. */
vdb_exec_result vdb_go_back(vdb_session *s, const char *command, vdb_resume_kind kind, unsigned count);

#endif
