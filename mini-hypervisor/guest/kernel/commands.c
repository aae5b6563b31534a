/*
 * commands.c -- what each command-line word does (see cmdline.h for the
 * words, commands.h for the guarantees).
 *
 * Each command prints one line that says what happened, in a fixed form a
 * test can match: "NAME(SIZE) = RESULT cycles=C", "ticks: waited N",
 * "echo: LINE", "info: ...", "poke: 0xADDR = 0xVALUE".  The fault= commands
 * print nothing themselves: the exception report in idt.c is their output.
 */
#include <stdbool.h>
#include <stdint.h>

#include "cmdline.h"
#include "commands.h"
#include "console.h"
#include "memlayout.h"
#include "pit.h"
#include "uart.h"
#include "workloads.h"
#include "x86.h"

#define ECHO_LINE_MAX 256

/* Read a line from the UART (up to '\n', which is dropped, as is '\r');
 * bytes past ECHO_LINE_MAX - 1 are read and dropped. */
static void echo_line(void)
{
    char line[ECHO_LINE_MAX];
    size_t len = 0;
    for (;;) {
        uint8_t byte = uart_read_byte();
        if (byte == '\n')
            break;
        if (byte != '\r' && len + 1 < sizeof line)
            line[len++] = (char)byte;
    }
    line[len] = '\0';
    kprintf("echo: %s\n", line);
}

static bool is_printable(uint8_t c)
{
    return c >= 0x20 && c < 0x7F;
}

/* The info device's registers, read at their own widths: each read is one
 * MMIO exit to mhv. */
static void show_info(uint64_t base)
{
    volatile uint8_t *device = (volatile uint8_t *)(uintptr_t)base;
    uint32_t id = *(volatile uint32_t *)(device + MHV_INFO_ID);
    uint32_t version = *(volatile uint32_t *)(device + MHV_INFO_VERSION);
    uint64_t host_ns = *(volatile uint64_t *)(device + MHV_INFO_HOST_NS);
    uint64_t exits = *(volatile uint64_t *)(device + MHV_INFO_EXITS);

    /* Something that changes from run to run, so a stale value cannot pass. */
    uint64_t pattern = tsc_read_serialized() ^ 0xA5A5A5A55A5A5A5AULL;
    *(volatile uint64_t *)(device + MHV_INFO_SCRATCH) = pattern;
    bool scratch_ok = *(volatile uint64_t *)(device + MHV_INFO_SCRATCH) == pattern;

    uint8_t c[4] = { (uint8_t)id, (uint8_t)(id >> 8), (uint8_t)(id >> 16), (uint8_t)(id >> 24) };
    if (is_printable(c[0]) && is_printable(c[1]) && is_printable(c[2]) && is_printable(c[3]))
        kprintf("info: id=%c%c%c%c", c[0], c[1], c[2], c[3]);
    else
        kprintf("info: id=0x%08x", id);
    kprintf(" version=%u host_ns=%llu exits=%llu scratch=%s\n", version,
            (unsigned long long)host_ns, (unsigned long long)exits, scratch_ok ? "ok" : "BAD");
}

/* Each fault is one instruction, written in assembly so the compiler can
 * neither fold it away nor turn it into something else. */
static void cause_fault(enum fault_kind fault)
{
    uint64_t scratch;
    switch (fault) {
    case FAULT_UD:
        __asm__ volatile("ud2");
        break;
    case FAULT_GP: /* bits 63..47 of an address must all be equal */
        __asm__ volatile("mov (%1), %0" : "=r"(scratch) : "r"(0x8000000000000000ULL) : "memory");
        break;
    case FAULT_PF: /* 16 TiB: mhv maps only the first 4 GiB */
        __asm__ volatile("mov (%1), %0" : "=r"(scratch) : "r"(0x100000000000ULL) : "memory");
        break;
    case FAULT_DE:
        __asm__ volatile("xor %%edx, %%edx; mov $1, %%eax; xor %%ecx, %%ecx; div %%ecx"
                         : : : "rax", "rcx", "rdx");
        break;
    case FAULT_BP:
        __asm__ volatile("int3");
        break;
    default:
        break;
    }
    kernel_fail(KERNEL_STATUS_EXCEPTION, "fault=%s did not fault", fault_words[fault]);
}

static uint64_t read_physical(uint64_t address)
{
    uint64_t value;
    __asm__ volatile("mov (%1), %0" : "=r"(value) : "r"(address) : "memory");
    return value;
}

static void run_command(const struct command *command, const struct mhv_boot_info *boot)
{
    switch (command->kind) {
    case COMMAND_WORKLOAD:
        workload_run(command->workload, command->has_value, (long long)command->value);
        break;
    case COMMAND_ALL:
        for (int id = 0; id < WORKLOAD_COUNT; id++)
            workload_run((enum workload_id)id, false, 0);
        break;
    case COMMAND_HZ:
        pit_set_hz((uint32_t)command->value);
        break;
    case COMMAND_TICKS:
        if (pit_hz() == 0 && command->value > 0)
            kernel_fail(KERNEL_STATUS_BAD_CMDLINE, "ticks=%llu with the timer off (hz=0)",
                        (unsigned long long)command->value);
        pit_wait_ticks(command->value);
        kprintf("ticks: waited %llu\n", (unsigned long long)command->value);
        break;
    case COMMAND_ECHO:
        echo_line();
        break;
    case COMMAND_INFO:
        show_info(boot->mmio_info_base);
        break;
    case COMMAND_FAULT:
        cause_fault(command->fault);
        break;
    case COMMAND_POKE:
        kprintf("poke: 0x%llx = 0x%016llx\n", (unsigned long long)command->value,
                (unsigned long long)read_physical(command->value));
        break;
    case COMMAND_SPIN:
        for (;;)
            cpu_relax(); /* interrupts stay on: the timer keeps ticking */
    case COMMAND_EXIT:
        kernel_exit((int)command->value);
    }
}

void commands_run(const char *cmdline, const struct mhv_boot_info *boot)
{
    struct cmdline_word word;
    struct command command;

    for (const char *cursor = cmdline; cmdline_next_word(&cursor, &word);)
        if (!command_parse(word, &command))
            kernel_fail(KERNEL_STATUS_BAD_CMDLINE, "bad command line word '%.*s'", (int)word.len,
                        word.text);

    for (const char *cursor = cmdline; cmdline_next_word(&cursor, &word);) {
        command_parse(word, &command);
        run_command(&command, boot);
    }
}
