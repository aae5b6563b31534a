/*
 * values.h -- what the user reads and writes: integer expressions
 * ($register, numbers, *ADDRESS, joined by + and -), the target's
 * variables (print NAME[i].field), registers as text, and the displays
 * shown at every stop.
 *
 * Layer: core, over session_state.h and number_format.h.  Used by the
 * services above it (watchpoints in breakpoints.c, stop reports in
 * running.c, panes) and by the data, info and source commands.
 */
#ifndef VDB_VALUES_H
#define VDB_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "session.h"

/* [SPACE:]EXPRESSION -> the space's index and the address. */
int vdb_parse_address(vdb_session *s, const char *text, int *space, uint64_t *address, char *err, size_t err_size);
/* An integer expression: terms ($register, number, *ADDRESS) joined by +
 * and -. */
int vdb_integer_expression(vdb_session *s, const char *text, uint64_t *value, char *err, size_t err_size);
/* Whether text is for the front end ($register, number, *ADDRESS) rather
 * than the target's variables. */
bool vdb_is_integer_expression(const char *text);
/* The text `print/format expression` shows (format 0: none), in the
 * selected frame. */
int vdb_evaluate(vdb_session *s, const char *expression, char format, char *out, size_t size, char *err,
                 size_t err_size);
/* Register i at this stop: "rax      0x000000000000002a  42". */
void vdb_format_register(vdb_session *s, size_t i, char *out, size_t size);
/* Every display, as a stop shows them ("1: n = 5"). */
void vdb_show_displays(vdb_session *s);

#endif
