/*
 * irq.h -- an interrupt line from a device to the interrupt controller.
 *
 * A device holds one of these and says "my line is high / low"; the
 * controller (dev_pic.c) turns a rising edge into a pending interrupt, as
 * the 8259A does in its edge-triggered mode.  Devices thus never know
 * which controller, or which pin, they are wired to.
 */
#ifndef MHV_IRQ_H
#define MHV_IRQ_H

struct mhv_irq_line {
    void (*set_level)(void *controller, unsigned irq, int level);
    void *controller;   /* NULL: the line is not connected */
    unsigned irq;
};

static inline void mhv_irq_set(const struct mhv_irq_line *line, int level)
{
    if (line->controller)
        line->set_level(line->controller, line->irq, level);
}

/* A pulse: what a timer does once per period. */
static inline void mhv_irq_pulse(const struct mhv_irq_line *line)
{
    mhv_irq_set(line, 1);
    mhv_irq_set(line, 0);
}

#endif
