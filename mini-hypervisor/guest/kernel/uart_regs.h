/*
 * uart_regs.h -- the 16550 UART's registers, as offsets from its base port
 * (COM1: MHV_PORT_UART), and the bits of them the kernel's console drivers
 * use: uart.c, and a lab's driver that replaces it.
 */
#ifndef KERNEL_UART_REGS_H
#define KERNEL_UART_REGS_H

#define UART_DATA 0          /* read: RBR, received byte; write: THR */
#define UART_IER 1           /* interrupt enable */
#define UART_FCR 2           /* write: FIFO control */
#define UART_LCR 3           /* line control */
#define UART_MCR 4           /* modem control */
#define UART_LSR 5           /* line status */

#define IER_RX_AVAILABLE 0x01
#define FCR_ENABLE_AND_CLEAR 0x07  /* FIFOs on, both cleared */
#define LCR_8N1 0x03
#define MCR_DTR_RTS_OUT2 0x0B      /* OUT2 connects the interrupt to the PIC */
#define LSR_RX_READY 0x01
#define LSR_TX_EMPTY 0x20          /* THRE: the transmit FIFO is empty */

#endif
