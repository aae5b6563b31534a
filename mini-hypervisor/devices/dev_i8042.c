/*
 * dev_i8042.c -- the 8042 and its keyless keyboard (see dev_i8042.h).
 *
 * The keyboard puts its answers in kbd_queue (kbd_send, which translates
 * them when the command byte says so); refill() moves the queue's head into
 * the output buffer whenever the buffer is empty and the keyboard
 * interface is on; update_irq() then sets IRQ 1 from the buffer.  Every
 * entry point ends with both (settle), so the invariants hold between
 * calls.
 */
#include "dev_i8042.h"

#include "mhv_assert.h"

/* Controller commands. */
#define CMD_READ_RAM 0x20        /* 0x20-0x3F */
#define CMD_WRITE_RAM 0x60       /* 0x60-0x7F */
#define CMD_AUX_OFF 0xA7
#define CMD_AUX_ON 0xA8
#define CMD_AUX_TEST 0xA9
#define CMD_SELF_TEST 0xAA
#define CMD_KBD_TEST 0xAB
#define CMD_KBD_OFF 0xAD
#define CMD_KBD_ON 0xAE
#define CMD_READ_OUTPUT_PORT 0xD0
#define CMD_WRITE_OUTPUT_PORT 0xD1
#define CMD_WRITE_KBD_BUFFER 0xD2
#define CMD_WRITE_AUX_BUFFER 0xD3
#define CMD_WRITE_AUX_DEVICE 0xD4
#define CMD_PULSE 0xF0           /* 0xF0-0xFF: low nibble 0 bits are pulsed */

#define SELF_TEST_PASSED 0x55
#define INTERFACE_OK 0x00

/* Keyboard commands and answers. */
#define KBD_SET_LEDS 0xED
#define KBD_ECHO 0xEE
#define KBD_SCAN_SET 0xF0
#define KBD_IDENTIFY 0xF2
#define KBD_TYPEMATIC 0xF3
#define KBD_ENABLE 0xF4
#define KBD_DISABLE 0xF5
#define KBD_DEFAULTS 0xF6
#define KBD_SET3_LAST 0xFD       /* 0xF7-0xFD: set 3 key types */
#define KBD_RESEND 0xFE
#define KBD_RESET 0xFF
#define KBD_ACK 0xFA
#define KBD_SELF_TEST_PASSED 0xAA
#define KBD_ID_FIRST 0xAB
#define KBD_ID_SECOND 0x83
#define KBD_DEFAULT_TYPEMATIC 0x2B  /* 10.9 characters a second after 500 ms */

#define POWER_ON_CTR (MHV_I8042_CTR_XLATE | MHV_I8042_CTR_AUX_OFF | MHV_I8042_CTR_SYS | MHV_I8042_CTR_KBD_IRQ)
#define POWER_ON_OUTPUT_PORT 0xC3   /* keyboard clock and data high, A20 on, running */

/* F6's defaults (and F5's, and part of a reset). */
static void keyboard_defaults(struct mhv_i8042 *kbc)
{
    kbc->kbd_typematic = KBD_DEFAULT_TYPEMATIC;
    kbc->kbd_set = 2;
}

static void keyboard_reset(struct mhv_i8042 *kbc)
{
    keyboard_defaults(kbc);
    kbc->kbd_leds = 0;
    kbc->kbd_scanning = 1;
    kbc->kbd_expect = 0;
}

void mhv_i8042_init(struct mhv_i8042 *kbc, struct mhv_irq_line irq)
{
    *kbc = (struct mhv_i8042){ .irq = irq, .output_port = POWER_ON_OUTPUT_PORT };
    kbc->ram[0] = POWER_ON_CTR;
    keyboard_reset(kbc);
}

static int is_ram_read(uint8_t command)
{
    return command >= CMD_READ_RAM && command < CMD_READ_RAM + MHV_I8042_RAM_SIZE;
}

static int is_ram_write(uint8_t command)
{
    return command >= CMD_WRITE_RAM && command < CMD_WRITE_RAM + MHV_I8042_RAM_SIZE;
}

static int takes_a_byte(uint8_t command)
{
    return is_ram_write(command) || (command >= CMD_WRITE_OUTPUT_PORT && command <= CMD_WRITE_AUX_DEVICE);
}

static int expects_a_parameter(uint8_t kbd_command)
{
    return kbd_command == KBD_SET_LEDS || kbd_command == KBD_SCAN_SET || kbd_command == KBD_TYPEMATIC;
}

/* dev_i8042.h's invariants, whatever the guest wrote. */
static int i8042_is_sound(const struct mhv_i8042 *kbc)
{
    return kbc->kbd_count <= MHV_I8042_KBD_QUEUE && kbc->kbd_head < MHV_I8042_KBD_QUEUE &&
           (kbc->pending == 0 || takes_a_byte(kbc->pending)) &&
           (kbc->kbd_expect == 0 || expects_a_parameter(kbc->kbd_expect)) &&
           (kbc->output_port & MHV_I8042_OUT_RESET) && kbc->out_source <= MHV_I8042_FROM_AUX &&
           kbc->kbd_set >= 1 && kbc->kbd_set <= 3;
}

static uint8_t command_byte(const struct mhv_i8042 *kbc)
{
    return kbc->ram[0];
}

static void update_irq(struct mhv_i8042 *kbc)
{
    mhv_irq_set(&kbc->irq, kbc->out_full && kbc->out_source != MHV_I8042_FROM_AUX &&
                           (command_byte(kbc) & MHV_I8042_CTR_KBD_IRQ));
}

/* The keyboard's next byte into an empty output buffer, if it may send. */
static void refill(struct mhv_i8042 *kbc)
{
    if (kbc->out_full || kbc->kbd_count == 0 || (command_byte(kbc) & MHV_I8042_CTR_KBD_OFF))
        return;
    kbc->out = kbc->kbd_queue[kbc->kbd_head];
    kbc->out_full = 1;
    kbc->out_source = MHV_I8042_FROM_KEYBOARD;
    kbc->kbd_head = (uint8_t)((kbc->kbd_head + 1) % MHV_I8042_KBD_QUEUE);
    kbc->kbd_count--;
}

/* What every entry point ends with. */
static void settle(struct mhv_i8042 *kbc)
{
    refill(kbc);
    update_irq(kbc);
    MHV_ASSERT(i8042_is_sound(kbc));
}

/* Set 2 to set 1, for the codes this keyboard sends: the identify's second
 * byte (0x83, F7 in set 2) and the scan code set numbers (0x01 F9, 0x02
 * F7's other code, 0x03 F5); its ACK, resend, echo and self-test bytes are
 * the same in both sets. */
static uint8_t translate(uint8_t code)
{
    switch (code) {
    case 0x01: return 0x43;
    case 0x02: return 0x41;
    case 0x03: return 0x3F;
    case KBD_ID_SECOND: return 0x41;
    default: return code;
    }
}

/* The keyboard sends a byte: queued, translated if the controller says so
 * (the newest is lost when the queue is full). */
static void kbd_send(struct mhv_i8042 *kbc, uint8_t code)
{
    kbc->kbd_last = code;
    if (kbc->kbd_count == MHV_I8042_KBD_QUEUE)
        return;
    uint8_t byte = (command_byte(kbc) & MHV_I8042_CTR_XLATE) ? translate(code) : code;
    kbc->kbd_queue[(kbc->kbd_head + kbc->kbd_count) % MHV_I8042_KBD_QUEUE] = byte;
    kbc->kbd_count++;
}

/* A byte the controller puts in the output buffer; a keyboard byte still
 * there goes back to the head of the keyboard's queue. */
static void controller_output(struct mhv_i8042 *kbc, uint8_t byte, enum mhv_i8042_source source)
{
    if (kbc->out_full && kbc->out_source == MHV_I8042_FROM_KEYBOARD && kbc->kbd_count < MHV_I8042_KBD_QUEUE) {
        kbc->kbd_head = (uint8_t)((kbc->kbd_head + MHV_I8042_KBD_QUEUE - 1) % MHV_I8042_KBD_QUEUE);
        kbc->kbd_queue[kbc->kbd_head] = kbc->out;
        kbc->kbd_count++;
    }
    kbc->out = byte;
    kbc->out_full = 1;
    kbc->out_source = (uint8_t)source;
}

static void reply(struct mhv_i8042 *kbc, uint8_t byte)
{
    controller_output(kbc, byte, MHV_I8042_FROM_CONTROLLER);
}

/* The output port as 0xD0 reads it: bits 4 and 5 say what the buffer holds. */
static uint8_t output_port_now(const struct mhv_i8042 *kbc)
{
    uint8_t port = kbc->output_port & (uint8_t)~(MHV_I8042_OUT_KBD_FULL | MHV_I8042_OUT_AUX_FULL);
    if (kbc->out_full)
        port |= kbc->out_source == MHV_I8042_FROM_AUX ? MHV_I8042_OUT_AUX_FULL : MHV_I8042_OUT_KBD_FULL;
    return port;
}

/* An interface's "off" bit in the command byte (0xA7/0xA8, 0xAD/0xAE). */
static void set_interface_off(struct mhv_i8042 *kbc, uint8_t bit, int off)
{
    kbc->ram[0] = off ? kbc->ram[0] | bit : kbc->ram[0] & (uint8_t)~bit;
}

static enum mhv_bus_result reset_pulse(struct mhv_i8042 *kbc)
{
    kbc->resets++;
    return MHV_BUS_RESET;
}

/* ===== the keyboard ============================================================= */

/* A parameter byte for the command that waits for one. */
static void keyboard_parameter(struct mhv_i8042 *kbc, uint8_t command, uint8_t byte)
{
    switch (command) {
    case KBD_SET_LEDS:
        kbc->kbd_leds = byte & 0x07;
        kbd_send(kbc, KBD_ACK);
        break;
    case KBD_TYPEMATIC:
        kbc->kbd_typematic = byte & 0x7F;
        kbd_send(kbc, KBD_ACK);
        break;
    default: /* KBD_SCAN_SET */
        if (byte > 3) {
            kbd_send(kbc, KBD_RESEND);
            break;
        }
        kbd_send(kbc, KBD_ACK);
        if (byte == 0)
            kbd_send(kbc, kbc->kbd_set);
        else
            kbc->kbd_set = byte;
        break;
    }
}

/* A byte that reaches the keyboard. */
static void keyboard_receive(struct mhv_i8042 *kbc, uint8_t byte)
{
    if (kbc->kbd_expect) {
        uint8_t command = kbc->kbd_expect;
        kbc->kbd_expect = 0;
        keyboard_parameter(kbc, command, byte);
        return;
    }
    switch (byte) {
    case KBD_SET_LEDS:
    case KBD_SCAN_SET:
    case KBD_TYPEMATIC:
        kbd_send(kbc, KBD_ACK);
        kbc->kbd_expect = byte;
        break;
    case KBD_ECHO:
        kbd_send(kbc, KBD_ECHO);
        break;
    case KBD_IDENTIFY:
        kbd_send(kbc, KBD_ACK);
        kbd_send(kbc, KBD_ID_FIRST);
        kbd_send(kbc, KBD_ID_SECOND);
        break;
    case KBD_ENABLE:
        kbc->kbd_scanning = 1;
        kbd_send(kbc, KBD_ACK);
        break;
    case KBD_DISABLE:
        kbc->kbd_scanning = 0;
        keyboard_defaults(kbc);
        kbd_send(kbc, KBD_ACK);
        break;
    case KBD_DEFAULTS:
        keyboard_defaults(kbc);
        kbd_send(kbc, KBD_ACK);
        break;
    case KBD_RESEND:
        kbd_send(kbc, kbc->kbd_last);
        break;
    case KBD_RESET:
        keyboard_reset(kbc);
        kbd_send(kbc, KBD_ACK);
        kbd_send(kbc, KBD_SELF_TEST_PASSED);
        break;
    default:
        kbd_send(kbc, byte > KBD_TYPEMATIC && byte <= KBD_SET3_LAST ? KBD_ACK : KBD_RESEND);
        break;
    }
}

/* ===== the ports ================================================================ */

static void data_read(void *device, uint64_t offset, unsigned size, uint64_t *value)
{
    struct mhv_i8042 *kbc = device;
    MHV_ASSERT(offset == 0 && i8042_is_sound(kbc));
    *value = kbc->out;  /* empty: the last byte again */
    if (kbc->out_full) {
        kbc->out_full = 0;
        update_irq(kbc);  /* the line falls, so that the next byte is a new edge */
    }
    settle(kbc);
}

static enum mhv_bus_result data_write(void *device, uint64_t offset, unsigned size, uint64_t value)
{
    struct mhv_i8042 *kbc = device;
    uint8_t byte = (uint8_t)value, command = kbc->pending;
    enum mhv_bus_result result = MHV_BUS_OK;
    MHV_ASSERT(offset == 0 && i8042_is_sound(kbc));
    kbc->last_was_command = 0;
    kbc->pending = 0;
    if (is_ram_write(command)) {
        kbc->ram[command - CMD_WRITE_RAM] = byte;
    } else if (command == CMD_WRITE_OUTPUT_PORT) {
        kbc->output_port = byte | MHV_I8042_OUT_RESET;  /* a pulse: the line is high again */
        if (!(byte & MHV_I8042_OUT_RESET))
            result = reset_pulse(kbc);
    } else if (command == CMD_WRITE_KBD_BUFFER) {
        reply(kbc, byte);
    } else if (command == CMD_WRITE_AUX_BUFFER) {
        controller_output(kbc, byte, MHV_I8042_FROM_AUX);
    } else if (command != CMD_WRITE_AUX_DEVICE) {   /* no aux device: a byte for it is lost */
        set_interface_off(kbc, MHV_I8042_CTR_KBD_OFF, 0);  /* sending turns the interface on */
        keyboard_receive(kbc, byte);
    }
    settle(kbc);
    return result;
}

static void command_read(void *device, uint64_t offset, unsigned size, uint64_t *value)
{
    struct mhv_i8042 *kbc = device;
    MHV_ASSERT(offset == 0 && i8042_is_sound(kbc));
    uint8_t status = MHV_I8042_STATUS_UNLOCKED | (command_byte(kbc) & MHV_I8042_CTR_SYS);
    if (kbc->last_was_command)
        status |= MHV_I8042_STATUS_COMMAND;
    if (kbc->out_full)
        status |= MHV_I8042_STATUS_OBF | (kbc->out_source == MHV_I8042_FROM_AUX ? MHV_I8042_STATUS_AUX : 0);
    *value = status;
}

static enum mhv_bus_result controller_command(struct mhv_i8042 *kbc, uint8_t command)
{
    if (takes_a_byte(command)) {
        kbc->pending = command;
        return MHV_BUS_OK;
    }
    if (is_ram_read(command)) {
        reply(kbc, kbc->ram[command - CMD_READ_RAM]);
        return MHV_BUS_OK;
    }
    if (command >= CMD_PULSE)
        return command & MHV_I8042_OUT_RESET ? MHV_BUS_OK : reset_pulse(kbc);
    switch (command) {
    case CMD_AUX_OFF:
    case CMD_AUX_ON:
        set_interface_off(kbc, MHV_I8042_CTR_AUX_OFF, command == CMD_AUX_OFF);
        break;
    case CMD_KBD_OFF:
    case CMD_KBD_ON:
        set_interface_off(kbc, MHV_I8042_CTR_KBD_OFF, command == CMD_KBD_OFF);
        break;
    case CMD_AUX_TEST:
    case CMD_KBD_TEST:
        reply(kbc, INTERFACE_OK);
        break;
    case CMD_SELF_TEST:
        kbc->ram[0] |= MHV_I8042_CTR_SYS;
        reply(kbc, SELF_TEST_PASSED);
        break;
    case CMD_READ_OUTPUT_PORT:
        reply(kbc, output_port_now(kbc));
        break;
    default:
        break;  /* not modelled: no reply */
    }
    return MHV_BUS_OK;
}

static enum mhv_bus_result command_write(void *device, uint64_t offset, unsigned size, uint64_t value)
{
    struct mhv_i8042 *kbc = device;
    MHV_ASSERT(offset == 0 && i8042_is_sound(kbc));
    kbc->last_was_command = 1;
    kbc->pending = 0;  /* a new command cancels a byte still expected */
    enum mhv_bus_result result = controller_command(kbc, (uint8_t)value);
    settle(kbc);
    return result;
}

const struct mhv_bus_device_ops mhv_i8042_data_ops = { .read = data_read, .write = data_write };
const struct mhv_bus_device_ops mhv_i8042_command_ops = { .read = command_read, .write = command_write };
