/*
 * dev_pic.c -- the 8259A model (see dev_pic.h for what is covered).
 *
 * Port 0 (0x20) takes ICW1 (bit 4 set), OCW3 (bits 4:3 = 01) or OCW2
 * (bits 4:3 = 00); port 1 (0x21) takes ICW2..ICW4 during initialization
 * and OCW1, the mask, otherwise.  IRQ 0 has the highest priority.
 */
#include "dev_pic.h"

#include "mhv_assert.h"

#define ICW1_IC4 0x01
#define ICW1_SNGL 0x02
#define ICW1_INIT 0x10
#define ICW4_AEOI 0x02
#define OCW3_SELECT 0x08
#define OCW3_RR 0x02
#define OCW3_RIS 0x01
#define OCW2_EOI 0x20
#define OCW2_SPECIFIC 0x40

void mhv_pic_init(struct mhv_pic *pic)
{
    *pic = (struct mhv_pic){ .imr = 0xFF, .vector_base = 0x08 };
}

/* The model's invariants, whatever the guest wrote: the vector base is
 * ICW2's (low three bits clear), the initialization sequence is at a step
 * it has, and with auto-EOI nothing is ever in service. */
static int pic_is_sound(const struct mhv_pic *pic)
{
    return (pic->vector_base & 7) == 0 &&
           (pic->init_step == 0 || pic->init_step == 2 || pic->init_step == 3 || pic->init_step == 4) &&
           (!pic->auto_eoi || pic->isr == 0);
}

void mhv_pic_set_level(void *controller, unsigned irq, int level)
{
    struct mhv_pic *pic = controller;
    uint8_t bit = (uint8_t)(1u << (irq & 7));
    if (level && !(pic->levels & bit))
        pic->irr |= bit;
    if (level)
        pic->levels |= bit;
    else
        pic->levels &= (uint8_t)~bit;
}

/* The highest-priority (lowest-numbered) line that may interrupt now. */
static int pending_irq(const struct mhv_pic *pic)
{
    uint8_t requests = pic->irr & (uint8_t)~pic->imr;
    for (int irq = 0; irq < 8; irq++) {
        uint8_t bit = (uint8_t)(1u << irq);
        if (pic->isr & bit)
            return -1; /* one of equal or higher priority is in service */
        if (requests & bit)
            return irq;
    }
    return -1;
}

int mhv_pic_pending_vector(const struct mhv_pic *pic)
{
    int irq = pending_irq(pic);
    return irq < 0 ? -1 : pic->vector_base + irq;
}

int mhv_pic_acknowledge(struct mhv_pic *pic)
{
    MHV_ASSERT(pic_is_sound(pic));
    int irq = pending_irq(pic);
    if (irq < 0)
        return -1;
    pic->irr &= (uint8_t)~(1u << irq);
    if (!pic->auto_eoi)
        pic->isr |= (uint8_t)(1u << irq);
    return pic->vector_base + irq;
}

/* Non-specific EOI: ends the highest-priority interrupt in service. */
static void end_of_interrupt(struct mhv_pic *pic)
{
    for (int irq = 0; irq < 8; irq++) {
        if (pic->isr & (1u << irq)) {
            pic->isr &= (uint8_t)~(1u << irq);
            return;
        }
    }
}

static void pic_read(void *device, uint64_t offset, unsigned size, uint64_t *value)
{
    struct mhv_pic *pic = device;
    MHV_ASSERT(offset < 2);  /* the bus passes offsets inside the 2-port range */
    if (offset == 0)
        *value = pic->read_isr ? pic->isr : pic->irr;
    else
        *value = pic->imr;
}

static enum mhv_bus_result pic_write(void *device, uint64_t offset, unsigned size, uint64_t value)
{
    struct mhv_pic *pic = device;
    uint8_t byte = (uint8_t)value;
    MHV_ASSERT(offset < 2);

    if (offset == 0) {
        if (byte & ICW1_INIT) {
            /* Initialization clears the mask and the in-service state. */
            pic->imr = 0;
            pic->isr = 0;
            pic->irr = 0;
            pic->read_isr = 0;
            pic->auto_eoi = 0;
            pic->expects_icw4 = byte & ICW1_IC4;
            pic->single = (byte & ICW1_SNGL) != 0;
            pic->init_step = 2;
        } else if (byte & OCW3_SELECT) {
            if (byte & OCW3_RR)
                pic->read_isr = byte & OCW3_RIS;
        } else if (byte & OCW2_EOI) {
            if (byte & OCW2_SPECIFIC)
                pic->isr &= (uint8_t)~(1u << (byte & 7));
            else
                end_of_interrupt(pic);
        }
        MHV_ASSERT(pic_is_sound(pic));
        return MHV_BUS_OK;
    }

    switch (pic->init_step) {
    case 2:
        pic->vector_base = byte & 0xF8;
        pic->init_step = !pic->single ? 3 : pic->expects_icw4 ? 4 : 0;
        break;
    case 3: /* ICW3: the cascade wiring, which we do not have */
        pic->init_step = pic->expects_icw4 ? 4 : 0;
        break;
    case 4:
        pic->auto_eoi = (byte & ICW4_AEOI) != 0;
        pic->init_step = 0;
        break;
    default:
        pic->imr = byte;
        break;
    }
    MHV_ASSERT(pic_is_sound(pic));
    return MHV_BUS_OK;
}

const struct mhv_bus_device_ops mhv_pic_ops = { .read = pic_read, .write = pic_write };
