/*
 * kmain.c -- the guest kernel's start in C: check what mhv handed over, set
 * up the devices in the one order that works, run the command line, end.
 *
 * The order matters: the UART first, so that anything after can report;
 * the IDT before the PIC and the timer, so that no interrupt can arrive
 * with nowhere to go; interrupts on only once all of those are ready.
 *
 * The kernel is a single thread with two interrupt handlers (timer, UART),
 * no scheduler, no user mode, no page tables of its own: mhv's identity map
 * of the first 4 GiB is all it uses.
 */
#include <stdbool.h>
#include <stdint.h>

#include "boot.h"
#include "commands.h"
#include "console.h"
#include "idt.h"
#include "memlayout.h"
#include "pic.h"
#include "pit.h"
#include "uart.h"
#include "workloads.h"
#include "x86.h"

#define IDENTITY_MAPPED_END 0x100000000ULL /* mhv maps the first 4 GiB */

/* From kernel.ld: the first byte after the kernel's image, .bss included. */
extern char __kernel_end[];

void kernel_main(const struct mhv_boot_info *boot); /* called by entry.S */

/* Is the boot info where we can read it, and from mhv's protocol? */
static bool boot_info_is_valid(const struct mhv_boot_info *boot)
{
    uintptr_t address = (uintptr_t)boot;
    return address != 0 && address < IDENTITY_MAPPED_END - sizeof *boot &&
           boot->magic == MHV_BOOT_MAGIC && boot->version == MHV_BOOT_VERSION;
}

void kernel_main(const struct mhv_boot_info *boot)
{
    if (!boot_info_is_valid(boot)) {
        /* Nothing says the UART is there: use the port that needs no set-up. */
        console_debug_write("guest kernel: no valid boot info in RDI (wrong magic or version);"
                            " boot it with mhv in long mode\n");
        kernel_exit(KERNEL_STATUS_BAD_BOOT_INFO);
    }

    uart_init();
    if (boot->free_start < (uintptr_t)__kernel_end || boot->free_start > boot->free_end)
        kernel_fail(KERNEL_STATUS_BAD_BOOT_INFO,
                    "boot info: free memory 0x%llx..0x%llx is not a range after the kernel (ends at %p)",
                    (unsigned long long)boot->free_start, (unsigned long long)boot->free_end,
                    (void *)__kernel_end);

    idt_init();
    pic_init();
    pit_set_hz(PIT_DEFAULT_HZ);
    pic_unmask(MHV_IRQ_UART);
    uart_enable_receive();
    interrupts_enable();

    workloads_init((void *)(uintptr_t)boot->free_start, (void *)(uintptr_t)boot->free_end);

    const char *cmdline = boot->cmdline_addr != 0 ? (const char *)(uintptr_t)boot->cmdline_addr : "";
    kprintf("vmlab guest kernel: RAM %llu MiB, cmdline '%s'\n",
            (unsigned long long)(boot->ram_size >> 20), cmdline);
    commands_run(cmdline, boot);

    kprintf("ticks=%llu\n", (unsigned long long)pit_ticks());
    kernel_exit(KERNEL_STATUS_OK);
}
