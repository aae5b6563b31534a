/*
 * uart.h -- the 16550 UART at COM1 (port 0x3F8, IRQ 4): the guest kernel's
 * console.  Output polls the line status register; input arrives by
 * interrupt into a ring buffer, so a reader can sleep with hlt instead of
 * spinning on a port (each port read costs a VM exit).
 *
 * Invariants:
 *   - The ring has one producer, uart_on_interrupt (IRQ 4, interrupts off),
 *     and one consumer, uart_read_byte (kernel code): the producer only
 *     advances rx.head, the consumer only rx.tail, so neither needs a lock.
 *   - A byte that arrives while the ring is full is dropped and counted.
 *   - uart_read_byte must be called with interrupts enabled or it would
 *     sleep forever; it returns with them enabled.
 */
#ifndef KERNEL_UART_H
#define KERNEL_UART_H

#include <stdint.h>

/* 8 data bits, no parity, FIFOs on, DTR, RTS and OUT2 (which gates the
 * UART's interrupt line) held; the receive interrupt still off, so output
 * works from here on and nothing is received yet. */
void uart_init(void);

/* Turn the received-data interrupt on (IER bit 0).  Call it once the PIC
 * is initialized and IRQ 4 unmasked: the PIC's initialization forgets any
 * request already raised, as an 8259 does, and the UART raises its line
 * only once while data waits, so input that came earlier would never be
 * taken. */
void uart_enable_receive(void);

/* Send one byte, waiting until the transmitter can take it. */
void uart_write_byte(uint8_t byte);

/* IRQ 4: move every received byte into the ring. */
void uart_on_interrupt(void);

/* The next received byte, sleeping until one arrives. */
uint8_t uart_read_byte(void);

#endif
