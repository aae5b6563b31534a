/*
 * breakpoints.h -- the table of breakpoints and watchpoints, and keeping
 * the target's insertions in step with it.
 *
 * Layer: core, over session_state.h, location.h and values.h (a
 * watchpoint's value).  Used by running.c (hits, watchpoints after each
 * step), reverse.c (a target made again), pane.c (the marks) and by the
 * breakpoint, info and source commands.
 *
 * Invariants (session_state.h): numbers from 1, never reused, in the
 * order made; the target holds exactly the enabled code breakpoints'
 * addresses, once each.  Every function here that changes the table keeps
 * them, and asserts so.
 */
#ifndef VDB_BREAKPOINTS_H
#define VDB_BREAKPOINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "session_state.h"

/* The breakpoint numbered `number`, or NULL. */
vdb_breakpoint *vdb_breakpoint_find(vdb_session *s, int number);
/* Whether a code breakpoint (enabled or not) is at address. */
bool vdb_breakpoint_at(const vdb_session *s, uint64_t address);

/* A new entry at the end of the table with the next number, zeroed but
 * for that; NULL when the table is full.  The caller fills it and arms
 * it, or takes it back with vdb_breakpoint_drop_new. */
vdb_breakpoint *vdb_breakpoint_new(vdb_session *s);
/* Takes back the entry vdb_breakpoint_new just made, and its number. */
void vdb_breakpoint_drop_new(vdb_session *s);
/* Enables or disables b, inserting or removing its address in the target
 * when no other enabled breakpoint has it. */
int vdb_arm(vdb_session *s, vdb_breakpoint *b, bool enabled, char *err, size_t err_size);
/* Deletes table entry i (disarming it first). */
void vdb_remove_breakpoint_at(vdb_session *s, size_t i);

/* break / tbreak SPEC (empty: here): resolved, made, armed and reported
 * ("Breakpoint 1 at fib: file fib.vela, line 3."). */
vdb_exec_result vdb_set_breakpoint(vdb_session *s, const char *spec, bool temporary);

bool vdb_any_watchpoint(const vdb_session *s);
/* The first enabled watchpoint whose value changed (reported), or NULL. */
vdb_breakpoint *vdb_changed_watchpoint(vdb_session *s);

/* Inserts the enabled breakpoints' addresses, each once, into t (a target
 * made again: run, the reverse commands), and tells it the catchpoints. */
int vdb_insert_breakpoints(vdb_session *s, vdb_target *t, char *err, size_t err_size);

/* catch exception [VECTOR] (-1: all): made, armed, reported. */
vdb_exec_result vdb_set_catchpoint(vdb_session *s, int vector, const char *spec);
/* Tells t which vectors the enabled catchpoints want. */
int vdb_sync_catchpoints(vdb_session *s, vdb_target *t, char *err, size_t err_size);

#endif
