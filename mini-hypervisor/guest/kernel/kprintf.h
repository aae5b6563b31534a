/*
 * kprintf.h -- printf-style formatting for the guest kernel, with no libc:
 * the characters go to a sink callback one at a time, so the same code
 * prints to the UART (console.c) and into a buffer (format_buffer, used by
 * the hosted unit tests).
 *
 * Conversions: %d %i %u %x %X %p %s %c %%, with the length modifiers
 * h, hh (accepted, the value is printed as int), l, ll and z, a field width
 * (digits or *), the flags '0' (pad numbers with zeros) and '-' (pad on the
 * right), and a precision for %s only (.N or .*: print at most N bytes).
 * %p prints 0x and the address in hex.  A conversion it does not know is
 * printed as written.
 *
 * Invariants:
 *   - Pure: touches nothing but its arguments and the sink, so it runs in
 *     interrupt handlers and on the host alike.
 *   - format_buffer always NUL-terminates when size > 0 and returns the
 *     length the whole text would have had, as snprintf does.
 */
#ifndef KERNEL_KPRINTF_H
#define KERNEL_KPRINTF_H

#include <stdarg.h>
#include <stddef.h>

/* Receives the formatted text, one character per call. */
typedef void (*format_sink)(void *context, char c);

/* Format into the sink; returns the number of characters sent. */
int format_v(format_sink sink, void *context, const char *fmt, va_list args);

/* Format into buf (at most size - 1 characters and a NUL). */
int format_buffer(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
