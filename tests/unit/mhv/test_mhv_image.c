/*
 * test_mhv_image.c -- planning an image (mhv_image_plan) and writing the
 * boot structures of protected and long mode (mhv_image_write_boot_
 * structures): the parts of image.c that need no KVM.
 *
 *   flat    a flat binary: real mode at the load address by default,
 *           --mode, --entry; every refusal with its message (empty, does
 *           not fit -- where the 64 KiB at the top count --, real mode
 *           above 1 MiB or with an entry outside its segment, an entry
 *           outside RAM, protected mode above 4 GiB, RAM too small).
 *   elf     an ELF64 or ELF32 built here, in memory: the mode from its
 *           class, the entry from its header, both overridden by options;
 *           a segment on mhv's reserved area refused with a message that
 *           says why.  (test_mhv_elf.c tests the ELF parser itself.)
 *   boot    the boot info, command line, GDT and page tables in the
 *           reserved area, and nothing written anywhere else.
 *
 * Planning never touches guest RAM, so RAM sizes here may be large (up
 * to 6 GiB, to reach the 4 GiB checks) without allocating anything.
 */
#include <check.h>
#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "image.h"
#include "memlayout.h"
#include "paging.h"

#define KIB (1ull << 10)
#define MIB (1ull << 20)
#define GIB (1ull << 30)
#define RAM_16M ((size_t)(16 * MIB))
#define ERR_SIZE 512
#define FILL 0xA5

/* ===== helpers ================================================================= */

static struct mhv_image_options flat_options(void)
{
    return (struct mhv_image_options){ .load_addr = MHV_DEFAULT_LOAD_ADDR };
}

static struct mhv_image_options with_mode(struct mhv_image_options options, enum mhv_mode mode)
{
    options.mode_given = 1;
    options.mode = mode;
    return options;
}

static struct mhv_image_options with_entry(struct mhv_image_options options, uint64_t entry)
{
    options.entry_given = 1;
    options.entry = entry;
    return options;
}

static struct mhv_image_options loaded_at(struct mhv_image_options options, uint64_t load_addr)
{
    options.load_addr = load_addr;
    return options;
}

/* A flat image of size bytes: the content does not matter to the plan,
 * only that it does not start with the ELF magic. */
static uint8_t flat_bytes[64 * 1024];

static int plan_flat(size_t size, size_t ram_size, struct mhv_image_options options,
                     struct mhv_image_plan *plan, char *err)
{
    err[0] = '\0';
    /* Sizes beyond the buffer are never read: the plan looks at the size and
     * the first four bytes only. */
    return mhv_image_plan(flat_bytes, size, ram_size, &options, plan, err, ERR_SIZE);
}

static void assert_one_line(const char *err)
{
    ck_assert_msg(strlen(err) > 10, "message too short: '%s'", err);
    ck_assert_msg(strchr(err, '\n') == NULL, "message is not one line: '%s'", err);
}

/* -1, with a message holding every part (NULL ends the list). */
static void assert_message(int status, const char *err, const char *const *parts)
{
    ck_assert_msg(status == -1, "accepted, expected a message with '%s'", parts[0]);
    assert_one_line(err);
    for (size_t i = 0; parts[i]; i++)
        ck_assert_msg(strstr(err, parts[i]) != NULL, "'%s' not in '%s'", parts[i], err);
}

static void assert_flat_refused(size_t size, size_t ram_size, struct mhv_image_options options,
                                const char *const *parts)
{
    struct mhv_image_plan plan;
    char err[ERR_SIZE];
    assert_message(plan_flat(size, ram_size, options, &plan, err), err, parts);
}

static void assert_flat_accepted(size_t size, size_t ram_size, struct mhv_image_options options,
                                 struct mhv_image_plan *plan)
{
    char err[ERR_SIZE];
    ck_assert_msg(plan_flat(size, ram_size, options, plan, err) == 0, "refused: %s", err);
}

/* ===== a minimal ELF writer ===================================================== */

#define ELF_PAYLOAD_OFFSET 0x100

struct elf_spec {
    int bits;                 /* 64: ELFCLASS64 + EM_X86_64; 32: ELFCLASS32 + EM_386 */
    uint16_t machine;         /* 0: the one for bits */
    uint64_t entry;
    uint64_t paddr;           /* one PT_LOAD, R+X, vaddr = paddr */
    uint64_t file_size, mem_size;
};

struct elf_file {
    uint8_t *bytes;
    size_t size;
};

static struct elf_file build_elf(const struct elf_spec *spec)
{
    struct elf_file file;
    file.size = ELF_PAYLOAD_OFFSET + spec->file_size;
    file.bytes = calloc(1, file.size);
    ck_assert_ptr_nonnull(file.bytes);
    for (size_t i = ELF_PAYLOAD_OFFSET; i < file.size; i++)
        file.bytes[i] = (uint8_t)(i * 7 + 3);
    unsigned char ident[EI_NIDENT] = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3,
                                       spec->bits == 64 ? ELFCLASS64 : ELFCLASS32,
                                       ELFDATA2LSB, EV_CURRENT, ELFOSABI_SYSV };
    if (spec->bits == 64) {
        Elf64_Ehdr header = {
            .e_type = ET_EXEC, .e_machine = spec->machine ? spec->machine : EM_X86_64,
            .e_version = EV_CURRENT, .e_entry = spec->entry, .e_phoff = sizeof(Elf64_Ehdr),
            .e_ehsize = sizeof(Elf64_Ehdr), .e_phentsize = sizeof(Elf64_Phdr), .e_phnum = 1,
        };
        Elf64_Phdr ph = {
            .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = ELF_PAYLOAD_OFFSET,
            .p_vaddr = spec->paddr, .p_paddr = spec->paddr, .p_filesz = spec->file_size,
            .p_memsz = spec->mem_size, .p_align = 0x1000,
        };
        memcpy(header.e_ident, ident, EI_NIDENT);
        memcpy(file.bytes, &header, sizeof header);
        memcpy(file.bytes + sizeof header, &ph, sizeof ph);
    } else {
        Elf32_Ehdr header = {
            .e_type = ET_EXEC, .e_machine = spec->machine ? spec->machine : EM_386,
            .e_version = EV_CURRENT, .e_entry = (Elf32_Addr)spec->entry, .e_phoff = sizeof(Elf32_Ehdr),
            .e_ehsize = sizeof(Elf32_Ehdr), .e_phentsize = sizeof(Elf32_Phdr), .e_phnum = 1,
        };
        Elf32_Phdr ph = {
            .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = ELF_PAYLOAD_OFFSET,
            .p_vaddr = (Elf32_Addr)spec->paddr, .p_paddr = (Elf32_Addr)spec->paddr,
            .p_filesz = (Elf32_Word)spec->file_size, .p_memsz = (Elf32_Word)spec->mem_size,
            .p_align = 0x1000,
        };
        memcpy(header.e_ident, ident, EI_NIDENT);
        memcpy(file.bytes, &header, sizeof header);
        memcpy(file.bytes + sizeof header, &ph, sizeof ph);
    }
    return file;
}

/* A kernel as guest/kernel/ links one: code at 1 MiB, some bss. */
static struct elf_spec kernel_spec(int bits)
{
    return (struct elf_spec){ .bits = bits, .entry = MHV_KERNEL_LOAD_ADDR + 0x10,
                              .paddr = MHV_KERNEL_LOAD_ADDR, .file_size = 0x800, .mem_size = 0x3000 };
}

static int plan_elf(const struct elf_spec *spec, size_t ram_size, struct mhv_image_options options,
                    struct mhv_image_plan *plan, char *err)
{
    struct elf_file file = build_elf(spec);
    err[0] = '\0';
    int status = mhv_image_plan(file.bytes, file.size, ram_size, &options, plan, err, ERR_SIZE);
    free(file.bytes);
    return status;
}

/* ===== flat images ================================================================ */

START_TEST(test_flat_default_real_mode)
{
    struct mhv_image_plan plan;
    memset(&plan, 0x5A, sizeof plan);
    assert_flat_accepted(0x200, RAM_16M, flat_options(), &plan);
    ck_assert_int_eq(plan.is_elf, 0);
    ck_assert_int_eq(plan.mode, MHV_MODE_REAL);
    ck_assert_uint_eq(plan.entry, MHV_DEFAULT_LOAD_ADDR);
    ck_assert_uint_eq(plan.lowest, 0x1000);
    ck_assert_uint_eq(plan.highest, 0x1200);
    ck_assert_uint_eq(plan.usable_end, RAM_16M);   /* real mode: all of RAM */
}
END_TEST

START_TEST(test_flat_load_and_entry)
{
    struct mhv_image_plan plan;
    assert_flat_accepted(0x100, RAM_16M, with_entry(loaded_at(flat_options(), 0x7C00), 0x7C40), &plan);
    ck_assert_int_eq(plan.mode, MHV_MODE_REAL);
    ck_assert_uint_eq(plan.lowest, 0x7C00);
    ck_assert_uint_eq(plan.highest, 0x7D00);
    ck_assert_uint_eq(plan.entry, 0x7C40);
    /* --load alone: entered at the load address. */
    assert_flat_accepted(0x100, RAM_16M, loaded_at(flat_options(), 0x8000), &plan);
    ck_assert_uint_eq(plan.entry, 0x8000);
    /* At address 0. */
    assert_flat_accepted(1, RAM_16M, loaded_at(flat_options(), 0), &plan);
    ck_assert_uint_eq(plan.lowest, 0);
    ck_assert_uint_eq(plan.highest, 1);
}
END_TEST

START_TEST(test_flat_long_and_protected)
{
    struct mhv_image_plan plan;
    assert_flat_accepted(0x4000, RAM_16M, with_mode(flat_options(), MHV_MODE_LONG), &plan);
    ck_assert_int_eq(plan.is_elf, 0);
    ck_assert_int_eq(plan.mode, MHV_MODE_LONG);
    ck_assert_uint_eq(plan.entry, 0x1000);
    ck_assert_uint_eq(plan.lowest, 0x1000);
    ck_assert_uint_eq(plan.highest, 0x5000);
    ck_assert_uint_eq(plan.usable_end, MHV_RESERVED_BASE(RAM_16M));

    struct mhv_image_options options = with_entry(loaded_at(with_mode(flat_options(), MHV_MODE_PROTECTED),
                                                            0x200000), 0x3FFFF0);
    assert_flat_accepted(0x100, RAM_16M, options, &plan);
    ck_assert_int_eq(plan.mode, MHV_MODE_PROTECTED);
    ck_assert_uint_eq(plan.lowest, 0x200000);
    ck_assert_uint_eq(plan.highest, 0x200100);
    ck_assert_uint_eq(plan.entry, 0x3FFFF0);      /* anywhere in usable RAM */
    ck_assert_uint_eq(plan.usable_end, MHV_RESERVED_BASE(RAM_16M));

    /* --mode real said out loud is the default. */
    assert_flat_accepted(0x100, RAM_16M, with_mode(flat_options(), MHV_MODE_REAL), &plan);
    ck_assert_int_eq(plan.mode, MHV_MODE_REAL);
    ck_assert_uint_eq(plan.usable_end, RAM_16M);
}
END_TEST

START_TEST(test_flat_empty)
{
    assert_flat_refused(0, RAM_16M, flat_options(), (const char *const[]){ "the image is empty", NULL });
    assert_flat_refused(0, RAM_16M, with_mode(flat_options(), MHV_MODE_LONG),
                        (const char *const[]){ "the image is empty", NULL });
}
END_TEST

START_TEST(test_flat_does_not_fit_real)
{
    struct mhv_image_plan plan;
    /* Real mode may use RAM to its last byte (its segment rules aside). */
    struct mhv_image_options high = loaded_at(flat_options(), 0xF0000);
    size_t ram = 0x100000;
    assert_flat_accepted(0x10000, ram, high, &plan);
    ck_assert_uint_eq(plan.highest, ram);
    assert_flat_refused(0x10001, ram, high,
                        (const char *const[]){ "the image (65537 bytes at 0xf0000) does not fit in guest RAM "
                                               "below 0x100000 (1 MiB)",
                                               "--mem", "--load", NULL });
    /* The real-mode message does not talk of the reserved area. */
    char err[ERR_SIZE];
    ck_assert_int_eq(plan_flat(0x10001, ram, high, &plan, err), -1);
    ck_assert_ptr_null(strstr(err, "64 KiB"));
    /* Loaded past the end, or at it. */
    assert_flat_refused(1, RAM_16M, loaded_at(flat_options(), RAM_16M), (const char *const[]){ "does not fit", NULL });
    assert_flat_refused(1, RAM_16M, loaded_at(flat_options(), 32 * MIB), (const char *const[]){ "does not fit", NULL });
    assert_flat_refused(1, RAM_16M, loaded_at(flat_options(), UINT64_MAX),
                        (const char *const[]){ "does not fit", NULL });
    /* A size that would wrap the address space. */
    assert_flat_refused(SIZE_MAX, RAM_16M, flat_options(), (const char *const[]){ "does not fit", NULL });
}
END_TEST

START_TEST(test_flat_does_not_fit_protected_and_long)
{
    struct mhv_image_plan plan;
    uint64_t reserved = MHV_RESERVED_BASE(RAM_16M);
    enum mhv_mode modes[] = { MHV_MODE_PROTECTED, MHV_MODE_LONG };
    for (size_t i = 0; i < 2; i++) {
        struct mhv_image_options options = loaded_at(with_mode(flat_options(), modes[i]), reserved - 0x8000);
        /* Up to the reserved area: fits. */
        assert_flat_accepted(0x8000, RAM_16M, options, &plan);
        ck_assert_uint_eq(plan.highest, reserved);
        /* One byte into it: refused, and the message says why. */
        assert_flat_refused(0x8001, RAM_16M, options,
                            (const char *const[]){ "does not fit in guest RAM below 0xff0000",
                                                   "16 MiB, less the 64 KiB mhv keeps at the top", NULL });
        /* What fits in real mode may not fit here. */
        assert_flat_refused(0x10000, RAM_16M, options, (const char *const[]){ "64 KiB", NULL });
        /* Loaded inside the reserved area. */
        assert_flat_refused(1, RAM_16M, loaded_at(options, reserved), (const char *const[]){ "64 KiB", NULL });
        assert_flat_refused(1, RAM_16M, loaded_at(options, RAM_16M - 1), (const char *const[]){ "64 KiB", NULL });
    }
}
END_TEST

START_TEST(test_flat_real_mode_above_1_mib)
{
    struct mhv_image_plan plan;
    assert_flat_refused(0x100, RAM_16M, loaded_at(flat_options(), 0x100000),
                        (const char *const[]){ "real mode: the image at 0x100000 is above 1 MiB", NULL });
    assert_flat_refused(0x100, RAM_16M, loaded_at(flat_options(), 0x200000),
                        (const char *const[]){ "above 1 MiB", NULL });
    /* Just below 1 MiB is reachable. */
    assert_flat_accepted(0x10, RAM_16M, loaded_at(flat_options(), 0xFFFF0), &plan);
    ck_assert_uint_eq(plan.entry, 0xFFFF0);
    /* Protected and long mode have no such limit. */
    assert_flat_accepted(0x100, RAM_16M, loaded_at(with_mode(flat_options(), MHV_MODE_PROTECTED), 0x200000),
                         &plan);
}
END_TEST

START_TEST(test_flat_real_mode_entry_in_segment)
{
    struct mhv_image_plan plan;
    struct mhv_image_options options = flat_options();   /* CS = 0x100: 0x1000..0x10FFF */
    assert_flat_accepted(0x100, RAM_16M, with_entry(options, 0x10FFF), &plan);
    ck_assert_uint_eq(plan.entry, 0x10FFF);
    assert_flat_refused(0x100, RAM_16M, with_entry(options, 0x11000),
                        (const char *const[]){ "real mode: the entry 0x11000 is outside the code segment "
                                               "0x1000..0x10fff", NULL });
    assert_flat_refused(0x100, RAM_16M, with_entry(options, 0xFFF),
                        (const char *const[]){ "the entry 0xfff is outside the code segment", NULL });
    assert_flat_refused(0x100, RAM_16M, with_entry(options, 0),
                        (const char *const[]){ "outside the code segment", NULL });
    /* The segment starts at the load address rounded down to 16 bytes. */
    struct mhv_image_options odd = loaded_at(flat_options(), 0x7C05);
    assert_flat_accepted(0x100, RAM_16M, with_entry(odd, 0x7C00), &plan);
    assert_flat_refused(0x100, RAM_16M, with_entry(odd, 0x7BFF),
                        (const char *const[]){ "code segment 0x7c00..0x17bff", NULL });
    assert_flat_accepted(0x100, RAM_16M, with_entry(odd, 0x17BFF), &plan);
    /* Protected mode has no segment to stay in. */
    assert_flat_accepted(0x100, RAM_16M, with_entry(with_mode(options, MHV_MODE_PROTECTED), 0x800000), &plan);
}
END_TEST

START_TEST(test_flat_entry_outside_ram)
{
    struct mhv_image_plan plan;
    assert_flat_refused(0x100, RAM_16M, with_entry(flat_options(), RAM_16M),
                        (const char *const[]){ "the entry point 0x1000000 is outside guest RAM (below 0x1000000)",
                                               NULL });
    assert_flat_refused(0x100, RAM_16M, with_entry(flat_options(), UINT64_MAX),
                        (const char *const[]){ "outside guest RAM", NULL });
    /* In protected and long mode the reserved area is not for entering. */
    uint64_t reserved = MHV_RESERVED_BASE(RAM_16M);
    assert_flat_refused(0x100, RAM_16M, with_entry(with_mode(flat_options(), MHV_MODE_LONG), reserved),
                        (const char *const[]){ "the entry point 0xff0000 is outside guest RAM (below 0xff0000)",
                                               NULL });
    assert_flat_accepted(0x100, RAM_16M, with_entry(with_mode(flat_options(), MHV_MODE_LONG), reserved - 1),
                         &plan);
    assert_flat_refused(0x100, RAM_16M, with_entry(with_mode(flat_options(), MHV_MODE_PROTECTED), RAM_16M - 1),
                        (const char *const[]){ "outside guest RAM", NULL });
}
END_TEST

START_TEST(test_flat_protected_below_4_gib)
{
    /* Only reachable with more than 4 GiB of RAM: planning allocates
     * nothing, so the test can say 6 GiB. */
    size_t ram = (size_t)(6 * GIB);
    struct mhv_image_plan plan;
    struct mhv_image_options protected_mode = with_mode(flat_options(), MHV_MODE_PROTECTED);
    const char *const parts[] = { "protected mode: the image must lie below 4 GiB", NULL };
    assert_flat_refused(0x1000, ram, loaded_at(protected_mode, 5 * GIB), parts);
    assert_flat_refused(0x1000, ram, loaded_at(protected_mode, 4 * GIB - 0x800), parts);   /* straddles */
    assert_flat_refused(0x1000, ram, with_entry(protected_mode, 4 * GIB), parts);          /* entry only */
    /* Ending exactly at 4 GiB is fine. */
    assert_flat_accepted(0x1000, ram, loaded_at(protected_mode, 4 * GIB - 0x1000), &plan);
    ck_assert_uint_eq(plan.highest, 4 * GIB);
    assert_flat_accepted(0x1000, ram, with_entry(protected_mode, 4 * GIB - 1), &plan);
    /* Long mode may go there. */
    assert_flat_accepted(0x1000, ram, loaded_at(with_mode(flat_options(), MHV_MODE_LONG), 5 * GIB), &plan);
    ck_assert_uint_eq(plan.lowest, 5 * GIB);
}
END_TEST

START_TEST(test_ram_too_small)
{
    struct mhv_image_plan plan;
    assert_flat_refused(0x100, 2 * MHV_RESERVED_SIZE - 1, flat_options(),
                        (const char *const[]){ "guest RAM of 131071 bytes is too small", NULL });
    assert_flat_refused(0x100, 0, flat_options(), (const char *const[]){ "guest RAM of 0 bytes is too small", NULL });
    /* The size is checked first, even before an empty image. */
    assert_flat_refused(0, 4096, flat_options(), (const char *const[]){ "too small", NULL });
    /* 128 KiB is enough. */
    assert_flat_accepted(0x100, 2 * MHV_RESERVED_SIZE, with_mode(flat_options(), MHV_MODE_LONG), &plan);
    ck_assert_uint_eq(plan.usable_end, MHV_RESERVED_SIZE);
    char err[ERR_SIZE];
    struct elf_spec spec = kernel_spec(64);
    assert_message(plan_elf(&spec, 64 * KIB, flat_options(), &plan, err), err,
                   (const char *const[]){ "too small", NULL });
}
END_TEST

START_TEST(test_plan_is_reset)
{
    /* A refused plan leaves no half-filled fields from an earlier one. */
    struct mhv_image_plan plan;
    char err[ERR_SIZE];
    struct elf_spec spec = kernel_spec(64);
    ck_assert_int_eq(plan_elf(&spec, RAM_16M, flat_options(), &plan, err), 0);
    ck_assert_int_eq(plan.is_elf, 1);
    ck_assert_int_eq(plan_flat(0x100, RAM_16M, flat_options(), &plan, err), 0);
    ck_assert_int_eq(plan.is_elf, 0);
    ck_assert_int_eq(plan.mode, MHV_MODE_REAL);
}
END_TEST

/* ===== ELF images ================================================================= */

START_TEST(test_elf64_long_mode)
{
    struct mhv_image_plan plan;
    char err[ERR_SIZE];
    struct elf_spec spec = kernel_spec(64);
    ck_assert_msg(plan_elf(&spec, RAM_16M, flat_options(), &plan, err) == 0, "refused: %s", err);
    ck_assert_int_eq(plan.is_elf, 1);
    ck_assert_int_eq(plan.elf.bits, 64);
    ck_assert_int_eq(plan.mode, MHV_MODE_LONG);
    ck_assert_uint_eq(plan.entry, MHV_KERNEL_LOAD_ADDR + 0x10);
    ck_assert_uint_eq(plan.lowest, MHV_KERNEL_LOAD_ADDR);
    ck_assert_uint_eq(plan.highest, MHV_KERNEL_LOAD_ADDR + 0x3000);
    ck_assert_uint_eq(plan.usable_end, MHV_RESERVED_BASE(RAM_16M));
    ck_assert_uint_eq(plan.elf.segment_count, 1);
    ck_assert_uint_eq(plan.elf.segments[0].paddr, MHV_KERNEL_LOAD_ADDR);
    ck_assert_uint_eq(plan.elf.segments[0].file_offset, ELF_PAYLOAD_OFFSET);
    ck_assert_uint_eq(plan.elf.segments[0].file_size, 0x800);
    ck_assert_uint_eq(plan.elf.segments[0].mem_size, 0x3000);
    /* The load address of a flat image means nothing to an ELF. */
    ck_assert_int_eq(plan_elf(&spec, RAM_16M, loaded_at(flat_options(), 0x7C00), &plan, err), 0);
    ck_assert_uint_eq(plan.lowest, MHV_KERNEL_LOAD_ADDR);
}
END_TEST

START_TEST(test_elf32_protected_mode)
{
    struct mhv_image_plan plan;
    char err[ERR_SIZE];
    struct elf_spec spec = kernel_spec(32);
    ck_assert_msg(plan_elf(&spec, RAM_16M, flat_options(), &plan, err) == 0, "refused: %s", err);
    ck_assert_int_eq(plan.is_elf, 1);
    ck_assert_int_eq(plan.elf.bits, 32);
    ck_assert_int_eq(plan.mode, MHV_MODE_PROTECTED);
    ck_assert_uint_eq(plan.entry, MHV_KERNEL_LOAD_ADDR + 0x10);
    ck_assert_uint_eq(plan.lowest, MHV_KERNEL_LOAD_ADDR);
    ck_assert_uint_eq(plan.highest, MHV_KERNEL_LOAD_ADDR + 0x3000);
    ck_assert_uint_eq(plan.usable_end, MHV_RESERVED_BASE(RAM_16M));
}
END_TEST

START_TEST(test_elf_entry_given)
{
    struct mhv_image_plan plan;
    char err[ERR_SIZE];
    struct elf_spec spec = kernel_spec(64);
    ck_assert_int_eq(plan_elf(&spec, RAM_16M, with_entry(flat_options(), 0x100400), &plan, err), 0);
    ck_assert_uint_eq(plan.entry, 0x100400);
    ck_assert_uint_eq(plan.elf.entry, MHV_KERNEL_LOAD_ADDR + 0x10);   /* the file's, kept */
    /* Given, it is only checked against RAM. */
    assert_message(plan_elf(&spec, RAM_16M, with_entry(flat_options(), RAM_16M - 0x100), &plan, err), err,
                   (const char *const[]){ "the entry point 0xffff00 is outside guest RAM", NULL });
    spec = kernel_spec(32);
    ck_assert_int_eq(plan_elf(&spec, RAM_16M, with_entry(flat_options(), 0x5000), &plan, err), 0);
    ck_assert_uint_eq(plan.entry, 0x5000);
    ck_assert_int_eq(plan.mode, MHV_MODE_PROTECTED);
}
END_TEST

START_TEST(test_elf_mode_given)
{
    struct mhv_image_plan plan;
    char err[ERR_SIZE];
    struct elf_spec spec64 = kernel_spec(64), spec32 = kernel_spec(32);
    ck_assert_int_eq(plan_elf(&spec64, RAM_16M, with_mode(flat_options(), MHV_MODE_PROTECTED), &plan, err), 0);
    ck_assert_int_eq(plan.mode, MHV_MODE_PROTECTED);
    ck_assert_int_eq(plan.elf.bits, 64);
    ck_assert_int_eq(plan_elf(&spec32, RAM_16M, with_mode(flat_options(), MHV_MODE_LONG), &plan, err), 0);
    ck_assert_int_eq(plan.mode, MHV_MODE_LONG);
    ck_assert_int_eq(plan.elf.bits, 32);
    ck_assert_uint_eq(plan.usable_end, MHV_RESERVED_BASE(RAM_16M));
    /* Real mode: the real-mode rules apply to an ELF too. */
    assert_message(plan_elf(&spec32, RAM_16M, with_mode(flat_options(), MHV_MODE_REAL), &plan, err), err,
                   (const char *const[]){ "real mode: the image at 0x100000 is above 1 MiB", NULL });
    struct elf_spec low = { .bits = 32, .entry = 0x8000, .paddr = 0x8000, .file_size = 0x100, .mem_size = 0x100 };
    ck_assert_msg(plan_elf(&low, RAM_16M, with_mode(flat_options(), MHV_MODE_REAL), &plan, err) == 0,
                  "refused: %s", err);
    ck_assert_int_eq(plan.mode, MHV_MODE_REAL);
    ck_assert_uint_eq(plan.usable_end, RAM_16M);
    ck_assert_uint_eq(plan.entry, 0x8000);
}
END_TEST

START_TEST(test_elf_on_the_reserved_area)
{
    struct mhv_image_plan plan;
    char err[ERR_SIZE];
    size_t ram = 2 * MIB;
    uint64_t reserved = MHV_RESERVED_BASE(ram);
    /* Up to the reserved area: fits. */
    struct elf_spec spec = { .bits = 64, .entry = reserved - 0x1000, .paddr = reserved - 0x1000,
                             .file_size = 0x100, .mem_size = 0x1000 };
    ck_assert_msg(plan_elf(&spec, ram, flat_options(), &plan, err) == 0, "refused: %s", err);
    ck_assert_uint_eq(plan.highest, reserved);
    /* One byte of bss into it: refused, saying why. */
    spec.mem_size = 0x1001;
    assert_message(plan_elf(&spec, ram, flat_options(), &plan, err), err,
                   (const char *const[]){ "mhv keeps the top 64 KiB of RAM for its page tables and boot stack",
                                          NULL });
    spec.bits = 32;
    assert_message(plan_elf(&spec, ram, flat_options(), &plan, err), err, (const char *const[]){ "64 KiB", NULL });
    /* In the area altogether. */
    spec = (struct elf_spec){ .bits = 64, .entry = reserved + 0x100, .paddr = reserved + 0x100,
                              .file_size = 0x10, .mem_size = 0x10 };
    assert_message(plan_elf(&spec, ram, flat_options(), &plan, err), err, (const char *const[]){ "64 KiB", NULL });
    /* Past RAM altogether: the parser's own message, no word of the area. */
    spec.paddr = spec.entry = ram + 0x1000;
    ck_assert_int_eq(plan_elf(&spec, ram, flat_options(), &plan, err), -1);
    assert_one_line(err);
    ck_assert_ptr_null(strstr(err, "64 KiB"));
}
END_TEST

START_TEST(test_elf_real_mode_may_use_the_top)
{
    /* Real mode keeps no area: an ELF there may end at the last byte. */
    struct mhv_image_plan plan;
    char err[ERR_SIZE];
    size_t ram = 256 * KIB;
    uint64_t reserved = MHV_RESERVED_BASE(ram);
    struct elf_spec spec = { .bits = 32, .entry = reserved - 0x100, .paddr = reserved - 0x100,
                             .file_size = 0x100, .mem_size = 0x200 };
    ck_assert_msg(plan_elf(&spec, ram, with_mode(flat_options(), MHV_MODE_REAL), &plan, err) == 0,
                  "refused: %s", err);
    ck_assert_uint_eq(plan.highest, reserved + 0x100);
    assert_message(plan_elf(&spec, ram, flat_options(), &plan, err), err, (const char *const[]){ "64 KiB", NULL });
}
END_TEST

START_TEST(test_elf64_protected_above_4_gib)
{
    struct mhv_image_plan plan;
    char err[ERR_SIZE];
    size_t ram = (size_t)(6 * GIB);
    struct elf_spec spec = { .bits = 64, .entry = 5 * GIB, .paddr = 5 * GIB, .file_size = 0x100, .mem_size = 0x100 };
    ck_assert_int_eq(plan_elf(&spec, ram, flat_options(), &plan, err), 0);   /* long mode: fine */
    ck_assert_int_eq(plan.mode, MHV_MODE_LONG);
    assert_message(plan_elf(&spec, ram, with_mode(flat_options(), MHV_MODE_PROTECTED), &plan, err), err,
                   (const char *const[]){ "protected mode: the image must lie below 4 GiB", NULL });
}
END_TEST

START_TEST(test_elf_parse_errors_pass_through)
{
    struct mhv_image_plan plan;
    char err[ERR_SIZE];
    struct elf_spec spec = kernel_spec(64);
    spec.machine = EM_ARM;
    ck_assert_int_eq(plan_elf(&spec, RAM_16M, flat_options(), &plan, err), -1);
    assert_one_line(err);
    ck_assert_int_eq(plan.is_elf, 1);
    /* The magic alone makes it an ELF: a truncated header is not a flat binary. */
    static const uint8_t magic_only[] = { 0x7F, 'E', 'L', 'F', 2, 1, 1, 0 };
    struct mhv_image_options options = flat_options();
    ck_assert_int_eq(mhv_image_plan(magic_only, sizeof magic_only, RAM_16M, &options, &plan, err, ERR_SIZE), -1);
    assert_one_line(err);
    /* Not quite the magic: a flat binary. */
    static const uint8_t not_magic[] = { 0x7F, 'E', 'L', 'G', 2, 1, 1, 0 };
    ck_assert_int_eq(mhv_image_plan(not_magic, sizeof not_magic, RAM_16M, &options, &plan, err, ERR_SIZE), 0);
    ck_assert_int_eq(plan.is_elf, 0);
    ck_assert_uint_eq(plan.highest, 0x1000 + sizeof not_magic);
}
END_TEST

/* ===== boot structures ================================================================ */

#define BOOT_RAM ((size_t)(2 * MIB))

static uint8_t *new_ram(size_t size)
{
    uint8_t *ram = malloc(size);
    ck_assert_ptr_nonnull(ram);
    memset(ram, FILL, size);
    return ram;
}

static struct mhv_boot_info boot_info_in(const uint8_t *ram, size_t ram_size)
{
    struct mhv_boot_info info;
    memcpy(&info, ram + MHV_RESERVED_BASE(ram_size) + MHV_RESERVED_BOOT_INFO, sizeof info);
    return info;
}

static uint64_t get64(const uint8_t *ram, uint64_t addr)
{
    uint64_t value;
    memcpy(&value, ram + addr, 8);
    return value;
}

static size_t touched(const uint8_t *ram, uint64_t from, uint64_t to)
{
    size_t count = 0;
    for (uint64_t a = from; a < to; a++)
        count += ram[a] != FILL;
    return count;
}

static size_t nonzero(const uint8_t *ram, uint64_t from, uint64_t to)
{
    size_t count = 0;
    for (uint64_t a = from; a < to; a++)
        count += ram[a] != 0;
    return count;
}

static struct mhv_image_plan planned_flat(size_t size, size_t ram_size, enum mhv_mode mode)
{
    struct mhv_image_plan plan;
    assert_flat_accepted(size, ram_size, with_mode(flat_options(), mode), &plan);
    return plan;
}

static void assert_gdt(const uint8_t *ram, uint64_t reserved)
{
    uint64_t gdt = reserved + MHV_RESERVED_GDT;
    ck_assert_uint_eq(get64(ram, gdt), 0);
    ck_assert_uint_eq(get64(ram, gdt + MHV_GDT_CODE64), MHV_DESCRIPTOR_CODE64);
    ck_assert_uint_eq(get64(ram, gdt + MHV_GDT_DATA), MHV_DESCRIPTOR_DATA);
    ck_assert_uint_eq(get64(ram, gdt + MHV_GDT_CODE32), MHV_DESCRIPTOR_CODE32);
    ck_assert_uint_eq(nonzero(ram, gdt + 8 * MHV_GDT_ENTRIES, reserved + MHV_RESERVED_BOOT_INFO), 0);
}

START_TEST(test_boot_info_long_mode)
{
    uint8_t *ram = new_ram(BOOT_RAM);
    uint64_t reserved = MHV_RESERVED_BASE(BOOT_RAM);
    struct mhv_image_plan plan = planned_flat(0x1234, BOOT_RAM, MHV_MODE_LONG);   /* 0x1000..0x2234 */
    const char *cmdline = "console=ttyS0 hz=100 quiet";
    uint16_t limit = mhv_image_write_boot_structures(ram, BOOT_RAM, &plan, cmdline, 2899999);
    ck_assert_uint_eq(limit, 31);

    struct mhv_boot_info info = boot_info_in(ram, BOOT_RAM);
    ck_assert_uint_eq(info.magic, MHV_BOOT_MAGIC);
    ck_assert_mem_eq(&info.magic, "mhmvBOOT", 8);   /* as boot.h says */
    ck_assert_uint_eq(info.version, MHV_BOOT_VERSION);
    ck_assert_uint_eq(info.ram_size, BOOT_RAM);
    ck_assert_uint_eq(info.free_start, 0x3000);        /* the image's end, page-aligned */
    ck_assert_uint_eq(info.free_end, reserved);
    ck_assert_uint_eq(info.mmio_info_base, MHV_MMIO_INFO_BASE);
    ck_assert_uint_eq(info.tsc_khz, 2899999);
    ck_assert_uint_eq(info.cmdline_size, strlen(cmdline));
    /* The command line: in the boot info's page, after the struct, with its NUL. */
    uint64_t info_addr = reserved + MHV_RESERVED_BOOT_INFO;
    ck_assert_uint_ge(info.cmdline_addr, info_addr + sizeof info);
    ck_assert_uint_le(info.cmdline_addr + MHV_CMDLINE_MAX + 1, info_addr + 0x1000);
    ck_assert_str_eq((const char *)ram + info.cmdline_addr, cmdline);
    ck_assert_uint_eq(ram[info.cmdline_addr + strlen(cmdline)], 0);
    ck_assert_uint_eq(nonzero(ram, info.cmdline_addr + strlen(cmdline), info_addr + 0x1000), 0);

    assert_gdt(ram, reserved);

    /* The page tables: the identity map, walked from where CR3 will point. */
    uint64_t cr3 = reserved + MHV_RESERVED_PML4;
    static const uint64_t addresses[] = { 0, 0x1000, 0x2233, 0x100000, BOOT_RAM - 1, 1 * GIB + 77,
                                          MHV_MMIO_INFO_BASE, 4 * GIB - 1 };
    for (size_t i = 0; i < sizeof addresses / sizeof addresses[0]; i++) {
        uint64_t physical = 0;
        ck_assert_int_eq(mhv_paging_walk(ram, BOOT_RAM, cr3, addresses[i], &physical), 0);
        ck_assert_uint_eq(physical, addresses[i]);
    }
    uint64_t physical;
    ck_assert_int_eq(mhv_paging_walk(ram, BOOT_RAM, cr3, 4 * GIB, &physical), -1);
    ck_assert_uint_eq(get64(ram, cr3), (cr3 + 0x1000) | MHV_PAGE_PRESENT | MHV_PAGE_WRITABLE);

    /* The boot stack starts clean; nothing below the area was touched. */
    ck_assert_uint_eq(nonzero(ram, reserved + MHV_RESERVED_STACK, BOOT_RAM), 0);
    ck_assert_uint_eq(touched(ram, 0, reserved), 0);
    free(ram);
}
END_TEST

START_TEST(test_boot_info_protected_mode)
{
    uint8_t *ram = new_ram(BOOT_RAM);
    uint64_t reserved = MHV_RESERVED_BASE(BOOT_RAM);
    struct mhv_image_plan plan = planned_flat(0x3000, BOOT_RAM, MHV_MODE_PROTECTED);   /* ends at 0x4000 */
    ck_assert_uint_eq(mhv_image_write_boot_structures(ram, BOOT_RAM, &plan, NULL, 0), 31);

    struct mhv_boot_info info = boot_info_in(ram, BOOT_RAM);
    ck_assert_uint_eq(info.magic, MHV_BOOT_MAGIC);
    ck_assert_uint_eq(info.version, MHV_BOOT_VERSION);
    ck_assert_uint_eq(info.ram_size, BOOT_RAM);
    ck_assert_uint_eq(info.free_start, 0x4000);        /* already aligned */
    ck_assert_uint_eq(info.free_end, reserved);
    ck_assert_uint_eq(info.tsc_khz, 0);
    ck_assert_uint_eq(info.mmio_info_base, MHV_MMIO_INFO_BASE);
    /* No command line: "". */
    ck_assert_uint_eq(info.cmdline_size, 0);
    ck_assert_uint_gt(info.cmdline_addr, reserved + MHV_RESERVED_BOOT_INFO);
    ck_assert_uint_lt(info.cmdline_addr, reserved + MHV_RESERVED_BOOT_INFO + 0x1000);
    ck_assert_uint_eq(ram[info.cmdline_addr], 0);

    assert_gdt(ram, reserved);
    /* No page tables in protected mode: their pages are zero. */
    ck_assert_uint_eq(nonzero(ram, reserved + MHV_RESERVED_PML4, BOOT_RAM), 0);
    ck_assert_uint_eq(touched(ram, 0, reserved), 0);
    free(ram);
}
END_TEST

START_TEST(test_boot_structures_replace_old_contents)
{
    /* A second load over a used area: old tables and text are gone. */
    uint8_t *ram = new_ram(BOOT_RAM);
    uint64_t reserved = MHV_RESERVED_BASE(BOOT_RAM);
    struct mhv_image_plan long_plan = planned_flat(0x100, BOOT_RAM, MHV_MODE_LONG);
    mhv_image_write_boot_structures(ram, BOOT_RAM, &long_plan, "a much longer command line than the next", 1);
    struct mhv_image_plan protected_plan = planned_flat(0x100, BOOT_RAM, MHV_MODE_PROTECTED);
    mhv_image_write_boot_structures(ram, BOOT_RAM, &protected_plan, "short", 1);
    struct mhv_boot_info info = boot_info_in(ram, BOOT_RAM);
    ck_assert_str_eq((const char *)ram + info.cmdline_addr, "short");
    ck_assert_uint_eq(nonzero(ram, info.cmdline_addr + 5, reserved + MHV_RESERVED_BOOT_INFO + 0x1000), 0);
    ck_assert_uint_eq(nonzero(ram, reserved + MHV_RESERVED_PML4, BOOT_RAM), 0);
    ck_assert_uint_eq(touched(ram, 0, reserved), 0);
    free(ram);
}
END_TEST

START_TEST(test_boot_info_longest_cmdline)
{
    uint8_t *ram = new_ram(BOOT_RAM);
    uint64_t reserved = MHV_RESERVED_BASE(BOOT_RAM);
    struct mhv_image_plan plan = planned_flat(0x100, BOOT_RAM, MHV_MODE_LONG);
    char cmdline[MHV_CMDLINE_MAX + 500 + 1];
    for (size_t i = 0; i < sizeof cmdline - 1; i++)
        cmdline[i] = (char)('a' + i % 26);
    cmdline[sizeof cmdline - 1] = '\0';

    /* Exactly the most a guest gets. */
    cmdline[MHV_CMDLINE_MAX] = '\0';
    mhv_image_write_boot_structures(ram, BOOT_RAM, &plan, cmdline, 0);
    struct mhv_boot_info info = boot_info_in(ram, BOOT_RAM);
    ck_assert_uint_eq(info.cmdline_size, MHV_CMDLINE_MAX);
    ck_assert_str_eq((const char *)ram + info.cmdline_addr, cmdline);
    ck_assert_uint_le(info.cmdline_addr + MHV_CMDLINE_MAX + 1, reserved + MHV_RESERVED_PML4);

    /* Longer (mhv_image_load refuses it; this layer cuts it and stays in
     * its page, so the page tables survive). */
    cmdline[MHV_CMDLINE_MAX] = 'x';
    mhv_image_write_boot_structures(ram, BOOT_RAM, &plan, cmdline, 0);
    info = boot_info_in(ram, BOOT_RAM);
    ck_assert_uint_eq(info.cmdline_size, MHV_CMDLINE_MAX);
    ck_assert_uint_eq(strlen((const char *)ram + info.cmdline_addr), MHV_CMDLINE_MAX);
    ck_assert_mem_eq(ram + info.cmdline_addr, cmdline, MHV_CMDLINE_MAX);
    uint64_t physical;
    ck_assert_int_eq(mhv_paging_walk(ram, BOOT_RAM, reserved + MHV_RESERVED_PML4, 0x123456, &physical), 0);
    ck_assert_uint_eq(physical, 0x123456);
    ck_assert_uint_eq(touched(ram, 0, reserved), 0);
    free(ram);
}
END_TEST

START_TEST(test_boot_info_free_start)
{
    uint8_t *ram = new_ram(BOOT_RAM);
    uint64_t reserved = MHV_RESERVED_BASE(BOOT_RAM);
    /* An image that ends one byte past a page. */
    struct mhv_image_plan plan = planned_flat(0x1001, BOOT_RAM, MHV_MODE_LONG);
    mhv_image_write_boot_structures(ram, BOOT_RAM, &plan, "", 0);
    ck_assert_uint_eq(boot_info_in(ram, BOOT_RAM).free_start, 0x3000);
    /* One that fills RAM up to the area: nothing free. */
    struct mhv_image_options options = loaded_at(with_mode(flat_options(), MHV_MODE_PROTECTED), reserved - 0x10);
    char err[ERR_SIZE];
    ck_assert_int_eq(plan_flat(0x10, BOOT_RAM, options, &plan, err), 0);
    mhv_image_write_boot_structures(ram, BOOT_RAM, &plan, "", 0);
    struct mhv_boot_info info = boot_info_in(ram, BOOT_RAM);
    ck_assert_uint_eq(info.free_start, reserved);
    ck_assert_uint_eq(info.free_end, reserved);
    /* A plan whose image runs into the area (real mode may) is clamped:
     * free_start never passes free_end. */
    ck_assert_int_eq(plan_flat(0x100, BOOT_RAM, loaded_at(flat_options(), 0xFFF00), &plan, err), 0);
    plan.highest = BOOT_RAM;
    mhv_image_write_boot_structures(ram, BOOT_RAM, &plan, "", 0);
    info = boot_info_in(ram, BOOT_RAM);
    ck_assert_uint_eq(info.free_start, reserved);
    ck_assert_uint_eq(touched(ram, 0, reserved), 0);
    free(ram);
}
END_TEST

START_TEST(test_boot_info_for_an_elf)
{
    uint8_t *ram = new_ram(BOOT_RAM);
    uint64_t reserved = MHV_RESERVED_BASE(BOOT_RAM);
    struct mhv_image_plan plan;
    char err[ERR_SIZE];
    struct elf_spec spec = kernel_spec(64);        /* 0x100000 .. 0x103000 */
    spec.mem_size = 0x2801;
    ck_assert_int_eq(plan_elf(&spec, BOOT_RAM, flat_options(), &plan, err), 0);
    mhv_image_write_boot_structures(ram, BOOT_RAM, &plan, "k", 12345);
    struct mhv_boot_info info = boot_info_in(ram, BOOT_RAM);
    ck_assert_uint_eq(info.free_start, 0x103000);
    ck_assert_uint_eq(info.free_end, reserved);
    ck_assert_uint_eq(info.tsc_khz, 12345);
    ck_assert_str_eq((const char *)ram + info.cmdline_addr, "k");
    uint64_t physical;
    ck_assert_int_eq(mhv_paging_walk(ram, BOOT_RAM, reserved + MHV_RESERVED_PML4, 0x100010, &physical), 0);
    ck_assert_uint_eq(physical, 0x100010);
    ck_assert_uint_eq(touched(ram, 0, reserved), 0);

    /* The same kernel as ELF32: protected mode, no tables. */
    uint8_t *ram32 = new_ram(BOOT_RAM);
    spec.bits = 32;
    ck_assert_int_eq(plan_elf(&spec, BOOT_RAM, flat_options(), &plan, err), 0);
    mhv_image_write_boot_structures(ram32, BOOT_RAM, &plan, "k", 0);
    ck_assert_uint_eq(boot_info_in(ram32, BOOT_RAM).free_start, 0x103000);
    ck_assert_uint_eq(nonzero(ram32, reserved + MHV_RESERVED_PML4, BOOT_RAM), 0);
    ck_assert_uint_eq(touched(ram32, 0, reserved), 0);
    free(ram32);
    free(ram);
}
END_TEST

START_TEST(test_boot_structures_in_a_larger_ram)
{
    /* The area moves with the RAM size. */
    size_t ram_size = 3 * MIB + 0x10000;
    uint8_t *ram = new_ram(ram_size);
    uint64_t reserved = MHV_RESERVED_BASE(ram_size);
    ck_assert_uint_eq(reserved, 3 * MIB);
    struct mhv_image_plan plan = planned_flat(0x800, ram_size, MHV_MODE_LONG);
    mhv_image_write_boot_structures(ram, ram_size, &plan, "x", 0);
    struct mhv_boot_info info = boot_info_in(ram, ram_size);
    ck_assert_uint_eq(info.magic, MHV_BOOT_MAGIC);
    ck_assert_uint_eq(info.ram_size, ram_size);
    ck_assert_uint_eq(info.free_end, 3 * MIB);
    assert_gdt(ram, reserved);
    ck_assert_uint_eq(touched(ram, 0, reserved), 0);
    free(ram);
}
END_TEST

static Suite *image_suite(void)
{
    Suite *s = suite_create("mhv_image");
    TCase *tc = tcase_create("flat");
    tcase_add_test(tc, test_flat_default_real_mode);
    tcase_add_test(tc, test_flat_load_and_entry);
    tcase_add_test(tc, test_flat_long_and_protected);
    tcase_add_test(tc, test_flat_empty);
    tcase_add_test(tc, test_flat_does_not_fit_real);
    tcase_add_test(tc, test_flat_does_not_fit_protected_and_long);
    tcase_add_test(tc, test_flat_real_mode_above_1_mib);
    tcase_add_test(tc, test_flat_real_mode_entry_in_segment);
    tcase_add_test(tc, test_flat_entry_outside_ram);
    tcase_add_test(tc, test_flat_protected_below_4_gib);
    tcase_add_test(tc, test_ram_too_small);
    tcase_add_test(tc, test_plan_is_reset);
    suite_add_tcase(s, tc);
    tc = tcase_create("elf");
    tcase_add_test(tc, test_elf64_long_mode);
    tcase_add_test(tc, test_elf32_protected_mode);
    tcase_add_test(tc, test_elf_entry_given);
    tcase_add_test(tc, test_elf_mode_given);
    tcase_add_test(tc, test_elf_on_the_reserved_area);
    tcase_add_test(tc, test_elf_real_mode_may_use_the_top);
    tcase_add_test(tc, test_elf64_protected_above_4_gib);
    tcase_add_test(tc, test_elf_parse_errors_pass_through);
    suite_add_tcase(s, tc);
    tc = tcase_create("boot");
    tcase_add_test(tc, test_boot_info_long_mode);
    tcase_add_test(tc, test_boot_info_protected_mode);
    tcase_add_test(tc, test_boot_structures_replace_old_contents);
    tcase_add_test(tc, test_boot_info_longest_cmdline);
    tcase_add_test(tc, test_boot_info_free_start);
    tcase_add_test(tc, test_boot_info_for_an_elf);
    tcase_add_test(tc, test_boot_structures_in_a_larger_ram);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(image_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
