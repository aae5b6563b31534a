/*
 * uart.c -- lab 9's driver for the 16550 UART at COM1, the guest kernel's
 * console, rewritten to take fewer VM exits.  It replaces the kernel's
 * mini-hypervisor/guest/kernel/uart.c in the lab's kernel and keeps the
 * promises of uart.h, but one: a byte written waits in a ring until its
 * line is complete (every line the kernel prints ends in '\n', so none is
 * left behind at exit).
 *
 * The kernel's driver polls the line status register (LSR) before every
 * byte and sends the byte with one outb: two VM exits a byte.  This one
 * puts the bytes in a ring, the transmit ring, and sends them only when a
 * line is complete or the ring is full.  Then it waits until the UART's
 * transmit FIFO is empty (LSR.THRE) and hands it up to 16 bytes, the
 * FIFO's depth, with one `rep outsb`: one poll for up to 16 bytes.  (How
 * many exits the `rep outsb` itself takes is KVM's choice, one per byte
 * or fewer: `mhv run --stats` counts them.)
 *
 * The ring: bytes[size] and two counters that only grow, head (bytes put
 * in so far) and tail (bytes taken out so far); size is a power of two,
 * so the counters may wrap around 2^32 freely.  The bytes waiting are
 * head - tail of them, from slot tail % size on; the next byte goes to
 * slot head % size.  A `rep outsb` reads memory at consecutive addresses,
 * so when the waiting bytes run past the ring's last slot, they go in two
 * pieces: from the tail's slot to the end of the ring, then from slot 0 to
 * the head's.
 *
 * A ring of 16 slots with "fib(20)\n" waiting (tail = 28, head = 36):
 *
 *          slot 0                                                     slot 15
 *            |                                                           |
 *   bytes: [ 2 | 0 | ) | \n|   |   |   |   |   |   |   |   | f | i | b | ( ]
 *                            ^                               ^
 *                    head % size = 4                 tail % size = 12
 *
 *          second piece: slots 0..3                  first piece: slots 12..15
 *
 * Received bytes arrive by interrupt into a second ring, as in the
 * kernel's driver.  Every wait on the device is bounded, so a missing or
 * odd UART cannot hang the kernel in a loop on a port.
 */
#include <stddef.h>

#include "memlayout.h"
#include "uart.h"
#include "uart_regs.h"
#include "x86.h"

#define TX_FIFO_DEPTH 16
#define TX_POLL_LIMIT 100000  /* polls of LSR before sending anyway */
#define RX_DRAIN_LIMIT 64     /* bytes read per interrupt at most */

struct ring {
    uint8_t *bytes;
    uint32_t size;
    volatile uint32_t head;  /* bytes put in so far */
    volatile uint32_t tail;  /* bytes taken out so far */
};

struct uart_port {
    uint16_t base;           /* its first port */
    uint32_t fifo_depth;     /* bytes the transmitter takes when THRE says empty */
    struct ring tx;          /* written by uart_write_byte, sent by uart_flush */
    struct ring rx;          /* written by uart_on_interrupt, read by uart_read_byte */
    uint32_t rx_dropped;     /* bytes lost to a full receive ring */
    uint32_t flushes;        /* calls of uart_flush that sent something */
};

static uint8_t tx_bytes[64];
static uint8_t rx_bytes[256];

static struct uart_port com1 = {
    .base = MHV_PORT_UART,
    .fifo_depth = TX_FIFO_DEPTH,
    .tx = { .bytes = tx_bytes, .size = sizeof tx_bytes },
    .rx = { .bytes = rx_bytes, .size = sizeof rx_bytes },
};

static uint32_t ring_count(const struct ring *ring)
{
    return ring->head - ring->tail;
}

/* count bytes from memory to one port, with a single instruction. */
static void outsb(uint16_t port, const uint8_t *bytes, uint64_t count)
{
    __asm__ volatile("rep outsb" : "+S"(bytes), "+c"(count) : "d"(port) : "memory");
}

/* Send count bytes that lie one after another in memory: a FIFO's worth
 * at a time, each once the FIFO has emptied. */
static void uart_send(struct uart_port *port, const uint8_t *bytes, uint32_t count)
{
    while (count > 0) {
        uint32_t piece = count < port->fifo_depth ? count : port->fifo_depth;
        for (int i = 0; i < TX_POLL_LIMIT; i++)
            if (inb(port->base + UART_LSR) & LSR_TX_EMPTY)
                break;
        outsb(port->base + UART_DATA, bytes, piece);
        bytes += piece;
        count -= piece;
    }
}

/* Send every byte waiting in the transmit ring, and empty it. */
static void uart_flush(struct uart_port *port)
{
    struct ring *ring = &port->tx;
    uint32_t count = ring_count(ring);
    if (count == 0)
        return;
    uint32_t start = ring->tail % ring->size;
    if (start + count <= ring->size) {
        uart_send(port, ring->bytes + start, count);  /* in one piece */
    } else {
        uint32_t last = ring->size - 1;               /* the ring's last slot */
        uint32_t first = last - start;                /* the bytes from start to the last slot */
        uart_send(port, ring->bytes + start, first);
        uart_send(port, ring->bytes, ring->head % ring->size);
    }
    ring->tail = ring->head;
    port->flushes++;
}

void uart_init(void)
{
    uint16_t base = com1.base;
    outb(base + UART_IER, 0); /* quiet while configuring */
    outb(base + UART_LCR, LCR_8N1);
    outb(base + UART_FCR, FCR_ENABLE_AND_CLEAR);
    outb(base + UART_MCR, MCR_DTR_RTS_OUT2);
}

void uart_enable_receive(void)
{
    outb(com1.base + UART_IER, IER_RX_AVAILABLE);
}

void uart_write_byte(uint8_t byte)
{
    struct uart_port *port = &com1;
    if (ring_count(&port->tx) == port->tx.size)
        uart_flush(port);  /* full: make room */
    port->tx.bytes[port->tx.head % port->tx.size] = byte;
    port->tx.head = port->tx.head + 1;
    if (byte == '\n')
        uart_flush(port);  /* a line is complete */
}

void uart_on_interrupt(void)
{
    struct uart_port *port = &com1;
    for (int i = 0; i < RX_DRAIN_LIMIT; i++) {
        if (!(inb(port->base + UART_LSR) & LSR_RX_READY))
            break;
        uint8_t byte = inb(port->base + UART_DATA);
        if (ring_count(&port->rx) == port->rx.size) {
            port->rx_dropped++;
            continue;
        }
        port->rx.bytes[port->rx.head % port->rx.size] = byte;
        port->rx.head = port->rx.head + 1;
    }
}

/* Interrupts are off from the check to the take, so the handler runs either
 * wholly before or wholly after: no half-stored byte is ever seen. */
uint8_t uart_read_byte(void)
{
    struct uart_port *port = &com1;
    interrupts_disable();
    while (ring_count(&port->rx) == 0)
        wait_for_interrupt();
    uint8_t byte = port->rx.bytes[port->rx.tail % port->rx.size];
    port->rx.tail = port->rx.tail + 1;
    interrupts_enable();
    return byte;
}
