/*
 * location.h -- where the program is: the selected frame (frame, up,
 * down, and what print, info locals and list look at) and its address,
 * and places written as the user reads them ("fib at fib.vela:7").
 *
 * Layer: core, over session_state.h and source.h.  Used by the services
 * above it (breakpoints, running, panes) and by the commands.
 *
 * Invariant: s->frame is 0 or below the target's frame count; only
 * vdb_select_frame moves it off 0, and every stop puts it back (a caught
 * exception's stop on the faulting frame, running.h).
 */
#ifndef VDB_LOCATION_H
#define VDB_LOCATION_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"

/* The address of the selected frame: the pc for frame 0 (and on a target
 * without frames), else the call that frame is in (or the instruction an
 * interrupt or exception stopped it at). */
uint64_t vdb_selected_address(vdb_session *s);
/* "fib at fib.vela:7", or the target's form of the address ("0x1005"). */
void vdb_describe_location(vdb_session *s, uint64_t address, char *out, size_t size);
/* The source line of address, or its instruction, as printed after a stop
 * ("7\t    if (n < 2) return n;", "0x1005:\tmov eax, 1"); a bare list
 * goes on around it. */
void vdb_show_code_line(vdb_session *s, uint64_t address);
/* A place as an address means it (x/i, info symbol, disassemble): a
 * function's name is its first instruction, SYMBOL+OFF counts from there
 * -- the target's *SPEC form.  As a location (break, until, list) the
 * same name is where the function's body starts, after its prologue: the
 * target's resolve of SPEC.  A spec that is not a name (a line, FILE:LINE,
 * *ADDRESS) means what resolve says, as does the error for a name that
 * *SPEC does not find. */
int vdb_resolve_address(vdb_session *s, const char *spec, uint64_t *address, char *err, size_t err_size);
/* Selects frame `depth` (0 = innermost) and shows it; `command` names the
 * command in the errors (no frames, not running, no such frame). */
vdb_exec_result vdb_select_frame(vdb_session *s, const char *command, int64_t depth);

#endif
