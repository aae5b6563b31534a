/*
 * console.c -- kprintf on the UART, the debug console, and the exit port
 * (see console.h).  The formatting is kprintf.c's; this file only chooses
 * where the characters go.
 */
#include "console.h"
#include "kprintf.h"
#include "memlayout.h"
#include "uart.h"
#include "x86.h"

static void uart_sink(void *context, char c)
{
    (void)context;
    uart_write_byte((uint8_t)c);
}

int kprintf(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int count = format_v(uart_sink, NULL, fmt, args);
    va_end(args);
    return count;
}

void console_debug_write(const char *text)
{
    for (; *text != '\0'; text++)
        outb(MHV_PORT_DEBUG_CONSOLE, (uint8_t)*text);
}

void kernel_exit(int status)
{
    outb(MHV_PORT_EXIT, (uint8_t)status);
    for (;;) {
        interrupts_disable();
        __asm__ volatile("hlt");
    }
}

void kernel_fail(int status, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    kprintf("guest kernel: ");
    format_v(uart_sink, NULL, fmt, args);
    va_end(args);
    kprintf("\n");
    kernel_exit(status);
}
