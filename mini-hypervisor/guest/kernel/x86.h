/*
 * x86.h -- the few x86-64 instructions the guest kernel needs that C cannot
 * say: port I/O, the interrupt flag, halting, the time-stamp counter and the
 * control registers.  Each is a static inline wrapper around one or two
 * instructions, as in xv6's x86.h, so every use reads as a function call.
 *
 * Invariants:
 *   - Every asm statement that orders memory (interrupt flag, halt, port
 *     I/O) carries a "memory" clobber: the compiler must not move loads and
 *     stores of data shared with interrupt handlers across it.
 *   - Freestanding only: never included by the hosted unit tests.
 */
#ifndef KERNEL_X86_H
#define KERNEL_X86_H

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t value)
{
    __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port) : "memory");
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t value;
    __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port) : "memory");
    return value;
}

static inline void interrupts_enable(void)
{
    __asm__ volatile("sti" : : : "memory");
}

static inline void interrupts_disable(void)
{
    __asm__ volatile("cli" : : : "memory");
}

/*
 * Sleep until the next interrupt, to be called with interrupts disabled
 * after a check found nothing to do: `sti` takes effect only after the
 * instruction that follows it, so no interrupt can slip in between the
 * check and the `hlt` and leave us asleep with its work already done.
 * Returns with interrupts disabled again, ready for the next check.
 */
static inline void wait_for_interrupt(void)
{
    __asm__ volatile("sti; hlt; cli" : : : "memory");
}

static inline void cpu_relax(void)
{
    __asm__ volatile("pause" : : : "memory");
}

/* The time-stamp counter, fenced on both sides so that the instructions
 * being timed neither start before nor finish after the read. */
static inline uint64_t tsc_read_serialized(void)
{
    uint32_t low, high;
    __asm__ volatile("lfence; rdtsc; lfence" : "=a"(low), "=d"(high) : : "memory");
    return (uint64_t)high << 32 | low;
}

static inline uint64_t cr2_read(void)
{
    uint64_t value;
    __asm__ volatile("mov %%cr2, %0" : "=r"(value));
    return value;
}

#endif
