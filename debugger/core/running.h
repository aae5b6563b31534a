/*
 * running.h -- running the program: resuming the target (counted steps,
 * watchpoints by single steps), restarting it, and reporting each stop as
 * gdb does ("Breakpoint 1, fib at fib.vela:3", the line, the displays).
 *
 * Layer: core, over session_state.h, location.h, values.h and
 * breakpoints.h.  Used by reverse.c and by the running commands.
 *
 * Invariants: the target is inspected only between its resumes
 * (target_running is set around each); a stop it reports has a reason;
 * after every stop the selected frame is 0 -- at a caught exception, the
 * faulting instruction's frame, the one the stop shows -- and the
 * registers are read.
 */
#ifndef VDB_RUNNING_H
#define VDB_RUNNING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "session.h"

/* Resumes `count` times (stopping early at anything but a completed step),
 * then reports the stop.  With watchpoints armed, a continue runs one
 * instruction at a time and compares.  Fails when the program ended. */
vdb_exec_result vdb_resume(vdb_session *s, vdb_resume_kind kind, unsigned count);

/* The error for a resume after the program ended, with the hint that is
 * true here: `run` starts it again where the session has an opener and
 * the target VDB_CAP_RESTART; else that it cannot (a remote target). */
vdb_exec_result vdb_fail_ended(vdb_session *s);

/* Makes the program again (run after it ran): a new target from the
 * session's opener, the enabled breakpoints inserted. */
int vdb_restart(vdb_session *s, char *err, size_t err_size);

/* until LOCATION: the target's resume_to, reported as a step. */
vdb_exec_result vdb_resume_to(vdb_session *s, uint64_t address);

/* After the target stopped (s->stop set): frame 0 (the faulting frame at
 * a caught exception), the registers read, the stop reported as the
 * resume `kind` would. */
void vdb_after_stop(vdb_session *s, vdb_resume_kind kind, bool watch_hit);

#endif
