/*
 * test_mhv_devices.c -- the device models of libmhv, driven the way the
 * run loop drives them: through their bus ops (offset into the device's
 * range, as mhv_bus_read/mhv_bus_write pass it), with fake host parts in
 * place of the real ones.
 *
 *   pic      the 8259A: power-on state, the ICW1..ICW4 sequence in all its
 *            shapes, OCW1 masking, edge triggering, fixed priority with
 *            nesting, non-specific, specific and automatic EOI, OCW3
 *            selecting IRR or ISR for port 0x20.
 *   pit      the 8254 channel 0 on a fake clock: programming, the period,
 *            ticks at and after the deadline (seen on a fake IRQ line that
 *            counts edges, and on a real PIC), lost ticks, one shot, the
 *            clamp, the count read back (live and latched), what a new
 *            control word and the other channels do.
 *   uart     the 16550: output, LSR, the receive FIFO and the input
 *            callback, DLAB, IER/IIR with both interrupt sources and the
 *            IRQ line's level (gated by MCR.OUT2), FCR, SCR.
 *   ports    the debug console (0xE9) and the exit port (0xF4).
 *   info     the MMIO info device: ID, version, HOST_NS on a fake clock,
 *            EXITS through its pointer, SCRATCH with partial writes,
 *            accesses of any size at any offset.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "bus.h"
#include "dev_console.h"
#include "dev_exit.h"
#include "dev_info.h"
#include "dev_pic.h"
#include "dev_pit.h"
#include "dev_uart.h"
#include "irq.h"
#include "memlayout.h"

/* ===== fake host parts ======================================================== */

/* An interrupt line that remembers what the device did with it. */
#define LINE_HISTORY 64

struct fake_line {
    int level;
    int rises, falls;        /* 0 -> 1 and 1 -> 0 transitions */
    int calls;               /* set_level calls, changing the level or not */
    unsigned last_irq;
    int history[LINE_HISTORY];  /* the level of each call, first LINE_HISTORY */
};

static void fake_set_level(void *controller, unsigned irq, int level)
{
    struct fake_line *line = controller;
    level = level != 0;
    if (level && !line->level)
        line->rises++;
    if (!level && line->level)
        line->falls++;
    if (line->calls < LINE_HISTORY)
        line->history[line->calls] = level;
    line->calls++;
    line->level = level;
    line->last_irq = irq;
}

static struct mhv_irq_line fake_irq(struct fake_line *line, unsigned irq)
{
    return (struct mhv_irq_line){ .set_level = fake_set_level, .controller = line, .irq = irq };
}

/* A host clock that moves only when a test says so. */
static uint64_t fake_now(void *clock)
{
    return *(const uint64_t *)clock;
}

/* Port and MMIO accesses through a device's ops. */
static void out8(const struct mhv_bus_device_ops *ops, void *device, uint64_t offset, uint8_t value)
{
    ck_assert_int_eq(ops->write(device, offset, 1, value), MHV_BUS_OK);
}

static uint8_t in8(const struct mhv_bus_device_ops *ops, void *device, uint64_t offset)
{
    uint64_t value = 0xAAAAAAAAAAAAAAAAull;
    ops->read(device, offset, 1, &value);
    ck_assert_uint_le(value, 0xFF);
    return (uint8_t)value;
}

/* ===== PIC ===================================================================== */

#define PIC_CMD 0    /* 0x20: ICW1, OCW2, OCW3; reads IRR or ISR */
#define PIC_DATA 1   /* 0x21: ICW2..4, OCW1; reads IMR */

static void pic_out(struct mhv_pic *pic, uint64_t port, uint8_t value) { out8(&mhv_pic_ops, pic, port, value); }
static uint8_t pic_in(struct mhv_pic *pic, uint64_t port) { return in8(&mhv_pic_ops, pic, port); }

static uint8_t pic_read_irr(struct mhv_pic *pic)
{
    pic_out(pic, PIC_CMD, 0x0A);
    return pic_in(pic, PIC_CMD);
}

static uint8_t pic_read_isr(struct mhv_pic *pic)
{
    pic_out(pic, PIC_CMD, 0x0B);
    return pic_in(pic, PIC_CMD);
}

/* What a PC's OS does: ICW1 edge + cascade + ICW4, ICW2 base, ICW3,
 * ICW4 8086 mode, then unmask everything. */
static void pic_setup(struct mhv_pic *pic, uint8_t base)
{
    mhv_pic_init(pic);
    pic_out(pic, PIC_CMD, 0x11);
    pic_out(pic, PIC_DATA, base);
    pic_out(pic, PIC_DATA, 0x04);
    pic_out(pic, PIC_DATA, 0x01);
    pic_out(pic, PIC_DATA, 0x00);
}

static void raise_edge(struct mhv_pic *pic, unsigned irq)
{
    mhv_pic_set_level(pic, irq, 0);
    mhv_pic_set_level(pic, irq, 1);
}

START_TEST(test_pic_power_on)
{
    struct mhv_pic pic;
    memset(&pic, 0x5A, sizeof pic);
    mhv_pic_init(&pic);
    ck_assert_uint_eq(pic.imr, 0xFF);
    ck_assert_uint_eq(pic.irr, 0);
    ck_assert_uint_eq(pic.isr, 0);
    ck_assert_uint_eq(pic.vector_base, 0x08);
    ck_assert_uint_eq(pic.init_step, 0);
    ck_assert_uint_eq(pic_in(&pic, PIC_DATA), 0xFF);
    ck_assert_uint_eq(pic_in(&pic, PIC_CMD), 0);   /* IRR */
    /* Every line masked: requests are latched but not delivered. */
    for (unsigned irq = 0; irq < 8; irq++)
        mhv_pic_set_level(&pic, irq, 1);
    ck_assert_uint_eq(pic.irr, 0xFF);
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), -1);
    ck_assert_int_eq(mhv_pic_acknowledge(&pic), -1);
    ck_assert_uint_eq(pic.irr, 0xFF);
    /* Unmasking (OCW1) with the BIOS's base delivers IRQ 0 as vector 8. */
    pic_out(&pic, PIC_DATA, 0xFE);
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), 0x08);
}
END_TEST

START_TEST(test_pic_init_cascade_with_icw4)
{
    struct mhv_pic pic;
    mhv_pic_init(&pic);
    pic_out(&pic, PIC_CMD, 0x11);                 /* ICW1: edge, cascade, ICW4 */
    ck_assert_uint_eq(pic.init_step, 2);
    ck_assert_uint_eq(pic.imr, 0);                /* ICW1 clears the mask */
    pic_out(&pic, PIC_DATA, 0x20);                /* ICW2 */
    ck_assert_uint_eq(pic.init_step, 3);
    pic_out(&pic, PIC_DATA, 0x04);                /* ICW3: slave on IR2 (ignored) */
    ck_assert_uint_eq(pic.init_step, 4);
    pic_out(&pic, PIC_DATA, 0x01);                /* ICW4: 8086, normal EOI */
    ck_assert_uint_eq(pic.init_step, 0);
    ck_assert_uint_eq(pic.auto_eoi, 0);
    ck_assert_uint_eq(pic.vector_base, 0x20);
    ck_assert_uint_eq(pic.imr, 0);                /* none of the ICWs was a mask */
    pic_out(&pic, PIC_DATA, 0xFE);                /* OCW1: only IRQ 0 */
    ck_assert_uint_eq(pic.imr, 0xFE);
    ck_assert_uint_eq(pic_in(&pic, PIC_DATA), 0xFE);
    ck_assert_uint_eq(pic.vector_base, 0x20);

    raise_edge(&pic, 0);
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), 0x20);
    raise_edge(&pic, 2);                          /* masked */
    ck_assert_int_eq(mhv_pic_acknowledge(&pic), 0x20);
    pic_out(&pic, PIC_CMD, 0x20);
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), -1);
}
END_TEST

START_TEST(test_pic_init_single_skips_icw3)
{
    struct mhv_pic pic;
    mhv_pic_init(&pic);
    pic_out(&pic, PIC_CMD, 0x13);                 /* single, ICW4 */
    pic_out(&pic, PIC_DATA, 0x40);                /* ICW2 */
    ck_assert_uint_eq(pic.init_step, 4);          /* no ICW3 */
    pic_out(&pic, PIC_DATA, 0x03);                /* ICW4: auto-EOI */
    ck_assert_uint_eq(pic.init_step, 0);
    ck_assert_uint_eq(pic.auto_eoi, 1);
    pic_out(&pic, PIC_DATA, 0xEF);                /* the mask */
    ck_assert_uint_eq(pic_in(&pic, PIC_DATA), 0xEF);
    raise_edge(&pic, 4);
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), 0x44);
}
END_TEST

START_TEST(test_pic_init_without_icw4)
{
    struct mhv_pic pic;
    /* Single, no ICW4: ICW2 ends the sequence. */
    mhv_pic_init(&pic);
    pic_out(&pic, PIC_CMD, 0x12);
    pic_out(&pic, PIC_DATA, 0x30);
    ck_assert_uint_eq(pic.init_step, 0);
    ck_assert_uint_eq(pic.auto_eoi, 0);
    pic_out(&pic, PIC_DATA, 0x7F);
    ck_assert_uint_eq(pic_in(&pic, PIC_DATA), 0x7F);
    ck_assert_uint_eq(pic.vector_base, 0x30);

    /* Cascade, no ICW4: ICW3 ends it. */
    mhv_pic_init(&pic);
    pic_out(&pic, PIC_CMD, 0x10);
    pic_out(&pic, PIC_DATA, 0x50);
    ck_assert_uint_eq(pic.init_step, 3);
    pic_out(&pic, PIC_DATA, 0x04);
    ck_assert_uint_eq(pic.init_step, 0);
    pic_out(&pic, PIC_DATA, 0x3C);
    ck_assert_uint_eq(pic_in(&pic, PIC_DATA), 0x3C);
    ck_assert_uint_eq(pic.vector_base, 0x50);
    ck_assert_uint_eq(pic.auto_eoi, 0);
}
END_TEST

START_TEST(test_pic_vector_base_low_bits_ignored)
{
    struct mhv_pic pic;
    pic_setup(&pic, 0x27);
    ck_assert_uint_eq(pic.vector_base, 0x20);
    raise_edge(&pic, 7);
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), 0x27);
}
END_TEST

START_TEST(test_pic_reinit_clears_state)
{
    struct mhv_pic pic;
    pic_setup(&pic, 0x20);
    raise_edge(&pic, 1);
    raise_edge(&pic, 3);
    ck_assert_int_eq(mhv_pic_acknowledge(&pic), 0x21);
    pic_out(&pic, PIC_CMD, 0x0B);                 /* read ISR */
    ck_assert_uint_eq(pic.irr, 0x08);
    ck_assert_uint_eq(pic.isr, 0x02);
    pic_out(&pic, PIC_CMD, 0x13);
    pic_out(&pic, PIC_DATA, 0x68);
    pic_out(&pic, PIC_DATA, 0x01);
    ck_assert_uint_eq(pic.irr, 0);
    ck_assert_uint_eq(pic.isr, 0);
    ck_assert_uint_eq(pic.imr, 0);
    ck_assert_uint_eq(pic.read_isr, 0);
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), -1);
    /* Lines still high from before need a new edge. */
    mhv_pic_set_level(&pic, 3, 1);
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), -1);
    raise_edge(&pic, 3);
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), 0x6B);
}
END_TEST

START_TEST(test_pic_mask)
{
    struct mhv_pic pic;
    pic_setup(&pic, 0x20);
    pic_out(&pic, PIC_DATA, 0x01);                /* IRQ 0 masked */
    raise_edge(&pic, 0);
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), -1);
    raise_edge(&pic, 4);
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), 0x24);   /* the unmasked one */
    ck_assert_int_eq(mhv_pic_acknowledge(&pic), 0x24);
    pic_out(&pic, PIC_CMD, 0x20);
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), -1);
    ck_assert_uint_eq(pic_read_irr(&pic), 0x01);  /* IRQ 0 still requested */
    pic_out(&pic, PIC_DATA, 0x00);                /* unmasked: it arrives */
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), 0x20);
    ck_assert_int_eq(mhv_pic_acknowledge(&pic), 0x20);
}
END_TEST

START_TEST(test_pic_edge_triggered)
{
    struct mhv_pic pic;
    pic_setup(&pic, 0x20);
    mhv_pic_set_level(&pic, 4, 1);
    ck_assert_int_eq(mhv_pic_acknowledge(&pic), 0x24);
    pic_out(&pic, PIC_CMD, 0x20);
    /* Held high: no second request, however often it is said. */
    mhv_pic_set_level(&pic, 4, 1);
    mhv_pic_set_level(&pic, 4, 1);
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), -1);
    ck_assert_uint_eq(pic_read_irr(&pic), 0);
    /* Low, then high again: a new request. */
    mhv_pic_set_level(&pic, 4, 0);
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), -1);
    mhv_pic_set_level(&pic, 4, 1);
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), 0x24);
    /* Two edges before it is taken are one request. */
    raise_edge(&pic, 4);
    ck_assert_int_eq(mhv_pic_acknowledge(&pic), 0x24);
    pic_out(&pic, PIC_CMD, 0x20);
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), -1);
    /* Dropping the line after the edge keeps the request (edge mode). */
    raise_edge(&pic, 6);
    mhv_pic_set_level(&pic, 6, 0);
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), 0x26);
    /* irq numbers wrap at 8 lines. */
    mhv_pic_set_level(&pic, 9, 0);
    mhv_pic_set_level(&pic, 9, 1);
    ck_assert_uint_eq(pic_read_irr(&pic), 0x42);
}
END_TEST

START_TEST(test_pic_priority)
{
    struct mhv_pic pic;
    pic_setup(&pic, 0x20);
    raise_edge(&pic, 4);
    raise_edge(&pic, 0);
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), 0x20);   /* IRQ 0 before 4 */
    ck_assert_int_eq(mhv_pic_acknowledge(&pic), 0x20);
    ck_assert_uint_eq(pic_read_isr(&pic), 0x01);
    ck_assert_uint_eq(pic_read_irr(&pic), 0x10);
    /* 4 waits while 0 is in service. */
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), -1);
    ck_assert_int_eq(mhv_pic_acknowledge(&pic), -1);
    pic_out(&pic, PIC_CMD, 0x20);                 /* EOI */
    ck_assert_uint_eq(pic_read_isr(&pic), 0);
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), 0x24);
    ck_assert_int_eq(mhv_pic_acknowledge(&pic), 0x24);
    ck_assert_uint_eq(pic_read_irr(&pic), 0);
    ck_assert_uint_eq(pic_read_isr(&pic), 0x10);
}
END_TEST

START_TEST(test_pic_nesting)
{
    struct mhv_pic pic;
    pic_setup(&pic, 0x20);
    raise_edge(&pic, 4);
    ck_assert_int_eq(mhv_pic_acknowledge(&pic), 0x24);
    /* A higher-priority request interrupts the one in service... */
    raise_edge(&pic, 1);
    ck_assert_int_eq(mhv_pic_acknowledge(&pic), 0x21);
    ck_assert_uint_eq(pic_read_isr(&pic), 0x12);
    /* ... a lower or equal one does not. */
    raise_edge(&pic, 5);
    raise_edge(&pic, 4);
    raise_edge(&pic, 1);
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), -1);
    /* Non-specific EOI ends the highest in service (1): then 1 again. */
    pic_out(&pic, PIC_CMD, 0x20);
    ck_assert_uint_eq(pic_read_isr(&pic), 0x10);
    ck_assert_int_eq(mhv_pic_acknowledge(&pic), 0x21);
    pic_out(&pic, PIC_CMD, 0x20);
    ck_assert_uint_eq(pic_read_isr(&pic), 0x10);
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), -1);  /* 4 and 5 wait behind 4 */
    pic_out(&pic, PIC_CMD, 0x20);
    ck_assert_int_eq(mhv_pic_acknowledge(&pic), 0x24);
    pic_out(&pic, PIC_CMD, 0x20);
    ck_assert_int_eq(mhv_pic_acknowledge(&pic), 0x25);
    pic_out(&pic, PIC_CMD, 0x20);
    ck_assert_uint_eq(pic_read_isr(&pic), 0);
    ck_assert_uint_eq(pic_read_irr(&pic), 0);
    /* An EOI with nothing in service is harmless. */
    pic_out(&pic, PIC_CMD, 0x20);
    ck_assert_uint_eq(pic_read_isr(&pic), 0);
}
END_TEST

START_TEST(test_pic_specific_eoi)
{
    struct mhv_pic pic;
    pic_setup(&pic, 0x20);
    raise_edge(&pic, 4);
    ck_assert_int_eq(mhv_pic_acknowledge(&pic), 0x24);
    raise_edge(&pic, 0);
    ck_assert_int_eq(mhv_pic_acknowledge(&pic), 0x20);
    ck_assert_uint_eq(pic_read_isr(&pic), 0x11);
    pic_out(&pic, PIC_CMD, 0x64);                 /* specific EOI for 4 */
    ck_assert_uint_eq(pic_read_isr(&pic), 0x01);  /* 0 untouched */
    pic_out(&pic, PIC_CMD, 0x63);                 /* for 3, not in service */
    ck_assert_uint_eq(pic_read_isr(&pic), 0x01);
    pic_out(&pic, PIC_CMD, 0x60);
    ck_assert_uint_eq(pic_read_isr(&pic), 0);
    /* OCW2 without the EOI bit (set priority, not modelled) ends nothing. */
    raise_edge(&pic, 2);
    ck_assert_int_eq(mhv_pic_acknowledge(&pic), 0x22);
    pic_out(&pic, PIC_CMD, 0xC2);
    ck_assert_uint_eq(pic_read_isr(&pic), 0x04);
}
END_TEST

START_TEST(test_pic_auto_eoi)
{
    struct mhv_pic pic;
    mhv_pic_init(&pic);
    pic_out(&pic, PIC_CMD, 0x11);
    pic_out(&pic, PIC_DATA, 0x20);
    pic_out(&pic, PIC_DATA, 0x04);
    pic_out(&pic, PIC_DATA, 0x03);                /* ICW4: 8086, auto-EOI */
    ck_assert_uint_eq(pic.auto_eoi, 1);
    pic_out(&pic, PIC_DATA, 0x00);
    raise_edge(&pic, 0);
    raise_edge(&pic, 4);
    ck_assert_int_eq(mhv_pic_acknowledge(&pic), 0x20);
    ck_assert_uint_eq(pic_read_isr(&pic), 0);     /* never in service */
    /* No EOI needed: the lower one comes next, and 0 again after it. */
    ck_assert_int_eq(mhv_pic_acknowledge(&pic), 0x24);
    raise_edge(&pic, 0);
    ck_assert_int_eq(mhv_pic_acknowledge(&pic), 0x20);
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), -1);
    /* A new ICW1 turns auto-EOI off unless ICW4 says it again. */
    pic_out(&pic, PIC_CMD, 0x13);
    pic_out(&pic, PIC_DATA, 0x20);
    pic_out(&pic, PIC_DATA, 0x01);
    ck_assert_uint_eq(pic.auto_eoi, 0);
}
END_TEST

START_TEST(test_pic_ocw3_read_irr_or_isr)
{
    struct mhv_pic pic;
    pic_setup(&pic, 0x20);
    raise_edge(&pic, 3);
    raise_edge(&pic, 5);
    ck_assert_int_eq(mhv_pic_acknowledge(&pic), 0x23);
    /* After init port 0 reads the IRR. */
    ck_assert_uint_eq(pic_in(&pic, PIC_CMD), 0x20);
    pic_out(&pic, PIC_CMD, 0x0B);
    ck_assert_uint_eq(pic_in(&pic, PIC_CMD), 0x08);
    ck_assert_uint_eq(pic_in(&pic, PIC_CMD), 0x08);   /* stays selected */
    /* OCW3 without RR leaves the selection alone. */
    pic_out(&pic, PIC_CMD, 0x08);
    ck_assert_uint_eq(pic_in(&pic, PIC_CMD), 0x08);
    pic_out(&pic, PIC_CMD, 0x09);
    ck_assert_uint_eq(pic_in(&pic, PIC_CMD), 0x08);
    pic_out(&pic, PIC_CMD, 0x0A);
    ck_assert_uint_eq(pic_in(&pic, PIC_CMD), 0x20);
    /* Port 1 reads the mask whatever OCW3 chose. */
    pic_out(&pic, PIC_DATA, 0x5A);
    ck_assert_uint_eq(pic_in(&pic, PIC_DATA), 0x5A);
    /* An OCW3 is not an EOI, and an EOI is not an OCW3. */
    pic_out(&pic, PIC_CMD, 0x0B);
    pic_out(&pic, PIC_CMD, 0x20);
    ck_assert_uint_eq(pic_in(&pic, PIC_CMD), 0x00);   /* ISR still selected, now empty */
}
END_TEST

START_TEST(test_pic_as_irq_line)
{
    /* Devices reach the PIC through an irq.h line. */
    struct mhv_pic pic;
    pic_setup(&pic, 0x20);
    struct mhv_irq_line line = { .set_level = mhv_pic_set_level, .controller = &pic, .irq = MHV_IRQ_UART };
    mhv_irq_set(&line, 1);
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), 0x20 + MHV_IRQ_UART);
    ck_assert_int_eq(mhv_pic_acknowledge(&pic), 0x24);
    pic_out(&pic, PIC_CMD, 0x20);
    mhv_irq_pulse(&line);   /* still high: a pulse is low, high, low... */
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), -1);
    mhv_irq_pulse(&line);   /* ... now low before it: an edge */
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), 0x24);
    /* A line with no controller goes nowhere. */
    struct mhv_irq_line loose = { .set_level = mhv_pic_set_level, .controller = NULL, .irq = 0 };
    mhv_irq_pulse(&loose);
    ck_assert_uint_eq(pic_read_irr(&pic), 0x10);
}
END_TEST

/* ===== PIT ===================================================================== */

#define PIT_CH0 0
#define PIT_CH1 1
#define PIT_CH2 2
#define PIT_CTRL 3
#define PIT_RELOAD_100HZ 11932u
#define NS_PER_S 1000000000ull

struct pit_rig {
    uint64_t now;           /* the fake clock */
    struct fake_line line;
    struct mhv_pit pit;
};

static void pit_rig_init(struct pit_rig *rig, uint64_t now)
{
    memset(rig, 0, sizeof *rig);
    rig->now = now;
    mhv_pit_init(&rig->pit, fake_irq(&rig->line, MHV_IRQ_TIMER), fake_now, &rig->now);
}

static void pit_out(struct pit_rig *rig, uint64_t port, uint8_t value) { out8(&mhv_pit_ops, &rig->pit, port, value); }
static uint8_t pit_in(struct pit_rig *rig, uint64_t port) { return in8(&mhv_pit_ops, &rig->pit, port); }

/* Channel 0, lobyte/hibyte, mode, reload: armed at rig->now. */
static void pit_program(struct pit_rig *rig, unsigned mode, uint32_t reload)
{
    pit_out(rig, PIT_CTRL, (uint8_t)(0x30 | mode << 1));
    pit_out(rig, PIT_CH0, (uint8_t)reload);
    pit_out(rig, PIT_CH0, (uint8_t)(reload >> 8));
}

/* The count through port 0x40 in the lobyte/hibyte access mode. */
static unsigned pit_read_count(struct pit_rig *rig)
{
    unsigned low = pit_in(rig, PIT_CH0);
    return low | (unsigned)pit_in(rig, PIT_CH0) << 8;
}

static unsigned pit_latched_count(struct pit_rig *rig)
{
    pit_out(rig, PIT_CTRL, 0x00);
    return pit_read_count(rig);
}

static uint64_t period_of(uint32_t reload)
{
    return (uint64_t)reload * NS_PER_S / MHV_PIT_HZ;
}

/* The first host time at which ticks input-clock ticks have passed. */
static uint64_t ns_for_ticks(uint64_t ticks)
{
    return (ticks * NS_PER_S + MHV_PIT_HZ - 1) / MHV_PIT_HZ;
}

/* Moves the clock and lets the PIT look at it, as the run loop does. */
static void pit_advance_to(struct pit_rig *rig, uint64_t now)
{
    rig->now = now;
    mhv_pit_update(&rig->pit, now);
}

START_TEST(test_pit_power_on)
{
    struct pit_rig rig;
    pit_rig_init(&rig, 5000);
    ck_assert_int_eq(rig.pit.armed, 0);
    ck_assert_uint_eq(mhv_pit_next_deadline(&rig.pit), UINT64_MAX);
    pit_advance_to(&rig, 100 * NS_PER_S);
    ck_assert_int_eq(rig.line.calls, 0);
    ck_assert_uint_eq(rig.pit.ticks, 0);
    ck_assert_uint_eq(rig.pit.reload, 65536);
    ck_assert_uint_eq(pit_read_count(&rig), 0);   /* 65536 reads as 0 */
}
END_TEST

START_TEST(test_pit_mode2_100hz)
{
    struct pit_rig rig;
    pit_rig_init(&rig, 1000);
    pit_out(&rig, PIT_CTRL, 0x34);                /* ch 0, lobyte/hibyte, mode 2 */
    pit_out(&rig, PIT_CH0, PIT_RELOAD_100HZ & 0xFF);
    ck_assert_int_eq(rig.pit.armed, 0);           /* half a count arms nothing */
    ck_assert_uint_eq(mhv_pit_next_deadline(&rig.pit), UINT64_MAX);
    rig.now = 2000;
    pit_out(&rig, PIT_CH0, PIT_RELOAD_100HZ >> 8);
    ck_assert_int_eq(rig.pit.armed, 1);
    ck_assert_uint_eq(rig.pit.mode, 2);
    ck_assert_uint_eq(rig.pit.reload, PIT_RELOAD_100HZ);
    ck_assert_uint_eq(rig.pit.period_ns, period_of(PIT_RELOAD_100HZ));
    ck_assert_uint_eq(rig.pit.period_ns, 10000150);   /* 10 ms: 100 Hz */
    ck_assert_uint_eq(rig.pit.start_ns, 2000);        /* the last byte arms it */
    ck_assert_uint_eq(mhv_pit_next_deadline(&rig.pit), 2000 + 10000150);
    ck_assert_int_eq(rig.line.calls, 0);
}
END_TEST

START_TEST(test_pit_ticks_at_deadline)
{
    struct pit_rig rig;
    pit_rig_init(&rig, 1000);
    pit_program(&rig, 2, PIT_RELOAD_100HZ);
    uint64_t period = period_of(PIT_RELOAD_100HZ), first = 1000 + period;

    pit_advance_to(&rig, first - 1);              /* 1 ns early: nothing */
    ck_assert_int_eq(rig.line.calls, 0);
    ck_assert_uint_eq(rig.pit.ticks, 0);
    ck_assert_uint_eq(mhv_pit_next_deadline(&rig.pit), first);

    pit_advance_to(&rig, first);                  /* at it: one pulse */
    ck_assert_int_eq(rig.line.rises, 1);
    ck_assert_int_eq(rig.line.falls, 1);
    ck_assert_int_eq(rig.line.level, 0);
    ck_assert_uint_eq(rig.line.last_irq, MHV_IRQ_TIMER);
    ck_assert_uint_eq(rig.pit.ticks, 1);
    ck_assert_uint_eq(mhv_pit_next_deadline(&rig.pit), first + period);

    pit_advance_to(&rig, first);                  /* again at the same time: nothing */
    pit_advance_to(&rig, first + period - 1);
    ck_assert_int_eq(rig.line.rises, 1);

    pit_advance_to(&rig, first + period + 5);     /* a little after: one more */
    ck_assert_int_eq(rig.line.rises, 2);
    ck_assert_uint_eq(rig.pit.ticks, 2);
    ck_assert_uint_eq(mhv_pit_next_deadline(&rig.pit), first + 2 * period);  /* no drift */

    /* A hundred periods, looked at every millisecond: a hundred ticks. */
    for (uint64_t t = first + period + 5; t <= first + 101 * period; t += 1000000)
        pit_advance_to(&rig, t);
    pit_advance_to(&rig, first + 101 * period);
    ck_assert_uint_eq(rig.pit.ticks, 102);
    ck_assert_int_eq(rig.line.rises, 102);
}
END_TEST

START_TEST(test_pit_late_ticks_are_lost)
{
    struct pit_rig rig;
    pit_rig_init(&rig, 7);
    pit_program(&rig, 2, PIT_RELOAD_100HZ);
    uint64_t period = period_of(PIT_RELOAD_100HZ);
    uint64_t late = 7 + 5 * period + period / 2;  /* five and a half periods */
    pit_advance_to(&rig, late);
    ck_assert_int_eq(rig.line.rises, 1);          /* one tick, not five */
    ck_assert_uint_eq(rig.pit.ticks, 1);
    uint64_t next = mhv_pit_next_deadline(&rig.pit);
    ck_assert_uint_gt(next, late);
    ck_assert_uint_le(next, late + period);
    ck_assert_uint_eq((next - 7) % period, 0);    /* still on the period's grid */
    ck_assert_uint_eq(next, 7 + 6 * period);

    /* Late by an exact number of periods: the next deadline is one on. */
    pit_advance_to(&rig, 7 + 9 * period);
    ck_assert_uint_eq(rig.pit.ticks, 2);
    ck_assert_uint_eq(mhv_pit_next_deadline(&rig.pit), 7 + 10 * period);
}
END_TEST

START_TEST(test_pit_tick_reaches_pic)
{
    struct mhv_pic pic;
    pic_setup(&pic, 0x20);
    uint64_t now = 0;
    struct mhv_pit pit;
    struct mhv_irq_line line = { .set_level = mhv_pic_set_level, .controller = &pic, .irq = MHV_IRQ_TIMER };
    mhv_pit_init(&pit, line, fake_now, &now);
    out8(&mhv_pit_ops, &pit, PIT_CTRL, 0x34);
    out8(&mhv_pit_ops, &pit, PIT_CH0, PIT_RELOAD_100HZ & 0xFF);
    out8(&mhv_pit_ops, &pit, PIT_CH0, PIT_RELOAD_100HZ >> 8);
    uint64_t period = period_of(PIT_RELOAD_100HZ);

    mhv_pit_update(&pit, period - 1);
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), -1);
    mhv_pit_update(&pit, period);
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), 0x20);
    ck_assert_int_eq(mhv_pic_acknowledge(&pic), 0x20);
    pic_out(&pic, PIC_CMD, 0x20);
    /* Each pulse is an edge: the next period gives the next interrupt. */
    mhv_pit_update(&pit, 2 * period);
    ck_assert_int_eq(mhv_pic_acknowledge(&pic), 0x20);
    /* A tick while the last is in service waits for the EOI. */
    mhv_pit_update(&pit, 3 * period);
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), -1);
    pic_out(&pic, PIC_CMD, 0x20);
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), 0x20);
    ck_assert_uint_eq(pit.ticks, 3);
}
END_TEST

START_TEST(test_pit_mode3_is_periodic_too)
{
    struct pit_rig rig;
    pit_rig_init(&rig, 0);
    pit_program(&rig, 3, 1193);                   /* ~1 kHz square wave */
    uint64_t period = period_of(1193);
    ck_assert_uint_eq(rig.pit.mode, 3);
    for (int i = 1; i <= 4; i++)
        pit_advance_to(&rig, (uint64_t)i * period);
    ck_assert_uint_eq(rig.pit.ticks, 4);
    ck_assert_uint_eq(mhv_pit_next_deadline(&rig.pit), 5 * period);
    /* Modes 6 and 7 are 2 and 3. */
    pit_program(&rig, 6, 1193);
    pit_advance_to(&rig, rig.now + period);
    pit_advance_to(&rig, rig.now + period);
    ck_assert_uint_eq(rig.pit.ticks, 6);
    ck_assert_uint_ne(mhv_pit_next_deadline(&rig.pit), UINT64_MAX);
}
END_TEST

START_TEST(test_pit_mode0_one_shot)
{
    struct pit_rig rig;
    pit_rig_init(&rig, 100);
    pit_program(&rig, 0, 5966);                   /* 5 ms */
    uint64_t period = period_of(5966);
    ck_assert_int_eq(rig.pit.armed, 1);
    ck_assert_uint_eq(mhv_pit_next_deadline(&rig.pit), 100 + period);
    pit_advance_to(&rig, 100 + period);
    ck_assert_int_eq(rig.line.rises, 1);
    ck_assert_uint_eq(rig.pit.ticks, 1);
    ck_assert_int_eq(rig.pit.armed, 0);           /* disarmed: no more ticks */
    ck_assert_uint_eq(mhv_pit_next_deadline(&rig.pit), UINT64_MAX);
    pit_advance_to(&rig, 100 + 10 * period);
    ck_assert_int_eq(rig.line.rises, 1);
    /* A new count fires it once more. */
    pit_out(&rig, PIT_CH0, 5966 & 0xFF);
    pit_out(&rig, PIT_CH0, 5966 >> 8);
    ck_assert_uint_eq(mhv_pit_next_deadline(&rig.pit), rig.now + period);
    pit_advance_to(&rig, rig.now + 3 * period);
    ck_assert_int_eq(rig.line.rises, 2);
    ck_assert_uint_eq(mhv_pit_next_deadline(&rig.pit), UINT64_MAX);
    /* Modes 1, 4 and 5 behave as 0. */
    for (unsigned mode = 1; mode <= 5; mode += (mode == 1 ? 3 : 1)) {
        pit_program(&rig, mode, 5966);
        pit_advance_to(&rig, rig.now + period);
        pit_advance_to(&rig, rig.now + period);
        ck_assert_uint_eq(mhv_pit_next_deadline(&rig.pit), UINT64_MAX);
    }
    ck_assert_int_eq(rig.line.rises, 5);
}
END_TEST

START_TEST(test_pit_mode0_count_after_it_fired)
{
    /* The count stops at 0 when a one shot ends; whether the run loop has
     * already called mhv_pit_update for that moment must not change what
     * the guest reads. */
    struct pit_rig rig;
    pit_rig_init(&rig, 0);
    pit_program(&rig, 0, 1000);
    uint64_t period = period_of(1000);
    rig.now = ns_for_ticks(500);
    ck_assert_uint_eq(pit_read_count(&rig), 1000 - 500);
    rig.now = period + 1000;
    ck_assert_uint_eq(pit_read_count(&rig), 0);   /* before the update */
    mhv_pit_update(&rig.pit, rig.now);
    ck_assert_uint_eq(rig.pit.ticks, 1);
    ck_assert_uint_eq(pit_read_count(&rig), 0);   /* after it */
    ck_assert_uint_eq(pit_latched_count(&rig), 0);
    rig.now += 10 * period;
    ck_assert_uint_eq(pit_read_count(&rig), 0);
    /* A new control word stops the count: it reads the reload again until
     * a new count is written. */
    pit_out(&rig, PIT_CTRL, 0x30);
    ck_assert_uint_eq(pit_read_count(&rig), 1000);
    rig.now += period;
    ck_assert_uint_eq(pit_read_count(&rig), 1000);
}
END_TEST

START_TEST(test_pit_minimum_period)
{
    struct pit_rig rig;
    pit_rig_init(&rig, 0);
    pit_program(&rig, 2, 1);                      /* 1.19 MHz asked */
    ck_assert_uint_eq(rig.pit.period_ns, MHV_PIT_MIN_PERIOD_NS);
    ck_assert_uint_eq(mhv_pit_next_deadline(&rig.pit), MHV_PIT_MIN_PERIOD_NS);
    pit_program(&rig, 2, 119);                    /* 99.7 us: still clamped */
    ck_assert_uint_eq(rig.pit.period_ns, MHV_PIT_MIN_PERIOD_NS);
    pit_program(&rig, 2, 120);                    /* 100.57 us: as asked */
    ck_assert_uint_eq(rig.pit.period_ns, period_of(120));
    ck_assert_uint_gt(rig.pit.period_ns, MHV_PIT_MIN_PERIOD_NS);
    /* Clamped periods tick at the clamped rate. */
    pit_program(&rig, 2, 2);
    for (int i = 1; i <= 10; i++)
        pit_advance_to(&rig, (uint64_t)i * MHV_PIT_MIN_PERIOD_NS);
    ck_assert_uint_eq(rig.pit.ticks, 10);
}
END_TEST

START_TEST(test_pit_reload_zero_is_65536)
{
    struct pit_rig rig;
    pit_rig_init(&rig, 0);
    pit_program(&rig, 2, 0);
    ck_assert_uint_eq(rig.pit.reload, 65536);
    ck_assert_uint_eq(rig.pit.period_ns, period_of(65536));
    ck_assert_uint_eq(rig.pit.period_ns, 54925401);   /* 18.2 Hz, the BIOS tick */
    ck_assert_uint_eq(pit_read_count(&rig), 0);       /* 65536 reads as 0 */
    rig.now = 1000000;                                /* 1 ms: 1193 input ticks */
    ck_assert_uint_eq(pit_read_count(&rig), 65536 - 1193);
    /* In the one-byte access modes too. */
    pit_out(&rig, PIT_CTRL, 0x14);                    /* lobyte only, mode 2 */
    pit_out(&rig, PIT_CH0, 0);
    ck_assert_uint_eq(rig.pit.reload, 65536);
    pit_out(&rig, PIT_CTRL, 0x24);                    /* hibyte only */
    pit_out(&rig, PIT_CH0, 0);
    ck_assert_uint_eq(rig.pit.reload, 65536);
}
END_TEST

START_TEST(test_pit_one_byte_access_modes)
{
    struct pit_rig rig;
    pit_rig_init(&rig, 0);
    pit_out(&rig, PIT_CTRL, 0x14);                /* lobyte, mode 2 */
    ck_assert_uint_eq(rig.pit.access, 1);
    pit_out(&rig, PIT_CH0, 200);                  /* one byte arms it */
    ck_assert_int_eq(rig.pit.armed, 1);
    ck_assert_uint_eq(rig.pit.reload, 200);
    ck_assert_uint_eq(pit_in(&rig, PIT_CH0), 200);
    ck_assert_uint_eq(pit_in(&rig, PIT_CH0), 200); /* every read is the low byte */

    pit_out(&rig, PIT_CTRL, 0x24);                /* hibyte, mode 2 */
    pit_out(&rig, PIT_CH0, 0x2E);
    ck_assert_uint_eq(rig.pit.reload, 0x2E00);
    ck_assert_uint_eq(pit_in(&rig, PIT_CH0), 0x2E);
    rig.now = 1000000;                            /* 0x2E00 - 1193 = 0x2957 */
    ck_assert_uint_eq(pit_in(&rig, PIT_CH0), 0x29);
    ck_assert_uint_eq(pit_in(&rig, PIT_CH0), 0x29);
}
END_TEST

START_TEST(test_pit_count_decreases)
{
    struct pit_rig rig;
    pit_rig_init(&rig, 1000);
    pit_program(&rig, 2, PIT_RELOAD_100HZ);
    ck_assert_uint_eq(pit_read_count(&rig), PIT_RELOAD_100HZ);
    rig.now = 1000 + 1000000;                     /* 1 ms: 1193 input ticks */
    ck_assert_uint_eq(pit_read_count(&rig), PIT_RELOAD_100HZ - 1193);
    unsigned last = PIT_RELOAD_100HZ - 1193;
    for (int i = 0; i < 8; i++) {
        rig.now += 1000000;
        unsigned count = pit_read_count(&rig);
        ck_assert_uint_lt(count, last);
        last = count;
    }
    /* After the period it starts from the reload again (mode 2). */
    rig.now = 1000 + period_of(PIT_RELOAD_100HZ) + 1000000;
    unsigned count = pit_read_count(&rig);
    ck_assert_uint_gt(count, last);
    ck_assert_uint_le(count, PIT_RELOAD_100HZ);
    ck_assert_uint_ge(count, PIT_RELOAD_100HZ - 1194);
}
END_TEST

START_TEST(test_pit_latch)
{
    struct pit_rig rig;
    pit_rig_init(&rig, 0);
    pit_program(&rig, 2, PIT_RELOAD_100HZ);
    rig.now = 1000000;
    pit_out(&rig, PIT_CTRL, 0x00);                /* latch channel 0 */
    unsigned frozen = PIT_RELOAD_100HZ - 1193;
    rig.now = 3000000;
    pit_out(&rig, PIT_CTRL, 0x00);                /* a second latch is ignored */
    ck_assert_uint_eq(pit_in(&rig, PIT_CH0), frozen & 0xFF);  /* low byte first */
    rig.now = 4000000;
    ck_assert_uint_eq(pit_in(&rig, PIT_CH0), frozen >> 8);
    /* Both bytes read: the count is live again. */
    ck_assert_uint_eq(pit_read_count(&rig), PIT_RELOAD_100HZ - 4772);
    /* A latch does not disturb the ticks. */
    ck_assert_uint_eq(mhv_pit_next_deadline(&rig.pit), period_of(PIT_RELOAD_100HZ));

    /* Latched in a one-byte mode: one read releases it. */
    pit_out(&rig, PIT_CTRL, 0x14);
    pit_out(&rig, PIT_CH0, 250);                  /* armed at 4 ms */
    rig.now = 4000000 + 100000;                   /* 119 input ticks */
    pit_out(&rig, PIT_CTRL, 0x00);
    rig.now += 50000;
    ck_assert_uint_eq(pit_in(&rig, PIT_CH0), 250 - 119);
    ck_assert_uint_eq(pit_in(&rig, PIT_CH0), 250 - 178);   /* live: 150 us, 178 ticks */
}
END_TEST

START_TEST(test_pit_control_word_disarms)
{
    struct pit_rig rig;
    pit_rig_init(&rig, 0);
    pit_program(&rig, 2, PIT_RELOAD_100HZ);
    ck_assert_uint_ne(mhv_pit_next_deadline(&rig.pit), UINT64_MAX);
    pit_out(&rig, PIT_CTRL, 0x34);
    ck_assert_int_eq(rig.pit.armed, 0);
    ck_assert_uint_eq(mhv_pit_next_deadline(&rig.pit), UINT64_MAX);
    pit_advance_to(&rig, 10 * period_of(PIT_RELOAD_100HZ));
    ck_assert_int_eq(rig.line.calls, 0);

    /* It also restarts the byte order: a half-written count is forgotten. */
    pit_out(&rig, PIT_CH0, 0x11);
    pit_out(&rig, PIT_CTRL, 0x34);
    pit_out(&rig, PIT_CH0, 0x9C);
    ck_assert_int_eq(rig.pit.armed, 0);
    pit_out(&rig, PIT_CH0, 0x2E);
    ck_assert_uint_eq(rig.pit.reload, 0x2E9C);
    ck_assert_int_eq(rig.pit.armed, 1);
    /* ... and the read order, and drops a latch. */
    pit_out(&rig, PIT_CTRL, 0x00);
    (void)pit_in(&rig, PIT_CH0);                  /* the low byte only */
    pit_out(&rig, PIT_CTRL, 0x34);
    ck_assert_uint_eq(rig.pit.latched, 0);
    ck_assert_uint_eq(pit_in(&rig, PIT_CH0), 0x9C);  /* low byte first again */
}
END_TEST

START_TEST(test_pit_other_channels_ignored)
{
    struct pit_rig rig;
    pit_rig_init(&rig, 0);
    pit_program(&rig, 2, PIT_RELOAD_100HZ);
    struct mhv_pit before;
    memcpy(&before, &rig.pit, sizeof before);     /* padding included, for memcmp */
    pit_out(&rig, PIT_CTRL, 0x74);                /* channel 1, mode 2 */
    pit_out(&rig, PIT_CTRL, 0xB6);                /* channel 2, mode 3 (the speaker) */
    pit_out(&rig, PIT_CTRL, 0xC2);                /* read-back */
    pit_out(&rig, PIT_CTRL, 0x40);                /* latch channel 1 */
    pit_out(&rig, PIT_CH1, 0x12);
    pit_out(&rig, PIT_CH2, 0x34);
    pit_out(&rig, PIT_CH2, 0x56);
    ck_assert(memcmp(&before, &rig.pit, sizeof before) == 0);
    ck_assert_uint_eq(pit_in(&rig, PIT_CH1), 0);
    ck_assert_uint_eq(pit_in(&rig, PIT_CH2), 0);
    ck_assert_uint_eq(pit_in(&rig, PIT_CTRL), 0);
    ck_assert_uint_eq(mhv_pit_next_deadline(&rig.pit), period_of(PIT_RELOAD_100HZ));
}
END_TEST

START_TEST(test_pit_unconnected_line)
{
    uint64_t now = 0;
    struct mhv_pit pit;
    mhv_pit_init(&pit, (struct mhv_irq_line){ 0 }, fake_now, &now);
    out8(&mhv_pit_ops, &pit, PIT_CTRL, 0x34);
    out8(&mhv_pit_ops, &pit, PIT_CH0, 0x9C);
    out8(&mhv_pit_ops, &pit, PIT_CH0, 0x2E);
    mhv_pit_update(&pit, period_of(PIT_RELOAD_100HZ));
    ck_assert_uint_eq(pit.ticks, 1);              /* counted, delivered nowhere */
}
END_TEST

/* ===== UART ==================================================================== */

#define UART_RBR 0
#define UART_THR 0
#define UART_DLL 0
#define UART_IER 1
#define UART_DLM 1
#define UART_IIR 2
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MCR_OUT2 0x08

/* The host side of the UART: bytes out are kept, bytes in come from a
 * queue, each call of the input callback is counted. */
struct uart_rig {
    struct fake_line line;
    struct mhv_uart uart;
    uint8_t out[256];
    size_t out_len;
    const uint8_t *in;
    size_t in_len;
    int input_calls;
    size_t last_input_max;
};

static void rig_output(void *context, uint8_t byte)
{
    struct uart_rig *rig = context;
    ck_assert_uint_lt(rig->out_len, sizeof rig->out);
    rig->out[rig->out_len++] = byte;
}

static size_t rig_input(void *context, uint8_t *buffer, size_t max)
{
    struct uart_rig *rig = context;
    rig->input_calls++;
    rig->last_input_max = max;
    size_t n = rig->in_len < max ? rig->in_len : max;
    if (n == 0)
        return 0;   /* rig->in may be NULL */
    memcpy(buffer, rig->in, n);
    rig->in += n;
    rig->in_len -= n;
    return n;
}

static void uart_rig_init(struct uart_rig *rig, int with_input)
{
    memset(rig, 0, sizeof *rig);
    mhv_uart_init(&rig->uart, fake_irq(&rig->line, MHV_IRQ_UART), rig_output,
                  with_input ? rig_input : NULL, rig);
}

static void uart_out(struct uart_rig *rig, uint64_t port, uint8_t value) { out8(&mhv_uart_ops, &rig->uart, port, value); }
static uint8_t uart_in(struct uart_rig *rig, uint64_t port) { return in8(&mhv_uart_ops, &rig->uart, port); }

static void uart_give(struct uart_rig *rig, const char *text)
{
    mhv_uart_receive(&rig->uart, (const uint8_t *)text, strlen(text));
}

START_TEST(test_uart_output)
{
    struct uart_rig rig;
    uart_rig_init(&rig, 0);
    const char *text = "hi\n\0\xff";
    for (size_t i = 0; i < 5; i++)
        uart_out(&rig, UART_THR, (uint8_t)text[i]);
    ck_assert_uint_eq(rig.out_len, 5);
    ck_assert_mem_eq(rig.out, text, 5);
    ck_assert_uint_eq(rig.uart.bytes_out, 5);
    /* Only the low byte of a wider write. */
    ck_assert_int_eq(mhv_uart_ops.write(&rig.uart, UART_THR, 2, 0x4241), MHV_BUS_OK);
    ck_assert_uint_eq(rig.out[5], 0x41);
    /* THR is always empty, and the line never rose (nothing enabled). */
    ck_assert_uint_eq(uart_in(&rig, UART_LSR), LSR_THRE | LSR_TEMT);
    ck_assert_int_eq(rig.line.rises, 0);
}
END_TEST

START_TEST(test_uart_lsr_and_receive)
{
    struct uart_rig rig;
    uart_rig_init(&rig, 0);
    ck_assert_uint_eq(uart_in(&rig, UART_LSR), LSR_THRE | LSR_TEMT);
    ck_assert_uint_eq(mhv_uart_rx_space(&rig.uart), MHV_UART_RX_FIFO);
    uart_give(&rig, "abc");
    ck_assert_uint_eq(mhv_uart_rx_space(&rig.uart), MHV_UART_RX_FIFO - 3);
    ck_assert_uint_eq(rig.uart.bytes_in, 3);
    ck_assert_uint_eq(uart_in(&rig, UART_LSR), LSR_THRE | LSR_TEMT | LSR_DR);
    ck_assert_uint_eq(uart_in(&rig, UART_RBR), 'a');
    ck_assert_uint_eq(uart_in(&rig, UART_LSR), LSR_THRE | LSR_TEMT | LSR_DR);
    ck_assert_uint_eq(uart_in(&rig, UART_RBR), 'b');
    uart_give(&rig, "de");
    ck_assert_uint_eq(uart_in(&rig, UART_RBR), 'c');
    ck_assert_uint_eq(uart_in(&rig, UART_RBR), 'd');
    ck_assert_uint_eq(uart_in(&rig, UART_RBR), 'e');
    ck_assert_uint_eq(uart_in(&rig, UART_LSR), LSR_THRE | LSR_TEMT);
    ck_assert_uint_eq(uart_in(&rig, UART_RBR), 0);   /* empty, no input: 0 */
    ck_assert_uint_eq(mhv_uart_rx_space(&rig.uart), MHV_UART_RX_FIFO);
    /* MSR: CTS, DSR, DCD. */
    ck_assert_uint_eq(uart_in(&rig, UART_MSR), 0xB0);
}
END_TEST

START_TEST(test_uart_fifo_wraps_and_drops)
{
    struct uart_rig rig;
    uart_rig_init(&rig, 0);
    uint8_t bytes[MHV_UART_RX_FIFO + 10];
    for (size_t i = 0; i < sizeof bytes; i++)
        bytes[i] = (uint8_t)(i + 1);
    /* Move the head so the FIFO wraps around its array. */
    mhv_uart_receive(&rig.uart, bytes, 10);
    for (int i = 0; i < 10; i++)
        ck_assert_uint_eq(uart_in(&rig, UART_RBR), (unsigned)i + 1);
    mhv_uart_receive(&rig.uart, bytes, sizeof bytes);
    ck_assert_uint_eq(rig.uart.rx_count, MHV_UART_RX_FIFO);
    ck_assert_uint_eq(rig.uart.bytes_in, 10 + MHV_UART_RX_FIFO);   /* drops are not counted */
    ck_assert_uint_eq(mhv_uart_rx_space(&rig.uart), 0);
    uart_give(&rig, "more");                      /* full: dropped */
    ck_assert_uint_eq(rig.uart.rx_count, MHV_UART_RX_FIFO);
    for (unsigned i = 0; i < MHV_UART_RX_FIFO; i++)
        ck_assert_uint_eq(uart_in(&rig, UART_RBR), i + 1);
    ck_assert_uint_eq(uart_in(&rig, UART_LSR) & LSR_DR, 0);
}
END_TEST

START_TEST(test_uart_input_callback)
{
    static const uint8_t typed[] = "xyz";
    struct uart_rig rig;
    uart_rig_init(&rig, 1);
    /* Until the guest raises RTS, the host holds its input back: typed
     * bytes stay on the host, whatever the guest reads. */
    rig.in = typed;
    rig.in_len = 3;
    ck_assert_uint_eq(uart_in(&rig, UART_LSR), LSR_THRE | LSR_TEMT);
    ck_assert_uint_eq(uart_in(&rig, UART_RBR), 0);
    ck_assert_int_eq(rig.input_calls, 0);
    ck_assert_uint_eq(mhv_uart_rx_room(&rig.uart), 0);
    uart_out(&rig, UART_MCR, 0x01);  /* DTR alone is not enough */
    ck_assert_uint_eq(uart_in(&rig, UART_LSR), LSR_THRE | LSR_TEMT);
    ck_assert_int_eq(rig.input_calls, 0);
    uart_out(&rig, UART_MCR, 0x03);  /* DTR | RTS: ready */
    ck_assert_uint_eq(mhv_uart_rx_room(&rig.uart), MHV_UART_RX_FIFO);
    rig.in_len = 0;
    /* An empty FIFO with nothing typed: asked on every LSR and RBR read. */
    ck_assert_uint_eq(uart_in(&rig, UART_LSR), LSR_THRE | LSR_TEMT);
    ck_assert_int_eq(rig.input_calls, 1);
    ck_assert_uint_eq(rig.last_input_max, MHV_UART_RX_FIFO);
    ck_assert_uint_eq(uart_in(&rig, UART_RBR), 0);
    ck_assert_int_eq(rig.input_calls, 2);
    /* Other registers never ask. */
    uart_in(&rig, UART_IER);
    uart_in(&rig, UART_IIR);
    uart_in(&rig, UART_LCR);
    uart_in(&rig, UART_MCR);
    uart_in(&rig, UART_MSR);
    uart_in(&rig, UART_SCR);
    ck_assert_int_eq(rig.input_calls, 2);

    /* Typed: an LSR read fetches it all. */
    rig.in = typed;
    rig.in_len = 3;
    ck_assert_uint_eq(uart_in(&rig, UART_LSR), LSR_THRE | LSR_TEMT | LSR_DR);
    ck_assert_int_eq(rig.input_calls, 3);
    /* Bytes in the FIFO: not asked again until it is empty. */
    ck_assert_uint_eq(uart_in(&rig, UART_RBR), 'x');
    ck_assert_uint_eq(uart_in(&rig, UART_LSR), LSR_THRE | LSR_TEMT | LSR_DR);
    ck_assert_uint_eq(uart_in(&rig, UART_RBR), 'y');
    ck_assert_uint_eq(uart_in(&rig, UART_RBR), 'z');
    ck_assert_int_eq(rig.input_calls, 3);
    ck_assert_uint_eq(uart_in(&rig, UART_LSR), LSR_THRE | LSR_TEMT);
    ck_assert_int_eq(rig.input_calls, 4);

    /* An RBR read on an empty FIFO fetches and returns the first byte. */
    rig.in = (const uint8_t *)"pq";
    rig.in_len = 2;
    ck_assert_uint_eq(uart_in(&rig, UART_RBR), 'p');
    ck_assert_int_eq(rig.input_calls, 5);
    ck_assert_uint_eq(uart_in(&rig, UART_RBR), 'q');
    ck_assert_int_eq(rig.input_calls, 5);
    ck_assert_uint_eq(rig.uart.bytes_in, 5);

    /* With DLAB set, offset 0 is DLL: no input is taken. */
    rig.in = (const uint8_t *)"r";
    rig.in_len = 1;
    uart_out(&rig, UART_LCR, 0x83);
    uart_in(&rig, UART_DLL);
    ck_assert_int_eq(rig.input_calls, 5);
}
END_TEST

START_TEST(test_uart_dlab)
{
    struct uart_rig rig;
    uart_rig_init(&rig, 0);
    uart_out(&rig, UART_IER, 0x01);
    uart_out(&rig, UART_LCR, 0x80);               /* DLAB */
    uart_out(&rig, UART_DLL, 0x01);               /* 115200 baud */
    uart_out(&rig, UART_DLM, 0x00);
    ck_assert_uint_eq(rig.out_len, 0);            /* DLL is not THR */
    ck_assert_uint_eq(rig.uart.ier, 0x01);        /* DLM is not IER */
    ck_assert_uint_eq(uart_in(&rig, UART_DLL), 0x01);
    ck_assert_uint_eq(uart_in(&rig, UART_DLM), 0x00);
    uart_out(&rig, UART_DLL, 0x0C);               /* 9600 */
    uart_out(&rig, UART_DLM, 0x34);
    ck_assert_uint_eq(uart_in(&rig, UART_DLL), 0x0C);
    ck_assert_uint_eq(uart_in(&rig, UART_DLM), 0x34);
    ck_assert_uint_eq(uart_in(&rig, UART_LCR), 0x80);
    uart_give(&rig, "k");
    ck_assert_uint_eq(uart_in(&rig, UART_DLL), 0x0C);   /* the FIFO stays */
    ck_assert_uint_eq(rig.uart.rx_count, 1);

    uart_out(&rig, UART_LCR, 0x03);               /* 8N1, DLAB off */
    ck_assert_uint_eq(uart_in(&rig, UART_LCR), 0x03);
    ck_assert_uint_eq(uart_in(&rig, UART_IER), 0x01);
    ck_assert_uint_eq(uart_in(&rig, UART_RBR), 'k');
    uart_out(&rig, UART_THR, '!');
    ck_assert_uint_eq(rig.out_len, 1);
    ck_assert_uint_eq(rig.out[0], '!');
    ck_assert_uint_eq(rig.uart.dll, 0x0C);
    ck_assert_uint_eq(rig.uart.dlm, 0x34);
}
END_TEST

START_TEST(test_uart_iir)
{
    struct uart_rig rig;
    uart_rig_init(&rig, 0);
    ck_assert_uint_eq(uart_in(&rig, UART_IIR), 0x01);   /* nothing pending */
    uart_give(&rig, "a");
    ck_assert_uint_eq(uart_in(&rig, UART_IIR), 0x01);   /* not enabled */
    uart_out(&rig, UART_IER, 0x01);                     /* received data */
    ck_assert_uint_eq(uart_in(&rig, UART_IER), 0x01);
    ck_assert_uint_eq(uart_in(&rig, UART_IIR), 0x04);
    ck_assert_uint_eq(uart_in(&rig, UART_IIR), 0x04);   /* reading IIR keeps it */
    uart_out(&rig, UART_IER, 0x03);                     /* and THR empty */
    ck_assert_uint_eq(uart_in(&rig, UART_IER), 0x03);
    ck_assert_uint_eq(uart_in(&rig, UART_IIR), 0x04);   /* received data first */
    ck_assert_uint_eq(uart_in(&rig, UART_RBR), 'a');
    ck_assert_uint_eq(uart_in(&rig, UART_IIR), 0x02);   /* then THR empty... */
    ck_assert_uint_eq(uart_in(&rig, UART_IIR), 0x01);   /* ... which the read cleared */
    uart_out(&rig, UART_THR, 'x');                      /* writing THR raises it again */
    ck_assert_uint_eq(uart_in(&rig, UART_IIR), 0x02);
    ck_assert_uint_eq(uart_in(&rig, UART_IIR), 0x01);
    /* Enabling THRE when THR is empty raises it; enabling it again does not. */
    uart_out(&rig, UART_IER, 0x01);
    uart_out(&rig, UART_IER, 0x03);
    ck_assert_uint_eq(uart_in(&rig, UART_IIR), 0x02);
    uart_out(&rig, UART_IER, 0x03);
    ck_assert_uint_eq(uart_in(&rig, UART_IIR), 0x01);
    /* IER keeps its low four bits. */
    uart_out(&rig, UART_IER, 0xF0);
    ck_assert_uint_eq(uart_in(&rig, UART_IER), 0x00);
}
END_TEST

START_TEST(test_uart_fifo_control)
{
    struct uart_rig rig;
    uart_rig_init(&rig, 0);
    uart_out(&rig, UART_FCR, 0x07);               /* enable, clear both */
    ck_assert_uint_eq(uart_in(&rig, UART_IIR), 0xC1);   /* FIFOs on, nothing pending */
    uart_out(&rig, UART_IER, 0x01);
    uart_give(&rig, "abc");
    ck_assert_uint_eq(uart_in(&rig, UART_IIR), 0xC4);
    uart_out(&rig, UART_FCR, 0x03);               /* clear rx */
    ck_assert_uint_eq(rig.uart.rx_count, 0);
    ck_assert_uint_eq(uart_in(&rig, UART_LSR) & LSR_DR, 0);
    ck_assert_uint_eq(uart_in(&rig, UART_IIR), 0xC1);
    uart_give(&rig, "de");                        /* the FIFO works after a clear */
    ck_assert_uint_eq(uart_in(&rig, UART_RBR), 'd');
    uart_out(&rig, UART_FCR, 0x01);               /* enable only: keeps the bytes */
    ck_assert_uint_eq(uart_in(&rig, UART_RBR), 'e');
    uart_out(&rig, UART_FCR, 0x00);               /* FIFOs off */
    ck_assert_uint_eq(uart_in(&rig, UART_IIR), 0x01);
    uart_out(&rig, UART_IER, 0x02);
    ck_assert_uint_eq(uart_in(&rig, UART_IIR), 0x02);
}
END_TEST

START_TEST(test_uart_irq_line)
{
    struct uart_rig rig;
    uart_rig_init(&rig, 0);
    uart_out(&rig, UART_IER, 0x01);
    uart_give(&rig, "a");
    ck_assert_int_eq(rig.line.level, 0);          /* OUT2 clear: gated off */
    ck_assert_int_eq(rig.line.rises, 0);
    ck_assert_int_eq(mhv_uart_wants_rx_interrupt(&rig.uart), 0);
    uart_out(&rig, UART_MCR, MCR_OUT2 | 0x03);    /* OUT2, DTR, RTS */
    ck_assert_uint_eq(uart_in(&rig, UART_MCR), 0x0B);
    ck_assert_int_eq(rig.line.level, 1);
    ck_assert_int_eq(rig.line.rises, 1);
    ck_assert_uint_eq(rig.line.last_irq, MHV_IRQ_UART);
    ck_assert_int_eq(mhv_uart_wants_rx_interrupt(&rig.uart), 1);
    uart_give(&rig, "b");
    ck_assert_int_eq(rig.line.level, 1);          /* still high, no new edge */
    ck_assert_int_eq(rig.line.rises, 1);
    uart_in(&rig, UART_RBR);
    ck_assert_int_eq(rig.line.level, 1);          /* one byte left */
    uart_in(&rig, UART_RBR);
    ck_assert_int_eq(rig.line.level, 0);          /* drained */
    ck_assert_int_eq(rig.line.falls, 1);

    /* The THR-empty source: raised by enabling it, lowered by reading IIR. */
    uart_out(&rig, UART_IER, 0x03);
    ck_assert_int_eq(rig.line.level, 1);
    ck_assert_uint_eq(uart_in(&rig, UART_IIR), 0x02);
    ck_assert_int_eq(rig.line.level, 0);
    uart_out(&rig, UART_THR, 'z');
    ck_assert_int_eq(rig.line.level, 1);
    ck_assert_int_eq(rig.line.rises, 3);

    /* Dropping OUT2 lowers it, raising OUT2 brings it back. */
    uart_out(&rig, UART_MCR, 0x03);
    ck_assert_int_eq(rig.line.level, 0);
    uart_out(&rig, UART_MCR, 0x08);
    ck_assert_int_eq(rig.line.level, 1);
    /* Disabling the source lowers it. */
    uart_out(&rig, UART_IER, 0x01);
    ck_assert_int_eq(rig.line.level, 0);
    /* FCR clear-rx lowers a received-data interrupt. */
    uart_give(&rig, "c");
    ck_assert_int_eq(rig.line.level, 1);
    uart_out(&rig, UART_FCR, 0x03);
    ck_assert_int_eq(rig.line.level, 0);

    /* Every call set the line to what IIR says at that moment: the
     * recorded levels hold no 1 while nothing was pending. */
    ck_assert_int_lt(rig.line.calls, LINE_HISTORY);
    ck_assert_int_eq(rig.line.history[0], 0);     /* the first call: IER write, no data, no OUT2 */
}
END_TEST

START_TEST(test_uart_irq_line_reaches_pic)
{
    struct mhv_pic pic;
    pic_setup(&pic, 0x20);
    struct mhv_uart uart;
    struct uart_rig host = { 0 };
    mhv_uart_init(&uart, (struct mhv_irq_line){ mhv_pic_set_level, &pic, MHV_IRQ_UART }, rig_output,
                  NULL, &host);
    out8(&mhv_uart_ops, &uart, UART_IER, 0x01);
    out8(&mhv_uart_ops, &uart, UART_MCR, MCR_OUT2);
    mhv_uart_receive(&uart, (const uint8_t *)"ab", 2);
    ck_assert_int_eq(mhv_pic_acknowledge(&pic), 0x24);
    ck_assert_uint_eq(in8(&mhv_uart_ops, &uart, UART_RBR), 'a');
    pic_out(&pic, PIC_CMD, 0x20);
    /* Still high: an edge-triggered PIC sees no new request... */
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), -1);
    ck_assert_uint_eq(in8(&mhv_uart_ops, &uart, UART_RBR), 'b');
    /* ... until the line falls and rises again. */
    mhv_uart_receive(&uart, (const uint8_t *)"c", 1);
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), 0x24);
}
END_TEST

START_TEST(test_uart_scratch_and_read_only)
{
    struct uart_rig rig;
    uart_rig_init(&rig, 0);
    ck_assert_uint_eq(uart_in(&rig, UART_SCR), 0);
    uart_out(&rig, UART_SCR, 0xA5);
    ck_assert_uint_eq(uart_in(&rig, UART_SCR), 0xA5);
    uart_out(&rig, UART_LCR, 0x80);               /* DLAB does not move SCR */
    ck_assert_uint_eq(uart_in(&rig, UART_SCR), 0xA5);
    uart_out(&rig, UART_LCR, 0x03);
    /* LSR and MSR ignore writes. */
    uart_out(&rig, UART_LSR, 0x00);
    uart_out(&rig, UART_MSR, 0x00);
    ck_assert_uint_eq(uart_in(&rig, UART_LSR), LSR_THRE | LSR_TEMT);
    ck_assert_uint_eq(uart_in(&rig, UART_MSR), 0xB0);
    ck_assert_uint_eq(uart_in(&rig, UART_SCR), 0xA5);
    /* MCR keeps its five bits. */
    uart_out(&rig, UART_MCR, 0xFF);
    ck_assert_uint_eq(uart_in(&rig, UART_MCR), 0x1F);
}
END_TEST

START_TEST(test_uart_wants_rx_interrupt)
{
    struct uart_rig rig;
    uart_rig_init(&rig, 0);
    ck_assert_int_eq(mhv_uart_wants_rx_interrupt(&rig.uart), 0);
    uart_out(&rig, UART_MCR, MCR_OUT2);
    ck_assert_int_eq(mhv_uart_wants_rx_interrupt(&rig.uart), 0);
    uart_out(&rig, UART_IER, 0x02);               /* THRE only */
    ck_assert_int_eq(mhv_uart_wants_rx_interrupt(&rig.uart), 0);
    uart_out(&rig, UART_IER, 0x01);
    ck_assert_int_eq(mhv_uart_wants_rx_interrupt(&rig.uart), 1);
    uart_out(&rig, UART_MCR, 0x00);
    ck_assert_int_eq(mhv_uart_wants_rx_interrupt(&rig.uart), 0);
}
END_TEST

/* ===== the console and exit ports ============================================== */

START_TEST(test_console_port)
{
    struct uart_rig host = { 0 };
    struct mhv_console_port console = { .output = rig_output, .context = &host };
    ck_assert_int_eq(mhv_console_port_ops.write(&console, 0, 1, 'O'), MHV_BUS_OK);
    ck_assert_int_eq(mhv_console_port_ops.write(&console, 0, 1, 'K'), MHV_BUS_OK);
    ck_assert_int_eq(mhv_console_port_ops.write(&console, 0, 2, 0x0A0A), MHV_BUS_OK);  /* low byte */
    ck_assert_uint_eq(host.out_len, 3);
    ck_assert_mem_eq(host.out, "OK\n", 3);
    ck_assert_uint_eq(console.bytes_out, 3);
    uint64_t value = 0;
    mhv_console_port_ops.read(&console, 0, 1, &value);
    ck_assert_uint_eq(value, 0xE9);
    ck_assert_uint_eq(host.out_len, 3);           /* a read prints nothing */
}
END_TEST

START_TEST(test_exit_port)
{
    struct mhv_exit_port exit_port = { 0 };
    ck_assert_int_eq(exit_port.written, 0);
    ck_assert_int_eq(mhv_exit_port_ops.write(&exit_port, 0, 1, 42), MHV_BUS_STOP);
    ck_assert_int_eq(exit_port.written, 1);
    ck_assert_uint_eq(exit_port.value, 42);
    ck_assert_int_eq(mhv_exit_port_ops.write(&exit_port, 0, 4, 0x12345600), MHV_BUS_STOP);
    ck_assert_uint_eq(exit_port.value, 0);        /* the low byte of a wider write */
    ck_assert_int_eq(mhv_exit_port_ops.write(&exit_port, 0, 2, 0x01FF), MHV_BUS_STOP);
    ck_assert_uint_eq(exit_port.value, 0xFF);
    ck_assert_ptr_null(mhv_exit_port_ops.read);   /* reads: an empty port */
}
END_TEST

START_TEST(test_ports_on_a_bus)
{
    /* As machine.c wires them: through a port bus. */
    struct uart_rig host = { 0 };
    struct mhv_console_port console = { .output = rig_output, .context = &host };
    struct mhv_exit_port exit_port = { 0 };
    struct mhv_bus bus;
    char err[256];
    mhv_bus_init(&bus, MHV_BUS_PORT);
    ck_assert_int_eq(mhv_bus_attach(&bus, MHV_PORT_DEBUG_CONSOLE, 1, "console", &mhv_console_port_ops,
                                    &console, err, sizeof err), 0);
    ck_assert_int_eq(mhv_bus_attach(&bus, MHV_PORT_EXIT, 1, "exit", &mhv_exit_port_ops, &exit_port, err,
                                    sizeof err), 0);
    enum mhv_bus_result result;
    uint64_t value = 0;
    mhv_bus_write(&bus, 0xE9, 1, 'A', &result);
    ck_assert_int_eq(result, MHV_BUS_OK);
    mhv_bus_read(&bus, 0xE9, 1, &value);
    ck_assert_uint_eq(value, 0xE9);
    mhv_bus_read(&bus, 0xF4, 1, &value);
    ck_assert_uint_eq(value & 0xFF, 0xFF);
    ck_assert_int_eq(exit_port.written, 0);       /* a read does not end anything */
    mhv_bus_write(&bus, 0xF4, 1, 3, &result);
    ck_assert_int_eq(result, MHV_BUS_STOP);
    ck_assert_int_eq(exit_port.written, 1);
    ck_assert_uint_eq(exit_port.value, 3);
    ck_assert_uint_eq(host.out_len, 1);
}
END_TEST

/* ===== the MMIO info device ===================================================== */

struct info_rig {
    uint64_t now, exits;
    struct mhv_info_device info;
};

static void info_rig_init(struct info_rig *rig)
{
    memset(rig, 0, sizeof *rig);
    rig->now = 5000000000ull;
    rig->info = (struct mhv_info_device){ .now_ns = fake_now, .clock = &rig->now,
                                          .start_ns = 4000000000ull, .exit_count = &rig->exits };
}

static uint64_t info_read(struct info_rig *rig, uint64_t offset, unsigned size)
{
    uint64_t value = 0xAAAAAAAAAAAAAAAAull;       /* every byte must be written */
    mhv_info_ops.read(&rig->info, offset, size, &value);
    return value;
}

static void info_write(struct info_rig *rig, uint64_t offset, unsigned size, uint64_t value)
{
    ck_assert_int_eq(mhv_info_ops.write(&rig->info, offset, size, value), MHV_BUS_OK);
}

START_TEST(test_info_id_and_version)
{
    struct info_rig rig;
    info_rig_init(&rig);
    ck_assert_uint_eq(info_read(&rig, MHV_INFO_ID, 4), MHV_INFO_ID_VALUE);
    uint32_t id = (uint32_t)info_read(&rig, MHV_INFO_ID, 4);
    ck_assert_mem_eq(&id, "MHVI", 4);
    ck_assert_uint_eq(info_read(&rig, MHV_INFO_VERSION, 4), 1);
    /* The two as one 8-byte read, and byte by byte. */
    ck_assert_uint_eq(info_read(&rig, MHV_INFO_ID, 8), (1ull << 32) | MHV_INFO_ID_VALUE);
    ck_assert_uint_eq(info_read(&rig, 0, 1), 'M');
    ck_assert_uint_eq(info_read(&rig, 1, 1), 'H');
    ck_assert_uint_eq(info_read(&rig, 2, 1), 'V');
    ck_assert_uint_eq(info_read(&rig, 3, 1), 'I');
    ck_assert_uint_eq(info_read(&rig, 2, 2), 0x4956);
    ck_assert_uint_eq(info_read(&rig, 3, 2), 0x0149);   /* across the two registers */
    /* Neither is writable. */
    info_write(&rig, MHV_INFO_ID, 4, 0);
    info_write(&rig, MHV_INFO_VERSION, 4, 7);
    ck_assert_uint_eq(info_read(&rig, MHV_INFO_ID, 8), (1ull << 32) | MHV_INFO_ID_VALUE);
}
END_TEST

START_TEST(test_info_host_ns)
{
    struct info_rig rig;
    info_rig_init(&rig);
    ck_assert_uint_eq(info_read(&rig, MHV_INFO_HOST_NS, 8), 1000000000ull);
    rig.now += 0x123456789ull;
    uint64_t ns = 1000000000ull + 0x123456789ull;
    ck_assert_uint_eq(info_read(&rig, MHV_INFO_HOST_NS, 8), ns);
    ck_assert_uint_eq(info_read(&rig, MHV_INFO_HOST_NS, 4), ns & 0xFFFFFFFF);
    ck_assert_uint_eq(info_read(&rig, MHV_INFO_HOST_NS + 4, 4), ns >> 32);
    /* Read by a 32-bit guest: low then high, reassembled. */
    uint64_t low = info_read(&rig, MHV_INFO_HOST_NS, 4), high = info_read(&rig, MHV_INFO_HOST_NS + 4, 4);
    ck_assert_uint_eq(high << 32 | low, ns);
    rig.now = rig.info.start_ns;
    ck_assert_uint_eq(info_read(&rig, MHV_INFO_HOST_NS, 8), 0);
    info_write(&rig, MHV_INFO_HOST_NS, 8, 99);    /* read-only */
    ck_assert_uint_eq(info_read(&rig, MHV_INFO_HOST_NS, 8), 0);
}
END_TEST

START_TEST(test_info_exits)
{
    struct info_rig rig;
    info_rig_init(&rig);
    ck_assert_uint_eq(info_read(&rig, MHV_INFO_EXITS, 8), 0);
    rig.exits = 12345;
    ck_assert_uint_eq(info_read(&rig, MHV_INFO_EXITS, 8), 12345);
    rig.exits = 0x100000002ull;
    ck_assert_uint_eq(info_read(&rig, MHV_INFO_EXITS, 4), 2);
    ck_assert_uint_eq(info_read(&rig, MHV_INFO_EXITS + 4, 4), 1);
    info_write(&rig, MHV_INFO_EXITS, 8, 0);       /* read-only */
    ck_assert_uint_eq(rig.exits, 0x100000002ull);
    rig.info.exit_count = NULL;                   /* not wired: 0 */
    ck_assert_uint_eq(info_read(&rig, MHV_INFO_EXITS, 8), 0);
}
END_TEST

START_TEST(test_info_scratch)
{
    struct info_rig rig;
    info_rig_init(&rig);
    ck_assert_uint_eq(info_read(&rig, MHV_INFO_SCRATCH, 8), 0);
    info_write(&rig, MHV_INFO_SCRATCH, 8, 0x0123456789ABCDEFull);
    ck_assert_uint_eq(info_read(&rig, MHV_INFO_SCRATCH, 8), 0x0123456789ABCDEFull);
    ck_assert_uint_eq(rig.info.scratch, 0x0123456789ABCDEFull);
    ck_assert_uint_eq(info_read(&rig, MHV_INFO_SCRATCH, 4), 0x89ABCDEF);
    ck_assert_uint_eq(info_read(&rig, MHV_INFO_SCRATCH + 4, 4), 0x01234567);
    /* Partial writes change only the bytes they cover. */
    info_write(&rig, MHV_INFO_SCRATCH + 4, 4, 0xFFEEDDCC);
    ck_assert_uint_eq(info_read(&rig, MHV_INFO_SCRATCH, 8), 0xFFEEDDCC89ABCDEFull);
    info_write(&rig, MHV_INFO_SCRATCH, 1, 0x11);
    ck_assert_uint_eq(info_read(&rig, MHV_INFO_SCRATCH, 8), 0xFFEEDDCC89ABCD11ull);
    info_write(&rig, MHV_INFO_SCRATCH + 3, 2, 0x2233);   /* bytes 3 and 4 */
    ck_assert_uint_eq(info_read(&rig, MHV_INFO_SCRATCH, 8), 0xFFEEDD2233ABCD11ull);
    /* Only the low size bytes of the value count. */
    info_write(&rig, MHV_INFO_SCRATCH + 6, 1, 0xFFFFFF44);
    ck_assert_uint_eq(info_read(&rig, MHV_INFO_SCRATCH, 8), 0xFF44DD2233ABCD11ull);
    /* A write that starts before it changes only its bytes of it... */
    info_write(&rig, MHV_INFO_SCRATCH - 4, 8, 0x5566778899AABBCCull);
    ck_assert_uint_eq(info_read(&rig, MHV_INFO_SCRATCH, 8), 0xFF44DD2255667788ull);
    ck_assert_uint_eq(info_read(&rig, MHV_INFO_EXITS, 8), 0);
    /* ... and one that runs past its end. */
    info_write(&rig, MHV_INFO_SCRATCH + 4, 8, 0x0102030405060708ull);
    ck_assert_uint_eq(info_read(&rig, MHV_INFO_SCRATCH, 8), 0x0506070855667788ull);
    ck_assert_uint_eq(info_read(&rig, MHV_INFO_SCRATCH + 8, 8), 0);
    ck_assert_uint_eq(info_read(&rig, MHV_INFO_SCRATCH + 2, 2), 0x5566);
}
END_TEST

START_TEST(test_info_past_the_registers)
{
    struct info_rig rig;
    info_rig_init(&rig);
    info_write(&rig, MHV_INFO_SCRATCH, 8, UINT64_MAX);
    ck_assert_uint_eq(info_read(&rig, 0x20, 8), 0);
    ck_assert_uint_eq(info_read(&rig, 0x20, 4), 0);
    ck_assert_uint_eq(info_read(&rig, 0x100, 8), 0);
    ck_assert_uint_eq(info_read(&rig, MHV_MMIO_INFO_SIZE - 8, 8), 0);
    ck_assert_uint_eq(info_read(&rig, MHV_MMIO_INFO_SIZE - 1, 1), 0);
    /* A read straddling the end takes the register's bytes, then zeros. */
    ck_assert_uint_eq(info_read(&rig, MHV_INFO_SCRATCH + 4, 8), 0xFFFFFFFF);
    ck_assert_uint_eq(info_read(&rig, MHV_INFO_SCRATCH + 7, 2), 0xFF);
    /* Writes there are ignored. */
    info_write(&rig, 0x20, 8, 1);
    info_write(&rig, 0x800, 4, 1);
    ck_assert_uint_eq(info_read(&rig, 0x20, 8), 0);
    ck_assert_uint_eq(rig.info.scratch, UINT64_MAX);
}
END_TEST

START_TEST(test_info_on_the_mmio_bus)
{
    struct info_rig rig;
    info_rig_init(&rig);
    struct mhv_bus bus;
    char err[256];
    mhv_bus_init(&bus, MHV_BUS_MMIO);
    ck_assert_int_eq(mhv_bus_attach(&bus, MHV_MMIO_INFO_BASE, MHV_MMIO_INFO_SIZE, "info", &mhv_info_ops,
                                    &rig.info, err, sizeof err), 0);
    uint64_t value = 0;
    ck_assert_ptr_nonnull(mhv_bus_read(&bus, MHV_MMIO_INFO_BASE + MHV_INFO_ID, 4, &value));
    ck_assert_uint_eq(value, MHV_INFO_ID_VALUE);
    enum mhv_bus_result result;
    ck_assert_ptr_nonnull(mhv_bus_write(&bus, MHV_MMIO_INFO_BASE + MHV_INFO_SCRATCH, 8, 77, &result));
    ck_assert_int_eq(result, MHV_BUS_OK);
    ck_assert_ptr_nonnull(mhv_bus_read(&bus, MHV_MMIO_INFO_BASE + MHV_INFO_SCRATCH, 8, &value));
    ck_assert_uint_eq(value, 77);
    ck_assert_ptr_null(mhv_bus_read(&bus, MHV_MMIO_INFO_BASE + MHV_MMIO_INFO_SIZE, 4, &value));
}
END_TEST

static Suite *devices_suite(void)
{
    Suite *s = suite_create("mhv_devices");
    TCase *tc = tcase_create("pic");
    tcase_add_test(tc, test_pic_power_on);
    tcase_add_test(tc, test_pic_init_cascade_with_icw4);
    tcase_add_test(tc, test_pic_init_single_skips_icw3);
    tcase_add_test(tc, test_pic_init_without_icw4);
    tcase_add_test(tc, test_pic_vector_base_low_bits_ignored);
    tcase_add_test(tc, test_pic_reinit_clears_state);
    tcase_add_test(tc, test_pic_mask);
    tcase_add_test(tc, test_pic_edge_triggered);
    tcase_add_test(tc, test_pic_priority);
    tcase_add_test(tc, test_pic_nesting);
    tcase_add_test(tc, test_pic_specific_eoi);
    tcase_add_test(tc, test_pic_auto_eoi);
    tcase_add_test(tc, test_pic_ocw3_read_irr_or_isr);
    tcase_add_test(tc, test_pic_as_irq_line);
    suite_add_tcase(s, tc);
    tc = tcase_create("pit");
    tcase_add_test(tc, test_pit_power_on);
    tcase_add_test(tc, test_pit_mode2_100hz);
    tcase_add_test(tc, test_pit_ticks_at_deadline);
    tcase_add_test(tc, test_pit_late_ticks_are_lost);
    tcase_add_test(tc, test_pit_tick_reaches_pic);
    tcase_add_test(tc, test_pit_mode3_is_periodic_too);
    tcase_add_test(tc, test_pit_mode0_one_shot);
    tcase_add_test(tc, test_pit_mode0_count_after_it_fired);
    tcase_add_test(tc, test_pit_minimum_period);
    tcase_add_test(tc, test_pit_reload_zero_is_65536);
    tcase_add_test(tc, test_pit_one_byte_access_modes);
    tcase_add_test(tc, test_pit_count_decreases);
    tcase_add_test(tc, test_pit_latch);
    tcase_add_test(tc, test_pit_control_word_disarms);
    tcase_add_test(tc, test_pit_other_channels_ignored);
    tcase_add_test(tc, test_pit_unconnected_line);
    suite_add_tcase(s, tc);
    tc = tcase_create("uart");
    tcase_add_test(tc, test_uart_output);
    tcase_add_test(tc, test_uart_lsr_and_receive);
    tcase_add_test(tc, test_uart_fifo_wraps_and_drops);
    tcase_add_test(tc, test_uart_input_callback);
    tcase_add_test(tc, test_uart_dlab);
    tcase_add_test(tc, test_uart_iir);
    tcase_add_test(tc, test_uart_fifo_control);
    tcase_add_test(tc, test_uart_irq_line);
    tcase_add_test(tc, test_uart_irq_line_reaches_pic);
    tcase_add_test(tc, test_uart_scratch_and_read_only);
    tcase_add_test(tc, test_uart_wants_rx_interrupt);
    suite_add_tcase(s, tc);
    tc = tcase_create("ports");
    tcase_add_test(tc, test_console_port);
    tcase_add_test(tc, test_exit_port);
    tcase_add_test(tc, test_ports_on_a_bus);
    suite_add_tcase(s, tc);
    tc = tcase_create("info");
    tcase_add_test(tc, test_info_id_and_version);
    tcase_add_test(tc, test_info_host_ns);
    tcase_add_test(tc, test_info_exits);
    tcase_add_test(tc, test_info_scratch);
    tcase_add_test(tc, test_info_past_the_registers);
    tcase_add_test(tc, test_info_on_the_mmio_bus);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(devices_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
