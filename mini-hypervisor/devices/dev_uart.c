/*
 * dev_uart.c -- the 16550 subset (see dev_uart.h).
 *
 * Register offsets from the base port; DLAB is LCR bit 7, which swaps the
 * first two for the divisor latch.
 */
#include "dev_uart.h"

#include <string.h>

#include "mhv_assert.h"

enum {
    UART_RBR_THR = 0, /* receive buffer / transmit holding (DLAB: DLL) */
    UART_IER = 1,     /* interrupt enable (DLAB: DLM) */
    UART_IIR_FCR = 2, /* interrupt identification / FIFO control */
    UART_LCR = 3,
    UART_MCR = 4,
    UART_LSR = 5,
    UART_MSR = 6,
    UART_SCR = 7,
};

#define LCR_DLAB 0x80
#define IER_RDA 0x01      /* received data available */
#define IER_THRE 0x02     /* transmit holding register empty */
#define IIR_NONE 0x01
#define IIR_THRE 0x02
#define IIR_RDA 0x04
#define IIR_FIFO 0xC0     /* FIFOs enabled */
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define MCR_RTS 0x02
#define MCR_OUT2 0x08
#define LSR_DR 0x01       /* data ready */
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MSR_CTS_DSR_DCD 0xB0

void mhv_uart_init(struct mhv_uart *uart, struct mhv_irq_line irq,
                   void (*output)(void *context, uint8_t byte),
                   size_t (*input)(void *context, uint8_t *buffer, size_t max), void *context)
{
    *uart = (struct mhv_uart){ .irq = irq, .output = output, .input = input, .context = context };
}

/* dev_uart.h's invariants, whatever the guest wrote or the host sent: the
 * FIFO within its array, and the registers holding only the bits the
 * model keeps. */
static int uart_is_sound(const struct mhv_uart *uart)
{
    return uart->rx_count <= MHV_UART_RX_FIFO && uart->rx_head < MHV_UART_RX_FIFO &&
           (uart->ier & ~0x0F) == 0 && (uart->mcr & ~0x1F) == 0 && (uart->fcr & ~FCR_ENABLE) == 0;
}

size_t mhv_uart_rx_space(const struct mhv_uart *uart)
{
    MHV_ASSERT(uart->rx_count <= MHV_UART_RX_FIFO);
    return MHV_UART_RX_FIFO - uart->rx_count;
}

size_t mhv_uart_rx_room(const struct mhv_uart *uart)
{
    return (uart->mcr & MCR_RTS) ? mhv_uart_rx_space(uart) : 0;
}

int mhv_uart_wants_rx_interrupt(const struct mhv_uart *uart)
{
    return (uart->ier & IER_RDA) && (uart->mcr & MCR_OUT2);
}

static uint8_t interrupt_id(const struct mhv_uart *uart)
{
    if ((uart->ier & IER_RDA) && uart->rx_count > 0)
        return IIR_RDA;
    if ((uart->ier & IER_THRE) && uart->thre_pending)
        return IIR_THRE;
    return IIR_NONE;
}

static void update_irq(struct mhv_uart *uart)
{
    mhv_irq_set(&uart->irq, interrupt_id(uart) != IIR_NONE && (uart->mcr & MCR_OUT2));
}

void mhv_uart_receive(struct mhv_uart *uart, const uint8_t *bytes, size_t count)
{
    for (size_t i = 0; i < count && uart->rx_count < MHV_UART_RX_FIFO; i++) {
        uart->rx[(uart->rx_head + uart->rx_count) % MHV_UART_RX_FIFO] = bytes[i];
        uart->rx_count++;
        uart->bytes_in++;
    }
    update_irq(uart);
    MHV_ASSERT(uart_is_sound(uart));
}

/* An empty FIFO asks the host for input first (a polling guest), while
 * the guest holds RTS (mhv_uart_rx_room). */
static void refill(struct mhv_uart *uart)
{
    if (uart->rx_count > 0 || !uart->input || mhv_uart_rx_room(uart) == 0)
        return;
    uint8_t buffer[MHV_UART_RX_FIFO];
    size_t got = uart->input(uart->context, buffer, sizeof buffer);
    mhv_uart_receive(uart, buffer, got);
}

static void uart_read(void *device, uint64_t offset, unsigned size, uint64_t *value)
{
    struct mhv_uart *uart = device;
    int dlab = (uart->lcr & LCR_DLAB) != 0;
    uint8_t byte = 0;
    MHV_ASSERT(offset < 8);  /* the bus passes offsets inside the 8-port range */

    switch (offset) {
    case UART_RBR_THR:
        if (dlab) {
            byte = uart->dll;
            break;
        }
        refill(uart);
        if (uart->rx_count > 0) {
            byte = uart->rx[uart->rx_head];
            uart->rx_head = (uart->rx_head + 1) % MHV_UART_RX_FIFO;
            uart->rx_count--;
        }
        break;
    case UART_IER:
        byte = dlab ? uart->dlm : uart->ier;
        break;
    case UART_IIR_FCR:
        byte = interrupt_id(uart);
        if (byte == IIR_THRE)
            uart->thre_pending = 0;  /* reading IIR acknowledges "THR empty" */
        if (uart->fcr & FCR_ENABLE)
            byte |= IIR_FIFO;
        break;
    case UART_LCR:
        byte = uart->lcr;
        break;
    case UART_MCR:
        byte = uart->mcr;
        break;
    case UART_LSR:
        refill(uart);
        byte = LSR_THRE | LSR_TEMT | (uart->rx_count > 0 ? LSR_DR : 0);
        break;
    case UART_MSR:
        byte = MSR_CTS_DSR_DCD;
        break;
    default:
        byte = uart->scr;
        break;
    }
    *value = byte;
    update_irq(uart);
    MHV_ASSERT(uart_is_sound(uart));
}

static enum mhv_bus_result uart_write(void *device, uint64_t offset, unsigned size, uint64_t value)
{
    struct mhv_uart *uart = device;
    int dlab = (uart->lcr & LCR_DLAB) != 0;
    uint8_t byte = (uint8_t)value;
    MHV_ASSERT(offset < 8);

    switch (offset) {
    case UART_RBR_THR:
        if (dlab) {
            uart->dll = byte;
        } else {
            uart->output(uart->context, byte);
            uart->bytes_out++;
            uart->thre_pending = 1;  /* sent at once: THR is empty again */
        }
        break;
    case UART_IER:
        if (dlab) {
            uart->dlm = byte;
        } else {
            /* Enabling the THRE interrupt while THR is empty raises it. */
            if ((byte & IER_THRE) && !(uart->ier & IER_THRE))
                uart->thre_pending = 1;
            uart->ier = byte & 0x0F;
        }
        break;
    case UART_IIR_FCR:
        uart->fcr = byte & FCR_ENABLE;
        if (byte & FCR_CLEAR_RX)
            uart->rx_head = uart->rx_count = 0;
        break;
    case UART_LCR:
        uart->lcr = byte;
        break;
    case UART_MCR:
        uart->mcr = byte & 0x1F;
        break;
    case UART_SCR:
        uart->scr = byte;
        break;
    default: /* LSR and MSR are read-only */
        break;
    }
    update_irq(uart);
    MHV_ASSERT(uart_is_sound(uart));
    return MHV_BUS_OK;
}

const struct mhv_bus_device_ops mhv_uart_ops = { .read = uart_read, .write = uart_write };
