/*
 * uart.c -- a 16550 driver in its smallest useful form (see uart.h).
 *
 * No baud rate is programmed: a virtual UART has none, and writing the
 * divisor latch goes through the data port, which a simple emulation may
 * print.  Every wait on the device is bounded, so a missing or odd UART
 * cannot hang the kernel in a loop on a port.
 */
#include <stddef.h>

#include "memlayout.h"
#include "uart.h"
#include "uart_regs.h"
#include "x86.h"

/* A device that never says "empty" gets its byte anyway after this many
 * polls, so output goes on, if garbled, rather than stopping dead. */
#define TX_POLL_LIMIT 100000
/* A device that never says "no more data" (an absent UART reads 0xFF) is
 * read at most this many times per interrupt. */
#define RX_DRAIN_LIMIT 64

#define RX_RING_SIZE 256 /* a power of two, so the indices may wrap freely */

static struct {
    uint8_t bytes[RX_RING_SIZE];
    volatile uint32_t head;  /* written by the interrupt handler only */
    volatile uint32_t tail;  /* written by uart_read_byte only */
    uint32_t dropped;        /* bytes lost to a full ring */
} rx;

void uart_init(void)
{
    outb(MHV_PORT_UART + UART_IER, 0); /* quiet while configuring */
    outb(MHV_PORT_UART + UART_LCR, LCR_8N1);
    outb(MHV_PORT_UART + UART_FCR, FCR_ENABLE_AND_CLEAR);
    outb(MHV_PORT_UART + UART_MCR, MCR_DTR_RTS_OUT2);
}

void uart_enable_receive(void)
{
    outb(MHV_PORT_UART + UART_IER, IER_RX_AVAILABLE);
}

void uart_write_byte(uint8_t byte)
{
    for (int i = 0; i < TX_POLL_LIMIT; i++)
        if (inb(MHV_PORT_UART + UART_LSR) & LSR_TX_EMPTY)
            break;
    outb(MHV_PORT_UART + UART_DATA, byte);
}

void uart_on_interrupt(void)
{
    for (int i = 0; i < RX_DRAIN_LIMIT; i++) {
        if (!(inb(MHV_PORT_UART + UART_LSR) & LSR_RX_READY))
            break;
        uint8_t byte = inb(MHV_PORT_UART + UART_DATA);
        if (rx.head - rx.tail == RX_RING_SIZE) {
            rx.dropped++;
            continue;
        }
        rx.bytes[rx.head % RX_RING_SIZE] = byte;
        rx.head = rx.head + 1;
    }
}

/* Interrupts are off from the check to the take, so the handler runs either
 * wholly before or wholly after: no half-stored byte is ever seen. */
uint8_t uart_read_byte(void)
{
    interrupts_disable();
    while (rx.head == rx.tail)
        wait_for_interrupt();
    uint8_t byte = rx.bytes[rx.tail % RX_RING_SIZE];
    rx.tail = rx.tail + 1;
    interrupts_enable();
    return byte;
}
