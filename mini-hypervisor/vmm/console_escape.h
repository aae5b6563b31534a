/*
 * console_escape.h -- the escape key of the serial console on a terminal,
 * as QEMU's -nographic has it: with the terminal in raw mode every key,
 * Ctrl-C included, goes to the guest, so one key is kept back to talk to
 * mhv itself.
 *
 *   Ctrl-A x        quit: mhv ends the run
 *   Ctrl-A h        help: mhv lists these keys
 *   Ctrl-A Ctrl-A   sends one Ctrl-A to the guest
 *   Ctrl-A (other)  nothing: both keys are dropped, as QEMU does
 *
 * Pure code: mhv_console_escape_filter rewrites a chunk of input in place
 * and says what the user asked for; the caller acts on it.  A Ctrl-A at
 * the end of a chunk waits for the next one (pending).
 *
 * Invariants: the bytes kept are never more than the bytes given, so the
 * filter works in the caller's buffer; after quit is set, everything that
 * follows is dropped.
 */
#ifndef MHV_CONSOLE_ESCAPE_H
#define MHV_CONSOLE_ESCAPE_H

#include <stddef.h>
#include <stdint.h>

#define MHV_CONSOLE_ESCAPE_KEY 0x01  /* Ctrl-A */

struct mhv_console_escape {
    int pending;     /* the last byte seen was the escape key */
    int quit;        /* Ctrl-A x was typed */
    int help;        /* Ctrl-A h was typed since the caller last cleared it */
};

/* Filters bytes[0 .. count) in place; returns how many bytes the guest
 * gets (at most count). */
size_t mhv_console_escape_filter(struct mhv_console_escape *escape, uint8_t *bytes, size_t count);

#endif
