/*
 * console.h -- how the guest kernel talks to whoever runs mhv, and how it
 * ends: formatted text on the UART, raw text on the debug console port, and
 * the exit port whose byte becomes mhv's exit status.
 *
 * Exit statuses (the kernel's contract with tests):
 *   0 every command ran        1 bad command line    2 bad boot info
 *   3 CPU exception            4 out of memory or a bad free
 *   N exit=N on the command line
 *
 * Invariants:
 *   - kprintf writes through uart_write_byte, by polling, so it may be
 *     used anywhere, interrupt handlers included, once uart_init has run.
 *   - console_debug_write needs no set-up at all: it is for the moments
 *     before the UART is set up or when nothing else can be trusted.
 *   - kernel_exit and kernel_fail never return: if the VMM ignores the exit
 *     port, the CPU halts with interrupts off.
 */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stdarg.h>

enum kernel_status {
    KERNEL_STATUS_OK = 0,
    KERNEL_STATUS_BAD_CMDLINE = 1,
    KERNEL_STATUS_BAD_BOOT_INFO = 2,
    KERNEL_STATUS_EXCEPTION = 3,
    KERNEL_STATUS_OUT_OF_MEMORY = 4,
};

int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Text on port 0xE9, byte by byte. */
void console_debug_write(const char *text);

/* End the guest: mhv exits with status. */
__attribute__((noreturn)) void kernel_exit(int status);

/* Print "guest kernel: ", the message and a newline on the UART, then end
 * the guest with status. */
__attribute__((noreturn, format(printf, 2, 3))) void kernel_fail(int status, const char *fmt, ...);

#endif
