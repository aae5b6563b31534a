/*
 * image.h -- putting a guest image into a VM and the vCPU at its entry:
 * an ELF executable (mode and entry from the file) or a flat binary
 * (loaded at --load, entered at --entry, real mode unless told).
 *
 * Planning (mhv_image_plan) is pure: it decides the mode, the entry, where
 * every byte goes, and checks it all against the RAM size, so every "bad
 * image" message is the same on a machine without KVM and is unit-tested.
 * Loading (mhv_image_load) then copies into RAM, writes the boot structures
 * of protected and long mode (boot.h), and sets the registers.
 *
 * Invariants of a plan that mhv_image_plan accepted:
 *   - every byte the image occupies lies in [0, usable_end), where
 *     usable_end is the RAM size in real mode and MHV_RESERVED_BASE(RAM
 *     size) otherwise (mhv's tables and boot stack live above it);
 *   - real mode: the entry is reachable from CS = load_addr >> 4 (IP 16 bits);
 *   - protected mode: everything, the entry included, is below 4 GiB.
 */
#ifndef MHV_IMAGE_H
#define MHV_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "elf_loader.h"
#include "machine.h"

struct mhv_image_options {
    int mode_given;          /* else: the ELF's class, or real mode for a flat binary */
    enum mhv_mode mode;
    uint64_t load_addr;      /* flat binaries (MHV_DEFAULT_LOAD_ADDR) */
    int entry_given;         /* else: the ELF's entry, or load_addr */
    uint64_t entry;
    const char *cmdline;     /* for the boot info; NULL: "" */
};

struct mhv_image_plan {
    int is_elf;
    struct mhv_elf_image elf;   /* is_elf only */
    enum mhv_mode mode;
    uint64_t entry;
    uint64_t lowest, highest;   /* [lowest, highest): the bytes the image occupies */
    uint64_t usable_end;
};

int mhv_image_plan(const uint8_t *file, size_t size, size_t ram_size,
                   const struct mhv_image_options *options, struct mhv_image_plan *plan,
                   char *err, size_t err_size);

/* Reads the image file at path (it must fit in ram_size bytes) and plans
 * it: what `mhv run` and vdb's hypervisor target both do before touching
 * KVM, with one set of messages ("cannot read the image PATH: REASON",
 * "PATH: the image is bigger than guest RAM (N MiB): give more with
 * --mem", "PATH: " and mhv_image_plan's).  On success *file is the image
 * (malloc'd, the caller frees it) and *size its length. */
int mhv_image_read_and_plan(const char *path, size_t ram_size, const struct mhv_image_options *options,
                            uint8_t **file, size_t *size, struct mhv_image_plan *plan,
                            char *err, size_t err_size);

/* Reads a whole file that goes into guest RAM (an image, a kernel, an
 * initrd), at most max_size bytes: returns it (malloc'd) with *size, or
 * NULL with "cannot read the WHAT PATH: REASON" or "PATH: the WHAT is
 * bigger than guest RAM (N MiB): give more with --mem" in err. */
uint8_t *mhv_read_guest_file(const char *path, const char *what, size_t max_size, size_t *size,
                             char *err, size_t err_size);

/* Loads a planned image into vm (whose RAM size the plan was made for)
 * and sets the vCPU to start it. */
int mhv_image_load(struct mhv_vm *vm, const uint8_t *file, size_t size,
                   const struct mhv_image_plan *plan, const char *cmdline,
                   char *err, size_t err_size);

/* Writes the GDT, page tables (long mode) and boot info into ram for a
 * plan: the part of loading that needs no vCPU (unit-tested).  Returns the
 * GDT limit. */
uint16_t mhv_image_write_boot_structures(uint8_t *ram, size_t ram_size,
                                         const struct mhv_image_plan *plan, const char *cmdline,
                                         uint64_t tsc_khz);

#endif
