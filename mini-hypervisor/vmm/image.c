/*
 * image.c -- planning and loading a guest image (see image.h).
 *
 * The order matters for the messages: first what kind of file it is, then
 * whether it fits, then the mode's own rules, so a user sees the first
 * thing that is wrong, not a consequence of it.
 */
#include "image.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "boot.h"
#include "cpu.h"
#include "mhv_assert.h"
#include "paging.h"

#define FOUR_GIB (1ull << 32)

/* The boot info and the longest command line share one page of mhv's area. */
_Static_assert(sizeof(struct mhv_boot_info) + MHV_CMDLINE_MAX + 1 <= MHV_RESERVED_PML4 - MHV_RESERVED_BOOT_INFO,
               "the boot info and the command line fit in their page");

static uint64_t usable_end_for(enum mhv_mode mode, size_t ram_size)
{
    return mode == MHV_MODE_REAL ? ram_size : MHV_RESERVED_BASE(ram_size);
}

static int plan_flat(size_t size, size_t ram_size, const struct mhv_image_options *options,
                     struct mhv_image_plan *plan, char *err, size_t err_size)
{
    plan->mode = options->mode_given ? options->mode : MHV_MODE_REAL;
    plan->usable_end = usable_end_for(plan->mode, ram_size);
    plan->lowest = options->load_addr;
    plan->entry = options->entry_given ? options->entry : options->load_addr;
    if (size == 0) {
        snprintf(err, err_size, "the image is empty");
        return -1;
    }
    if (options->load_addr > plan->usable_end || size > plan->usable_end - options->load_addr) {
        snprintf(err, err_size,
                 "the image (%zu bytes at 0x%llx) does not fit in guest RAM below 0x%llx "
                 "(%zu MiB%s): give more with --mem or load it lower with --load",
                 size, (unsigned long long)options->load_addr, (unsigned long long)plan->usable_end,
                 ram_size >> 20, plan->mode == MHV_MODE_REAL ? "" : ", less the 64 KiB mhv keeps at the top");
        return -1;
    }
    plan->highest = options->load_addr + size;
    return 0;
}

static int plan_elf(const uint8_t *file, size_t size, size_t ram_size,
                    const struct mhv_image_options *options, struct mhv_image_plan *plan,
                    char *err, size_t err_size)
{
    plan->is_elf = 1;
    /* The ELF's class gives the mode, which gives the usable RAM: parse
     * once against all of RAM to learn the class, then check the segments
     * against what that mode leaves usable. */
    char parse_err[256];
    if (mhv_elf_parse(file, size, 0, ram_size, &plan->elf, parse_err, sizeof parse_err) < 0) {
        snprintf(err, err_size, "%s", parse_err);
        return -1;
    }
    plan->mode = options->mode_given ? options->mode : plan->elf.bits == 64 ? MHV_MODE_LONG : MHV_MODE_PROTECTED;
    plan->usable_end = usable_end_for(plan->mode, ram_size);
    if (mhv_elf_parse(file, size, 0, plan->usable_end, &plan->elf, parse_err, sizeof parse_err) < 0) {
        snprintf(err, err_size, "%s (mhv keeps the top 64 KiB of RAM for its page tables and boot stack)",
                 parse_err);
        return -1;
    }
    plan->lowest = plan->elf.lowest;
    plan->highest = plan->elf.highest;
    plan->entry = options->entry_given ? options->entry : plan->elf.entry;
    return 0;
}

int mhv_image_plan(const uint8_t *file, size_t size, size_t ram_size,
                   const struct mhv_image_options *options, struct mhv_image_plan *plan,
                   char *err, size_t err_size)
{
    *plan = (struct mhv_image_plan){ 0 };
    if (ram_size < 2 * MHV_RESERVED_SIZE) {
        snprintf(err, err_size, "guest RAM of %zu bytes is too small", ram_size);
        return -1;
    }
    int status = mhv_elf_is_elf(file, size) ? plan_elf(file, size, ram_size, options, plan, err, err_size)
                                            : plan_flat(size, ram_size, options, plan, err, err_size);
    if (status < 0)
        return -1;

    if (plan->entry >= plan->usable_end) {
        snprintf(err, err_size, "the entry point 0x%llx is outside guest RAM (below 0x%llx)",
                 (unsigned long long)plan->entry, (unsigned long long)plan->usable_end);
        return -1;
    }
    if (plan->mode == MHV_MODE_REAL) {
        uint64_t segment_base = plan->lowest & ~0xFull;
        if (plan->lowest >= 0x100000) {
            snprintf(err, err_size, "real mode: the image at 0x%llx is above 1 MiB, out of reach",
                     (unsigned long long)plan->lowest);
            return -1;
        }
        if (plan->entry < segment_base || plan->entry - segment_base > 0xFFFF) {
            snprintf(err, err_size,
                     "real mode: the entry 0x%llx is outside the code segment 0x%llx..0x%llx",
                     (unsigned long long)plan->entry, (unsigned long long)segment_base,
                     (unsigned long long)segment_base + 0xFFFF);
            return -1;
        }
    }
    if (plan->mode == MHV_MODE_PROTECTED && (plan->highest > FOUR_GIB || plan->entry >= FOUR_GIB)) {
        snprintf(err, err_size, "protected mode: the image must lie below 4 GiB");
        return -1;
    }
    return 0;
}

uint16_t mhv_image_write_boot_structures(uint8_t *ram, size_t ram_size,
                                         const struct mhv_image_plan *plan, const char *cmdline,
                                         uint64_t tsc_khz)
{
    MHV_ASSERT(ram_size >= 2 * MHV_RESERVED_SIZE);  /* as mhv_image_plan required */
    uint64_t reserved = MHV_RESERVED_BASE(ram_size);
    memset(ram + reserved, 0, MHV_RESERVED_SIZE);
    uint16_t gdt_limit = mhv_paging_build_gdt(ram, ram_size, reserved + MHV_RESERVED_GDT);
    if (plan->mode == MHV_MODE_LONG)
        mhv_paging_build_identity(ram, ram_size, reserved + MHV_RESERVED_PML4);

    /* The boot info, then the command line right after it in the same page. */
    uint64_t info_addr = reserved + MHV_RESERVED_BOOT_INFO;
    uint64_t cmdline_addr = info_addr + sizeof(struct mhv_boot_info);
    size_t cmdline_size = cmdline ? strnlen(cmdline, MHV_CMDLINE_MAX) : 0;
    memcpy(ram + cmdline_addr, cmdline ? cmdline : "", cmdline_size);
    ram[cmdline_addr + cmdline_size] = '\0';

    struct mhv_boot_info info = {
        .magic = MHV_BOOT_MAGIC,
        .version = MHV_BOOT_VERSION,
        .cmdline_size = (uint32_t)cmdline_size,
        .ram_size = ram_size,
        .free_start = (plan->highest + 0xFFF) & ~0xFFFull,
        .free_end = reserved,
        .cmdline_addr = cmdline_addr,
        .mmio_info_base = MHV_MMIO_INFO_BASE,
        .tsc_khz = tsc_khz,
    };
    if (info.free_start > reserved)
        info.free_start = reserved;
    memcpy(ram + info_addr, &info, sizeof info);
    return gdt_limit;
}

int mhv_image_load(struct mhv_vm *vm, const uint8_t *file, size_t size,
                   const struct mhv_image_plan *plan, const char *cmdline,
                   char *err, size_t err_size)
{
    if (plan->is_elf) {
        if (mhv_elf_load(&plan->elf, file, size, vm->ram, vm->ram_size, err, err_size) < 0)
            return -1;
    } else {
        if (plan->highest > vm->ram_size) {
            snprintf(err, err_size, "the image does not fit in guest RAM");
            return -1;
        }
        MHV_ASSERT(plan->lowest <= plan->highest && size == plan->highest - plan->lowest);  /* this file's plan */
        memcpy(vm->ram + plan->lowest, file, size);
    }

    if (plan->mode == MHV_MODE_REAL)
        return mhv_cpu_enter_real(vm, plan->lowest & ~0xFull, plan->entry, err, err_size);

    if (cmdline && strlen(cmdline) > MHV_CMDLINE_MAX) {
        snprintf(err, err_size, "the command line is %zu bytes, more than the %d a guest gets",
                 strlen(cmdline), MHV_CMDLINE_MAX);
        return -1;
    }
    int tsc_khz = ioctl(vm->vcpu_fd, KVM_GET_TSC_KHZ, 0);
    uint16_t gdt_limit = mhv_image_write_boot_structures(vm->ram, vm->ram_size, plan, cmdline,
                                                         tsc_khz > 0 ? (uint64_t)tsc_khz : 0);
    uint64_t reserved = MHV_RESERVED_BASE(vm->ram_size);
    return mhv_cpu_enter_flat(vm, plan->mode, plan->entry, reserved + MHV_RESERVED_GDT, gdt_limit,
                              reserved + MHV_RESERVED_PML4, vm->ram_size,
                              reserved + MHV_RESERVED_BOOT_INFO, err, err_size);
}

/* Reads a whole file (at most max_size bytes, else *too_big is set),
 * growing the buffer as it goes: RAM may be gigabytes, the image is small. */
static uint8_t *read_whole_file(const char *path, size_t max_size, size_t *size, int *too_big)
{
    *too_big = 0;
    FILE *file = fopen(path, "rb");
    if (!file)
        return NULL;
    size_t capacity = 0, used = 0;
    uint8_t *data = NULL;
    int read_errno = 0;
    for (;;) {
        if (used == capacity) {
            size_t grown = capacity ? 2 * capacity : 65536;
            uint8_t *bigger = realloc(data, grown);
            if (!bigger) {
                free(data);
                fclose(file);
                errno = ENOMEM;
                return NULL;
            }
            data = bigger;
            capacity = grown;
        }
        errno = 0;
        size_t got = fread(data + used, 1, capacity - used, file);
        read_errno = errno;  /* fread's reason, if it failed (EISDIR, EIO) */
        used += got;
        if (used > max_size) {
            *too_big = 1;
            break;
        }
        if (got == 0)
            break;
    }
    int read_error = ferror(file);
    fclose(file);
    if (read_error) {
        free(data);
        errno = read_errno ? read_errno : EIO;
        return NULL;
    }
    *size = used;
    return data;
}

uint8_t *mhv_read_guest_file(const char *path, const char *what, size_t max_size, size_t *size,
                             char *err, size_t err_size)
{
    int too_big = 0;
    uint8_t *data = read_whole_file(path, max_size, size, &too_big);
    if (!data) {
        snprintf(err, err_size, "cannot read the %s %s: %s", what, path, strerror(errno));
        return NULL;
    }
    if (too_big) {
        snprintf(err, err_size, "%s: the %s is bigger than guest RAM (%zu MiB): give more with --mem", path, what,
                 max_size >> 20);
        free(data);
        return NULL;
    }
    return data;
}

int mhv_image_read_and_plan(const char *path, size_t ram_size, const struct mhv_image_options *options,
                            uint8_t **file, size_t *size, struct mhv_image_plan *plan,
                            char *err, size_t err_size)
{
    uint8_t *image = mhv_read_guest_file(path, "image", ram_size, size, err, err_size);
    if (!image)
        return -1;
    char plan_err[512];
    if (mhv_image_plan(image, *size, ram_size, options, plan, plan_err, sizeof plan_err) < 0) {
        snprintf(err, err_size, "%s: %s", path, plan_err);
        free(image);
        return -1;
    }
    *file = image;
    return 0;
}
