/*
 * dev_uart.h -- a 16550 UART (COM1, ports 0x3F8-0x3FF, IRQ 4): the
 * guest's serial console.
 *
 * Output is instant: a byte written to THR goes straight to the console
 * callback, so THR is always empty (LSR reports THRE and TEMT).  Input
 * comes from the host through mhv_uart_receive() into a receive FIFO; the
 * run loop feeds it from stdin (see run.c for when).  Reading RBR or
 * LSR with an empty FIFO first asks the input callback for more, so a
 * guest that polls sees input without any interrupt.
 *
 * Flow control: the host sends only while the guest holds RTS (MCR bit
 * 1), as a terminal with RTS/CTS handshaking does.  A driver raises RTS
 * when a program opens the port, after it has cleared the FIFO (Linux's
 * 8250 does both at open), so input typed or piped in before that waits
 * on the host instead of being lost -- what lets a script pipe commands
 * into a shell that has not started yet.
 *
 * Interrupts, as on the 16550: IER bit 0 (received data) and bit 1 (THR
 * empty) enable the two sources the model has; IIR names the highest one
 * pending (received data first); the IRQ line is high while one is pending
 * and MCR.OUT2 is set (a PC gates COM interrupts with OUT2).  Reading IIR
 * when it reports "THR empty" clears that source, as does writing THR.
 *
 * Not modelled: baud rate (DLL/DLM are stored and read back, nothing
 * else), line errors, modem status changes (MSR says CTS, DSR, DCD), the
 * loopback mode, FIFO trigger levels.
 *
 * Invariants: rx_count <= MHV_UART_RX_FIFO; the IRQ line's level always
 * says whether an interrupt is pending (interrupt_id() in dev_uart.c is
 * not IIR_NONE and OUT2 is set) after any call into this module.
 */
#ifndef MHV_DEV_UART_H
#define MHV_DEV_UART_H

#include <stddef.h>
#include <stdint.h>

#include "bus.h"
#include "irq.h"

#define MHV_UART_RX_FIFO 64

struct mhv_uart {
    struct mhv_irq_line irq;
    void (*output)(void *context, uint8_t byte);               /* THR writes */
    size_t (*input)(void *context, uint8_t *buffer, size_t max);  /* non-blocking; 0: none now */
    void *context;

    uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
    uint8_t thre_pending;  /* the "THR empty" interrupt source */
    uint8_t rx[MHV_UART_RX_FIFO];
    size_t rx_head, rx_count;
    uint64_t bytes_out, bytes_in;
};

extern const struct mhv_bus_device_ops mhv_uart_ops;

/* input may be NULL (no input, ever). */
void mhv_uart_init(struct mhv_uart *uart, struct mhv_irq_line irq,
                   void (*output)(void *context, uint8_t byte),
                   size_t (*input)(void *context, uint8_t *buffer, size_t max), void *context);

/* Room in the receive FIFO. */
size_t mhv_uart_rx_space(const struct mhv_uart *uart);

/* How many bytes the host may send now: the FIFO's room while the guest
 * holds RTS, else 0. */
size_t mhv_uart_rx_room(const struct mhv_uart *uart);

/* Puts bytes into the receive FIFO (at most mhv_uart_rx_space()). */
void mhv_uart_receive(struct mhv_uart *uart, const uint8_t *bytes, size_t count);

/* Has the guest enabled the received-data interrupt?  (Then the run loop
 * should wake it when input arrives.) */
int mhv_uart_wants_rx_interrupt(const struct mhv_uart *uart);

#endif
