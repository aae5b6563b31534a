/*
 * linux_boot.h -- booting a Linux kernel: the x86 boot protocol
 * (Documentation/arch/x86/boot.rst), its 64-bit entry, as QEMU's -kernel,
 * kvmtool and Firecracker do it, without a BIOS or a boot loader.
 *
 * A boot loader's whole job, done here by mhv before the first KVM_RUN:
 *
 *   1. Tell the kernel file apart: a bzImage has the setup header ("HdrS"
 *      at 0x202), a vmlinux is an ELF executable.
 *   2. Put the kernel in RAM.  A bzImage's protected-mode part (everything
 *      after its 1 + setup_sects sectors of real-mode setup code) goes to
 *      1 MiB; it decompresses itself to where it likes (pref_address, or a
 *      random place with KASLR) and needs init_size bytes there.  A
 *      vmlinux's PT_LOAD segments go to their physical addresses (p_paddr;
 *      p_vaddr is where the kernel maps itself later).
 *   3. Put the initrd at the top of RAM, below mhv's own area, above
 *      everything the kernel needs, below the header's initrd_addr_max.
 *   4. Write the zero page (struct boot_params, from linux-libc-dev's
 *      <asm/bootparam.h>): the setup header copied from the image, who
 *      loaded it (type_of_loader), where the command line and the initrd
 *      are, and the e820 memory map -- the kernel's only way to learn how
 *      much RAM it has, since there is no BIOS to ask.
 *   5. Enter the kernel in 64-bit mode, at the image's 0x200 (bzImage) or
 *      the ELF's entry (vmlinux), with RSI = the zero page, interrupts off,
 *      the identity page tables and the GDT mhv builds for every long-mode
 *      guest (paging.c), which cover everything the protocol asks to be
 *      mapped.
 *
 * The guest's physical memory for Linux (memlayout.h draws the rest):
 *
 *   0x0000_0000  usable RAM                        e820: RAM
 *   0x0000_7000    the zero page (4 KiB)
 *   0x0002_0000    the command line
 *   0x0009_FC00  "EBDA" to 1 MiB                   e820: reserved
 *   0x000E_0000    the ACPI tables (acpi.h)
 *   0x0010_0000  the kernel (bzImage) ...          e820: RAM
 *   0x0100_0000  ... where it decompresses itself, or vmlinux's segments
 *       ...
 *   top - 64 KiB - initrd   the initrd, page-aligned
 *   RAM - 64 KiB mhv's GDT, page tables, stack    e820: reserved
 *
 * Planning (mhv_linux_plan) is pure: every check, every address, so the
 * messages for a bad kernel or too little RAM are the same without KVM,
 * and unit-tested.  The checks, in the order a user meets them: what the
 * file is; the boot protocol's version (2.12, the first with the 64-bit
 * entry point flag); the setup header against the file's length (a
 * truncated image); the RAM (MHV_LINUX_MIN_RAM_MIB) against what the
 * kernel needs; the command line against the kernel's limit; the initrd
 * against the room that is left.
 *
 * Invariants of a plan mhv_linux_plan accepted:
 *   - the kernel's bytes, and for a bzImage the init_size it decompresses
 *     into, lie in [1 MiB, usable_end);
 *   - the initrd (when there is one) lies in [kernel_end, usable_end), is
 *     page-aligned, and ends at or below initrd_addr_max + 1;
 *   - the command line, with its NUL, is at most cmdline_max bytes and
 *     fits below the EBDA.
 * Nothing here prints or exits; errors return -1 with one line in err.
 */
#ifndef MHV_LINUX_BOOT_H
#define MHV_LINUX_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "acpi.h"
#include "elf_loader.h"
#include "machine.h"

#define MHV_LINUX_MIN_RAM_MIB 128
#define MHV_LINUX_DEFAULT_RAM_MIB 256

/* The fixed places of a Linux boot (see the map above). */
#define MHV_LINUX_ZERO_PAGE 0x7000
#define MHV_LINUX_CMDLINE 0x20000
#define MHV_LINUX_EBDA 0x9FC00
#define MHV_LINUX_BZIMAGE_LOAD 0x100000
#define MHV_LINUX_64BIT_ENTRY_OFFSET 0x200

/* The oldest boot protocol mhv accepts: 2.12 says (XLF_KERNEL_64) that
 * the image has the 64-bit entry point at 0x200 (Linux 3.8 and later). */
#define MHV_LINUX_MIN_PROTOCOL 0x020C

enum mhv_linux_format { MHV_LINUX_BZIMAGE, MHV_LINUX_VMLINUX };

struct mhv_linux_plan {
    enum mhv_linux_format format;
    uint16_t protocol;          /* bzImage: the header's version (0x020F = 2.15); vmlinux: 0 */
    char version[96];           /* bzImage: the kernel's version string, as its header points to it ("" if none) */

    /* bzImage: the protected-mode part, file[kernel_offset ..
     * kernel_offset + kernel_size), loaded at kernel_load. */
    uint64_t kernel_offset, kernel_size, kernel_load;
    struct mhv_elf_image elf;   /* vmlinux: its segments (by p_paddr) */
    uint64_t entry;             /* guest physical: where the vCPU starts */
    uint64_t kernel_end;        /* the first byte above all the kernel needs */

    uint64_t initrd_addr, initrd_size;  /* 0, 0: none */
    uint64_t cmdline_max;       /* the kernel's limit, NUL excluded (the header's cmdline_size, or 2047) */
    uint64_t usable_end;        /* MHV_RESERVED_BASE(ram_size) */
    size_t ram_size;
};

/* Does this file look like a Linux kernel mhv can tell (a bzImage by its
 * header)?  mhv run --kernel refuses other files; an ELF is taken for a
 * vmlinux. */
int mhv_linux_is_bzimage(const uint8_t *file, size_t size);

/* The command line the kernel gets: the user's (--append), with what
 * this machine needs added unless the user gave that parameter --
 * console=ttyS0 (the UART is the console), panic=-1 (a panic reboots at
 * once, so mhv sees it and ends the run), reboot=k (reboot through the
 * i8042's reset line, the one mhv has), pci=off (the machine has no PCI
 * bus), i8042.noaux (there is
 * no mouse: Linux would wait 250 ms for one) -- and each of extra[0 .. count)
 * (the virtio devices, "virtio_mmio.device=4K@0xd0000000:5") always.  All
 * go before a " -- " that starts init's own arguments.  Returns 0, or -1
 * when out_size is too small. */
int mhv_linux_cmdline(const char *append, const char *const *extra, size_t extra_count,
                      char *out, size_t out_size);

/* Does the kernel's part of cmdline (before any " -- ") have a word that
 * starts with name ("console=", "console=ttyS0", "i8042.noaux")?  NULL
 * has none.  mhv_linux_cmdline adds a default by this test. */
int mhv_linux_cmdline_has(const char *cmdline, const char *name);

/* Plans the boot of kernel[0 .. kernel_size) with an initrd of
 * initrd_size bytes (0: none) and the command line cmdline, in ram_size
 * bytes of RAM.  Returns 0 with *plan filled in, or -1 with a message. */
int mhv_linux_plan(const uint8_t *kernel, size_t kernel_size, uint64_t initrd_size, const char *cmdline,
                   size_t ram_size, struct mhv_linux_plan *plan, char *err, size_t err_size);

/* Writes the zero page and the command line into ram for a plan (the
 * part of loading that needs no vCPU: unit-tested); acpi_rsdp is where
 * the ACPI tables start (acpi.h). */
void mhv_linux_write_boot_params(uint8_t *ram, const struct mhv_linux_plan *plan, const uint8_t *kernel,
                                 const char *cmdline, uint64_t acpi_rsdp);

/* Loads a planned kernel and initrd into vm, writes the ACPI tables that
 * describe devices[0 .. device_count) (its virtio devices), the zero
 * page, mhv's GDT and page tables, and sets the vCPU at the 64-bit entry. */
int mhv_linux_load(struct mhv_vm *vm, const uint8_t *kernel, size_t kernel_size, const uint8_t *initrd,
                   const struct mhv_linux_plan *plan, const char *cmdline,
                   const struct mhv_acpi_device *devices, size_t device_count, char *err, size_t err_size);

/* Linux's panic on the console.  mhv cannot tell a reboot after a panic
 * (the kernel's panic=-1) from one asked for by `reboot`: both end with
 * the i8042's reset line.  The console can: the kernel prints its panic
 * banner first.  Fed every console byte; remembers the first panic line. */
struct mhv_linux_console_watch {
    char line[256];             /* the line being printed */
    size_t length;
    int panicked;
    char panic[256];            /* "Kernel panic - not syncing: ..." once panicked */
};

void mhv_linux_watch_byte(struct mhv_linux_console_watch *watch, uint8_t byte);

#endif
