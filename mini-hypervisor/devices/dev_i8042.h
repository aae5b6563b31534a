/*
 * dev_i8042.h -- an 8042 keyboard controller (port 0x60 data, port 0x64
 * status and command) with a keyboard that has no keys, and its reset
 * line: enough for Linux's i8042 and atkbd drivers to probe it without an
 * error or a timeout worth noticing, and for `reboot=k` (or any 8042
 * reset) to reach the run loop as MHV_BUS_RESET.
 *
 * Two port ranges, one byte each, so that the ports in between (0x61,
 * system control port B) stay free: mhv_i8042_data_ops at 0x60 and
 * mhv_i8042_command_ops at 0x64, both on the same struct mhv_i8042.
 *
 * Commands take no time: the input buffer is never full (status IBF reads
 * 0), so a guest never waits to write, and a reply is in the output buffer
 * as soon as the write that asked for it returns.  The output buffer holds
 * one byte, as on the chip; reading port 0x60 empties it, and reading it
 * empty gives the last byte again.
 *
 * Status (0x64 read): bit 0 OBF, 1 IBF (0), 2 the system flag (command
 * byte bit 2), 3 the last write went to 0x64, 4 "not inhibited" (1: no key
 * lock; Linux warns when it reads 0), 5 the byte came from the aux port,
 * 6 and 7 (timeout, parity) 0.
 *
 * Controller commands (0x64 write); the ones that take a byte take the
 * next write to 0x60, and a new command cancels a byte still expected:
 *   0x20-0x3F  read controller RAM byte 0-31; byte 0 is the command byte
 *              (bit 0 IRQ 1 on, 1 IRQ 12 on, 2 system flag, 3 ignore lock,
 *              4 keyboard off, 5 aux off, 6 translate; power on 0x65,
 *              what a BIOS that found no mouse leaves)
 *   0x60-0x7F  write controller RAM byte 0-31
 *   0xA7/0xA8  aux interface off / on (command byte bit 5)
 *   0xA9       aux interface test: 0x00 (the lines are fine; no device)
 *   0xAA       self-test: 0x55, and the system flag set
 *   0xAB       keyboard interface test: 0x00
 *   0xAD/0xAE  keyboard interface off / on (command byte bit 4)
 *   0xD0       read the output port: bit 0 reset line (1 = run), 1 A20,
 *              4 and 5 the output buffer holds a keyboard / aux byte
 *              (live), the rest as written (power on 0xC3)
 *   0xD1       write the output port; bit 0 clear pulses reset
 *   0xD2/0xD3  the next byte comes back as if from the keyboard (IRQ 1
 *              when on) / from the aux port (status bit 5, no IRQ)
 *   0xD4       the next byte to the aux device: there is none, it is lost
 *   0xF0-0xFF  pulse the output port lines whose bit (0-3) is 0: with
 *              bit 0 (0xFE, what Linux sends) the reset line
 *   others     ignored, no reply
 * A reset -- a pulse, or bit 0 written clear -- makes the write return
 * MHV_BUS_RESET and counts in resets; the line is high again at once, the
 * controller's state is as it was (what a reset means is the run loop's).
 * A20 is stored only: mhv never masks address line 20.
 *
 * The keyboard: a byte written to 0x60 with no controller command waiting
 * for it goes to the keyboard (and turns the keyboard interface on, as PC
 * keyboard controllers do).  It answers as an MF2 keyboard does -- 0xFA (ACK) to
 * everything it knows, 0xFE (resend) to what it does not:
 *   0xED LEDs, 0xF3 typematic rate  ACK, then ACK to the parameter (kept)
 *   0xF0 scan code set              ACK, then to 1-3 ACK (kept), to 0 ACK
 *                                   and the set, to anything else 0xFE
 *   0xEE echo                       0xEE
 *   0xF2 identify                   ACK, 0xAB, 0x83
 *   0xF4 / 0xF5 enable / disable    ACK (0xF5 also restores the defaults)
 *   0xF6 defaults                   ACK (typematic 0x2B, set 2)
 *   0xF7-0xFD (set 3 key types)     ACK
 *   0xFE resend                     its last byte again
 *   0xFF reset                      ACK, 0xAA (self-test passed)
 * It never sends a scan code: there are no keys (no host input reaches
 * it).  Its bytes wait in its own queue (MHV_I8042_KBD_QUEUE, the newest
 * dropped when full) while the keyboard interface is off or the output
 * buffer is full, and move to the output buffer one by one as the guest
 * reads it.  With translation on (command byte bit 6) the controller turns
 * set 2 codes into set 1 as they leave the keyboard, as the chip does; of
 * what this keyboard sends that changes only the identify's 0x83 (0x41)
 * and a scan code set number.  A controller reply takes the output
 * buffer; a keyboard byte it displaces goes back to the head of the queue.
 *
 * IRQ 1 is high while the output buffer holds a byte that is not from the
 * aux port and the command byte's bit 0 is set (a controller reply counts,
 * as on the chip); each byte that fills the buffer is a new rising edge.
 *
 * Not modelled: a mouse (the aux port has nothing on it, and its IRQ 12
 * is on the slave 8259A, which this machine lacks); the multiplexing
 * (active MUX) extension; the input port (0xC0) and test inputs (0xE0);
 * typematic repeat and LEDs beyond storing them; parity and timeout
 * errors; the password and vendor commands.
 *
 * What Linux 6.1 does with it (drivers/input/serio/i8042.c): the CTR reads
 * and writes and the flushes succeed; the aux probe's loopback (0xD3)
 * works, the aux off/on toggles work, and its IRQ 12 delivery test then
 * waits 250 ms in vain and drops the aux port quietly (boot with
 * `i8042.noaux` to skip that wait); the keyboard port comes up, and atkbd
 * finds "AT Translated Set 2 keyboard" (ID 0xAB41) through IRQ 1.
 *
 * Invariants (MHV_ASSERT, dev_i8042.c's i8042_is_sound): kbd_count <=
 * MHV_I8042_KBD_QUEUE and kbd_head < MHV_I8042_KBD_QUEUE; pending is 0 or a
 * command that takes a byte; kbd_expect is 0, 0xED, 0xF0 or 0xF3; the
 * output port's bit 0 is 1; after every call the IRQ line's level is what
 * the rule above says.
 */
#ifndef MHV_DEV_I8042_H
#define MHV_DEV_I8042_H

#include <stdint.h>

#include "bus.h"
#include "irq.h"

#define MHV_I8042_RAM_SIZE 32
#define MHV_I8042_KBD_QUEUE 16

/* Status register bits. */
#define MHV_I8042_STATUS_OBF 0x01
#define MHV_I8042_STATUS_IBF 0x02
#define MHV_I8042_STATUS_SYS 0x04
#define MHV_I8042_STATUS_COMMAND 0x08
#define MHV_I8042_STATUS_UNLOCKED 0x10
#define MHV_I8042_STATUS_AUX 0x20

/* Command byte (controller RAM byte 0) bits. */
#define MHV_I8042_CTR_KBD_IRQ 0x01
#define MHV_I8042_CTR_AUX_IRQ 0x02
#define MHV_I8042_CTR_SYS 0x04
#define MHV_I8042_CTR_KBD_OFF 0x10
#define MHV_I8042_CTR_AUX_OFF 0x20
#define MHV_I8042_CTR_XLATE 0x40

/* Output port bits. */
#define MHV_I8042_OUT_RESET 0x01   /* 0 holds the CPU in reset */
#define MHV_I8042_OUT_A20 0x02
#define MHV_I8042_OUT_KBD_FULL 0x10
#define MHV_I8042_OUT_AUX_FULL 0x20

/* Where the byte in the output buffer came from. */
enum mhv_i8042_source {
    MHV_I8042_FROM_CONTROLLER,  /* a reply, or a 0xD2 byte */
    MHV_I8042_FROM_KEYBOARD,
    MHV_I8042_FROM_AUX,         /* a 0xD3 byte */
};

struct mhv_i8042 {
    struct mhv_irq_line irq;     /* IRQ 1 */

    uint8_t ram[MHV_I8042_RAM_SIZE];  /* controller RAM; ram[0] is the command byte */
    uint8_t output_port;
    uint8_t out;                 /* the output buffer (the last byte, once read) */
    uint8_t out_full;
    uint8_t out_source;          /* enum mhv_i8042_source */
    uint8_t last_was_command;    /* status bit 3 */
    uint8_t pending;             /* the command that waits for a byte on 0x60, or 0 */

    /* the keyboard */
    uint8_t kbd_queue[MHV_I8042_KBD_QUEUE];  /* what it sent (translated), not yet in the output buffer */
    uint8_t kbd_head, kbd_count;
    uint8_t kbd_expect;          /* the command that waits for its parameter, or 0 */
    uint8_t kbd_last;            /* the last byte it sent (0xFE resends it) */
    uint8_t kbd_set;             /* scan code set, 1..3 */
    uint8_t kbd_leds, kbd_typematic, kbd_scanning;

    uint64_t resets;             /* reset pulses the guest asked for */
};

extern const struct mhv_bus_device_ops mhv_i8042_data_ops;     /* port 0x60 */
extern const struct mhv_bus_device_ops mhv_i8042_command_ops;  /* port 0x64 */

/* Power-on state: command byte 0x65, output port 0xC3, buffers empty, a
 * keyboard in set 2 that scans (nothing). */
void mhv_i8042_init(struct mhv_i8042 *kbc, struct mhv_irq_line irq);

#endif
