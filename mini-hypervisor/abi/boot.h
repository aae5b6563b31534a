/*
 * boot.h -- the boot protocol between mhv and a protected- or long-mode
 * guest, shared with the guest kernel (freestanding: only <stdint.h>).
 *
 * Machine state at the entry point (see memlayout.h for the addresses):
 *
 *   long mode       CS = 64-bit code segment (selector 0x08), DS = ES = SS
 *                   = FS = GS = data (0x10); CR0.PG, CR4.PAE, EFER.LME/LMA;
 *                   CR3 = the PML4 in mhv's area: the first 4 GiB are
 *                   identity-mapped.  SSE usable (CR4.OSFXSR|OSXMMEXCPT).
 *   protected mode  CS = 32-bit flat code (0x18), DS = ES = SS = FS = GS =
 *                   flat data (0x10), paging off; SSE usable.
 *   both            interrupts off (RFLAGS = 0x2), no IDT (the guest loads
 *                   its own before it enables interrupts); RSP = the end of
 *                   RAM (the boot stack is the top 32 KiB of mhv's area);
 *                   RDI (EDI) = the physical address of a struct
 *                   mhv_boot_info, also at MHV_RESERVED_BASE(ram) +
 *                   MHV_RESERVED_BOOT_INFO.
 *
 * A real-mode guest gets none of this: it starts as after a reset, with
 * its segments at the load address (mhv run --mode real).
 */
#ifndef MHV_BOOT_H
#define MHV_BOOT_H

#include <stdint.h>

#define MHV_BOOT_MAGIC 0x544f4f42766d686dULL /* in memory (little-endian): "mhmvBOOT" */
#define MHV_BOOT_VERSION 1
#define MHV_CMDLINE_MAX 3000 /* bytes, without the terminating NUL */

/* The GDT mhv builds (protected and long mode). */
#define MHV_GDT_CODE64 0x08
#define MHV_GDT_DATA 0x10
#define MHV_GDT_CODE32 0x18
#define MHV_GDT_ENTRIES 4

struct mhv_boot_info {
    uint64_t magic;           /* MHV_BOOT_MAGIC */
    uint32_t version;         /* MHV_BOOT_VERSION */
    uint32_t cmdline_size;    /* bytes in the command line, without its NUL */
    uint64_t ram_size;        /* RAM is physical [0, ram_size) */
    uint64_t free_start;      /* first byte after the image, page-aligned */
    uint64_t free_end;        /* = MHV_RESERVED_BASE(ram_size): the guest owns
                                 [free_start, free_end) */
    uint64_t cmdline_addr;    /* physical address of the NUL-terminated text
                                 given with `mhv run --cmdline` ("" if none) */
    uint64_t mmio_info_base;  /* MHV_MMIO_INFO_BASE */
    uint64_t tsc_khz;         /* the guest TSC's frequency (0 if unknown) */
};

#endif
