/*
 * test_mhv_elf.c -- the ELF loader of libmhv (elf_loader.h).
 *
 * The images are built here, in memory, by a small writer: an image_spec
 * (class, type, machine, entry, program headers) becomes the bytes of an
 * Elf32 or Elf64 file whose payload is a known pattern, so a test changes
 * one field of a good spec and checks the one message that change causes.
 * Two real files made by the system's assembler and linker are embedded as
 * bytes (no toolchain runs at test time).
 *
 *   accept      good 64- and 32-bit images parse (entry, segments, span)
 *               and load: file bytes copied, the rest of p_memsz zeroed,
 *               every other byte of RAM untouched; boundaries that must
 *               still be accepted.
 *   reject      every check of mhv_elf_parse: -1 and a message naming the
 *               field or program header and the numbers.
 *   load        mhv_elf_load checks again and writes nothing when it fails.
 *   robustness  truncation at every length, every single-bit flip of the
 *               headers and 10,000 random multi-byte flips (fixed seed):
 *               never a crash (run under ASan/UBSan in `make asan`), and
 *               whatever is accepted satisfies the header's invariants.
 */
#include <check.h>
#include <elf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf_loader.h"
#include "memlayout.h"

/* ===== the machine the images go into ===================================== */

#define TEST_RAM_SIZE (2u << 20)                         /* mhv's default 2 MiB */
#define TEST_RAM_END MHV_RESERVED_BASE(TEST_RAM_SIZE)    /* 0x1F0000: mhv's area above */
#define RAM_FILL 0xA5                                    /* what "untouched" RAM holds */
#define ERR_SIZE 256

/* ===== the image writer ====================================================== */

#define SPEC_MAX_HEADERS 24

struct header_spec {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz;
};

struct image_spec {
    int bits;                 /* 32 or 64: which structures to write */
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry;
    size_t file_size;         /* at least the headers; payload fills the rest */
    size_t header_count;
    struct header_spec headers[SPEC_MAX_HEADERS];
};

struct built_image {
    uint8_t *bytes;           /* malloc'd, exactly size bytes (ASan sees overreads) */
    size_t size;
};

/* The payload: every byte of the file not in a header is this. */
static uint8_t file_byte(size_t offset) { return (uint8_t)(offset * 131 + 17); }

static size_t header_size(int bits) { return bits == 64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr); }
static size_t phdr_size(int bits) { return bits == 64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr); }

/* Where the program header table ends: the writer puts it right after the
 * ELF header. */
static size_t table_end(const struct image_spec *spec)
{
    return header_size(spec->bits) + spec->header_count * phdr_size(spec->bits);
}

static struct built_image build(const struct image_spec *spec)
{
    size_t size = spec->file_size > table_end(spec) ? spec->file_size : table_end(spec);
    struct built_image image = { malloc(size), size };
    ck_assert_ptr_nonnull(image.bytes);
    for (size_t i = 0; i < size; i++)
        image.bytes[i] = file_byte(i);

    unsigned char ident[EI_NIDENT] = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3,
                                       spec->bits == 64 ? ELFCLASS64 : ELFCLASS32,
                                       ELFDATA2LSB, EV_CURRENT, ELFOSABI_SYSV };
    if (spec->bits == 64) {
        Elf64_Ehdr header = {
            .e_type = spec->type, .e_machine = spec->machine, .e_version = spec->version,
            .e_entry = spec->entry, .e_phoff = sizeof(Elf64_Ehdr),
            .e_ehsize = sizeof(Elf64_Ehdr), .e_phentsize = sizeof(Elf64_Phdr),
            .e_phnum = (uint16_t)spec->header_count,
        };
        memcpy(header.e_ident, ident, EI_NIDENT);
        memcpy(image.bytes, &header, sizeof header);
        for (size_t i = 0; i < spec->header_count; i++) {
            const struct header_spec *h = &spec->headers[i];
            Elf64_Phdr ph = { .p_type = h->type, .p_flags = h->flags, .p_offset = h->offset,
                              .p_vaddr = h->vaddr, .p_paddr = h->paddr,
                              .p_filesz = h->filesz, .p_memsz = h->memsz, .p_align = 0x10 };
            memcpy(image.bytes + sizeof header + i * sizeof ph, &ph, sizeof ph);
        }
    } else {
        Elf32_Ehdr header = {
            .e_type = spec->type, .e_machine = spec->machine, .e_version = spec->version,
            .e_entry = (Elf32_Addr)spec->entry, .e_phoff = sizeof(Elf32_Ehdr),
            .e_ehsize = sizeof(Elf32_Ehdr), .e_phentsize = sizeof(Elf32_Phdr),
            .e_phnum = (uint16_t)spec->header_count,
        };
        memcpy(header.e_ident, ident, EI_NIDENT);
        memcpy(image.bytes, &header, sizeof header);
        for (size_t i = 0; i < spec->header_count; i++) {
            const struct header_spec *h = &spec->headers[i];
            Elf32_Phdr ph = { .p_type = h->type, .p_flags = h->flags,
                              .p_offset = (Elf32_Off)h->offset, .p_vaddr = (Elf32_Addr)h->vaddr,
                              .p_paddr = (Elf32_Addr)h->paddr, .p_filesz = (Elf32_Word)h->filesz,
                              .p_memsz = (Elf32_Word)h->memsz, .p_align = 0x10 };
            memcpy(image.bytes + sizeof header + i * sizeof ph, &ph, sizeof ph);
        }
    }
    return image;
}

static void free_image(struct built_image *image)
{
    free(image->bytes);
    image->bytes = NULL;
}

/* Where the good images put things. */
#define CODE_ADDR 0x100000u
#define CODE_OFFSET 0x200u
#define CODE_SIZE 0x100u
#define DATA_ADDR 0x101000u
#define DATA_OFFSET 0x320u
#define DATA_FILE_SIZE 0x80u
#define DATA_MEM_SIZE 0x1000u   /* the rest, 0xF80 bytes, is bss */
#define NOTE_OFFSET 0x300u
#define GOOD_ENTRY 0x100010u
#define GOOD_FILE_SIZE (DATA_OFFSET + DATA_FILE_SIZE)   /* data ends the file */
#define CODE_HEADER 0  /* program header indexes in the good images */
#define DATA_HEADER 3

static struct header_spec load_header(uint32_t flags, uint64_t offset, uint64_t addr,
                                      uint64_t filesz, uint64_t memsz)
{
    return (struct header_spec){ PT_LOAD, flags, offset, addr, addr, filesz, memsz };
}

/* A little kernel as a linker would lay it out: code, the stack note that
 * is not PT_LOAD, a note placed *on top of* the code (only PT_LOAD counts),
 * then data + bss.  The data's bytes end the file, so cutting the file
 * anywhere cuts something the loader needs. */
static struct image_spec good_spec(int bits)
{
    struct image_spec spec = {
        .bits = bits, .type = ET_EXEC, .machine = bits == 64 ? EM_X86_64 : EM_386,
        .version = EV_CURRENT, .entry = GOOD_ENTRY, .file_size = GOOD_FILE_SIZE,
        .header_count = 4,
    };
    spec.headers[CODE_HEADER] = load_header(PF_R | PF_X, CODE_OFFSET, CODE_ADDR, CODE_SIZE, CODE_SIZE);
    spec.headers[1] = (struct header_spec){ .type = PT_GNU_STACK, .flags = PF_R | PF_W };
    spec.headers[2] = (struct header_spec){ PT_NOTE, PF_R, NOTE_OFFSET, CODE_ADDR, CODE_ADDR, 0x20, 0x20 };
    spec.headers[DATA_HEADER] = load_header(PF_R | PF_W, DATA_OFFSET, DATA_ADDR, DATA_FILE_SIZE, DATA_MEM_SIZE);
    return spec;
}

/* ===== poking fields of a built file =========================================== */

static void poke(struct built_image *image, size_t offset, uint64_t value, size_t width)
{
    ck_assert_uint_le(offset + width, image->size);
    memcpy(image->bytes + offset, &value, width); /* little-endian host, like the file */
}

/* The e_* fields that differ in place between the classes. */
static size_t phoff_at(int bits) { return bits == 64 ? offsetof(Elf64_Ehdr, e_phoff) : offsetof(Elf32_Ehdr, e_phoff); }
static size_t phoff_width(int bits) { return bits == 64 ? 8 : 4; }
static size_t phentsize_at(int bits) { return bits == 64 ? offsetof(Elf64_Ehdr, e_phentsize) : offsetof(Elf32_Ehdr, e_phentsize); }
static size_t phnum_at(int bits) { return bits == 64 ? offsetof(Elf64_Ehdr, e_phnum) : offsetof(Elf32_Ehdr, e_phnum); }

/* ===== parsing and checking ======================================================= */

static int parse(const struct built_image *image, struct mhv_elf_image *out, char *err)
{
    return mhv_elf_parse(image->bytes, image->size, 0, TEST_RAM_END, out, err, ERR_SIZE);
}

static void assert_one_line(const char *err)
{
    ck_assert_msg(strlen(err) > 10, "message too short: '%s'", err);
    ck_assert_msg(strchr(err, '\n') == NULL, "message is not one line: '%s'", err);
}

static void assert_bytes_rejected(const uint8_t *bytes, size_t size, const char *expected_part)
{
    struct mhv_elf_image image;
    char err[ERR_SIZE] = "";
    ck_assert_int_eq(mhv_elf_parse(bytes, size, 0, TEST_RAM_END, &image, err, sizeof err), -1);
    assert_one_line(err);
    ck_assert_msg(strstr(err, expected_part), "message '%s' should contain '%s'", err, expected_part);
}

static void assert_image_rejected(const struct built_image *image, const char *expected_part)
{
    assert_bytes_rejected(image->bytes, image->size, expected_part);
}

static void assert_spec_rejected(const struct image_spec *spec, const char *expected_part)
{
    struct built_image image = build(spec);
    assert_image_rejected(&image, expected_part);
    free_image(&image);
}

static void assert_spec_accepted(const struct image_spec *spec, struct mhv_elf_image *out)
{
    struct built_image image = build(spec);
    char err[ERR_SIZE] = "";
    ck_assert_msg(parse(&image, out, err) == 0, "rejected: %s", err);
    free_image(&image);
}

/* Everything elf_loader.h promises of a parsed image. */
static void assert_image_invariants(const struct mhv_elf_image *image, size_t file_size,
                                    uint64_t ram_start, uint64_t ram_end)
{
    ck_assert(image->bits == 32 || image->bits == 64);
    ck_assert_uint_ge(image->segment_count, 1);
    ck_assert_uint_le(image->segment_count, MHV_ELF_MAX_SEGMENTS);
    uint64_t lowest = UINT64_MAX, highest = 0;
    bool entry_in_code = false;
    for (size_t i = 0; i < image->segment_count; i++) {
        const struct mhv_elf_segment *s = &image->segments[i];
        ck_assert_uint_gt(s->mem_size, 0);
        ck_assert_uint_le(s->file_size, s->mem_size);
        if (s->file_size > 0) {
            ck_assert_uint_le(s->file_offset, file_size);
            ck_assert_uint_le(s->file_size, file_size - s->file_offset);
        }
        ck_assert_uint_ge(s->paddr, ram_start);
        ck_assert_uint_le(s->paddr, ram_end);
        ck_assert_uint_le(s->mem_size, ram_end - s->paddr);
        uint64_t end = s->paddr + s->mem_size;
        if (image->bits == 32)
            ck_assert_uint_le(end, 0x100000000ull);
        for (size_t j = 0; j < i; j++) {
            const struct mhv_elf_segment *t = &image->segments[j];
            ck_assert_msg(end <= t->paddr || t->paddr + t->mem_size <= s->paddr,
                          "segments %zu and %zu overlap", j, i);
            ck_assert_uint_gt(s->header_index, t->header_index); /* file order */
        }
        if (s->paddr < lowest)
            lowest = s->paddr;
        if (end > highest)
            highest = end;
        if ((s->flags & PF_X) && image->entry >= s->paddr && image->entry < end)
            entry_in_code = true;
    }
    ck_assert_uint_eq(image->lowest, lowest);
    ck_assert_uint_eq(image->highest, highest);
    ck_assert_msg(entry_in_code, "entry 0x%llx is not in an executable segment",
                  (unsigned long long)image->entry);
}

static uint8_t *new_ram(size_t size)
{
    uint8_t *ram = malloc(size);
    ck_assert_ptr_nonnull(ram);
    memset(ram, RAM_FILL, size);
    return ram;
}

/* How many bytes of ram[from, to) are not RAM_FILL. */
static size_t touched_bytes(const uint8_t *ram, uint64_t from, uint64_t to)
{
    size_t count = 0;
    for (uint64_t a = from; a < to; a++)
        count += ram[a] != RAM_FILL;
    return count;
}

/* The good image as loaded: code and data bytes from the file, zeros for
 * the bss, and nothing else of RAM written. */
static void assert_good_image_in_ram(const uint8_t *ram, const uint8_t *file)
{
    ck_assert_int_eq(memcmp(ram + CODE_ADDR, file + CODE_OFFSET, CODE_SIZE), 0);
    ck_assert_int_eq(memcmp(ram + DATA_ADDR, file + DATA_OFFSET, DATA_FILE_SIZE), 0);
    for (uint64_t a = DATA_ADDR + DATA_FILE_SIZE; a < DATA_ADDR + DATA_MEM_SIZE; a++)
        ck_assert_msg(ram[a] == 0, "bss byte at 0x%llx is 0x%02x", (unsigned long long)a, ram[a]);
    ck_assert_uint_eq(touched_bytes(ram, 0, CODE_ADDR), 0);
    ck_assert_uint_eq(touched_bytes(ram, CODE_ADDR + CODE_SIZE, DATA_ADDR), 0);
    ck_assert_uint_eq(touched_bytes(ram, DATA_ADDR + DATA_MEM_SIZE, TEST_RAM_SIZE), 0);
}

/* ===== real toolchain output ====================================================== */

/*
 * Made once by the system toolchain (gcc 12, GNU ld 2.40) and kept as
 * bytes, so no toolchain runs at test time.  The source, for 64 bits:
 *
 *         .text
 *         .globl _start
 *     _start: movq value(%rip), %rax      (32 bits: movl value, %eax)
 *         movq %rax, buffer(%rip)         (         movl %eax, buffer)
 *         movb $42, %al
 *         outb %al, $0xf4
 *         hlt
 *         .data
 *     value: .quad 0x1122334455667788     (         .long 0x11223344)
 *         .bss
 *     buffer: .skip 256
 *
 * linked by this script with `ld -m elf_x86_64 (elf_i386) -n -T tiny.ld
 * --build-id=none -e _start`, then stripped:
 *
 *     PHDRS { code PT_LOAD FLAGS(5); data PT_LOAD FLAGS(6); stack PT_GNU_STACK FLAGS(6); }
 *     SECTIONS {
 *         . = 0x100000;
 *         .text : { *(.text) } :code
 *         . = ALIGN(16);
 *         .data : { *(.data) } :data
 *         .bss : { *(.bss) } :data
 *         /DISCARD/ : { *(.note*) *(.comment) }
 *     }
 *
 * readelf -l: 64-bit  LOAD off 0xe8 at 0x100000 filesz 0x13 memsz 0x13  R E
 *                     LOAD off 0xfb at 0x100020 filesz 0x8  memsz 0x108 RW
 *             32-bit  LOAD off 0x94 at 0x100000 filesz 0xf  memsz 0xf   R E
 *                     LOAD off 0xa3 at 0x100010 filesz 0x4  memsz 0x104 RW
 * and a GNU_STACK; section headers follow the segments' bytes.
 */
static const uint8_t toolchain_elf64[608] = {
    0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x3e, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x20, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x38, 0x00, 0x03, 0x00, 0x40, 0x00,
    0x05, 0x00, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,
    0xe8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x13, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x13, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0xfb, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x20, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x08, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x51, 0xe5, 0x74, 0x64,
    0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x48, 0x8b, 0x05, 0x19, 0x00, 0x00, 0x00, 0x48,
    0x89, 0x05, 0x1a, 0x00, 0x00, 0x00, 0xb0, 0x2a, 0xe6, 0xf4, 0xf4, 0x88,
    0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x00, 0x2e, 0x73, 0x68, 0x73,
    0x74, 0x72, 0x74, 0x61, 0x62, 0x00, 0x2e, 0x74, 0x65, 0x78, 0x74, 0x00,
    0x2e, 0x64, 0x61, 0x74, 0x61, 0x00, 0x2e, 0x62, 0x73, 0x73, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x0b, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00,
    0x00, 0x00, 0x00, 0x00, 0xe8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x13, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x11, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x20, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfb, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x17, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x28, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x03, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x03, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x1c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t toolchain_elf32[396] = {
    0x7f, 0x45, 0x4c, 0x46, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x10, 0x00, 0x34, 0x00, 0x00, 0x00, 0xc4, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x34, 0x00, 0x20, 0x00, 0x03, 0x00, 0x28, 0x00,
    0x05, 0x00, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00, 0x94, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x10, 0x00, 0x0f, 0x00, 0x00, 0x00,
    0x0f, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0xa3, 0x00, 0x00, 0x00, 0x10, 0x00, 0x10, 0x00,
    0x10, 0x00, 0x10, 0x00, 0x04, 0x00, 0x00, 0x00, 0x04, 0x01, 0x00, 0x00,
    0x06, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x51, 0xe5, 0x74, 0x64,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00,
    0x04, 0x00, 0x00, 0x00, 0xa1, 0x10, 0x00, 0x10, 0x00, 0xa3, 0x14, 0x00,
    0x10, 0x00, 0xb0, 0x2a, 0xe6, 0xf4, 0xf4, 0x44, 0x33, 0x22, 0x11, 0x00,
    0x2e, 0x73, 0x68, 0x73, 0x74, 0x72, 0x74, 0x61, 0x62, 0x00, 0x2e, 0x74,
    0x65, 0x78, 0x74, 0x00, 0x2e, 0x64, 0x61, 0x74, 0x61, 0x00, 0x2e, 0x62,
    0x73, 0x73, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00,
    0x94, 0x00, 0x00, 0x00, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x11, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
    0x10, 0x00, 0x10, 0x00, 0xa3, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00,
    0x03, 0x00, 0x00, 0x00, 0x14, 0x00, 0x10, 0x00, 0xa7, 0x00, 0x00, 0x00,
    0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xa7, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* ===== accept ===================================================================== */

START_TEST(test_is_elf)
{
    struct image_spec spec = good_spec(64);
    struct built_image image = build(&spec);
    ck_assert(mhv_elf_is_elf(image.bytes, image.size));
    ck_assert(mhv_elf_is_elf("\177ELF", 4));
    ck_assert(!mhv_elf_is_elf("\177EL", 3));          /* too short to tell */
    ck_assert(!mhv_elf_is_elf(NULL, 0));
    ck_assert(!mhv_elf_is_elf("\xEB\xFE\x90\x90", 4)); /* a flat binary: jmp $ */
    ck_assert(!mhv_elf_is_elf("\177elf", 4));
    free_image(&image);
}
END_TEST

START_TEST(test_good_64_bit_image_parses)
{
    struct image_spec spec = good_spec(64);
    struct built_image image = build(&spec);
    ck_assert_uint_eq(image.size, GOOD_FILE_SIZE);
    struct mhv_elf_image parsed;
    char err[ERR_SIZE] = "";
    ck_assert_msg(parse(&image, &parsed, err) == 0, "rejected: %s", err);

    ck_assert_int_eq(parsed.bits, 64);
    ck_assert_uint_eq(parsed.entry, GOOD_ENTRY);
    ck_assert_uint_eq(parsed.segment_count, 2); /* the GNU_STACK and the note are not loaded */
    const struct mhv_elf_segment *code = &parsed.segments[0], *data = &parsed.segments[1];
    ck_assert_uint_eq(code->paddr, CODE_ADDR);
    ck_assert_uint_eq(code->file_offset, CODE_OFFSET);
    ck_assert_uint_eq(code->file_size, CODE_SIZE);
    ck_assert_uint_eq(code->mem_size, CODE_SIZE);
    ck_assert_uint_eq(code->flags, PF_R | PF_X);
    ck_assert_uint_eq(code->header_index, CODE_HEADER);
    ck_assert_uint_eq(data->paddr, DATA_ADDR);
    ck_assert_uint_eq(data->file_offset, DATA_OFFSET);
    ck_assert_uint_eq(data->file_size, DATA_FILE_SIZE);
    ck_assert_uint_eq(data->mem_size, DATA_MEM_SIZE);
    ck_assert_uint_eq(data->flags, PF_R | PF_W);
    ck_assert_uint_eq(data->header_index, DATA_HEADER);
    ck_assert_uint_eq(parsed.lowest, CODE_ADDR);
    ck_assert_uint_eq(parsed.highest, DATA_ADDR + DATA_MEM_SIZE);
    assert_image_invariants(&parsed, image.size, 0, TEST_RAM_END);
    free_image(&image);
}
END_TEST

START_TEST(test_good_64_bit_image_loads)
{
    struct image_spec spec = good_spec(64);
    struct built_image image = build(&spec);
    struct mhv_elf_image parsed;
    char err[ERR_SIZE] = "";
    ck_assert_int_eq(parse(&image, &parsed, err), 0);

    uint8_t *ram = new_ram(TEST_RAM_SIZE);
    ck_assert_msg(mhv_elf_load(&parsed, image.bytes, image.size, ram, TEST_RAM_SIZE, err, sizeof err) == 0,
                  "load failed: %s", err);
    assert_good_image_in_ram(ram, image.bytes);
    /* The exact pattern, not only "what the file holds". */
    ck_assert_uint_eq(ram[CODE_ADDR], file_byte(CODE_OFFSET));
    ck_assert_uint_eq(ram[DATA_ADDR + DATA_FILE_SIZE - 1], file_byte(DATA_OFFSET + DATA_FILE_SIZE - 1));
    free(ram);
    free_image(&image);
}
END_TEST

START_TEST(test_good_32_bit_image_parses_and_loads)
{
    struct image_spec spec = good_spec(32);
    struct built_image image = build(&spec);
    ck_assert_uint_eq(image.size, GOOD_FILE_SIZE);
    struct mhv_elf_image parsed;
    char err[ERR_SIZE] = "";
    ck_assert_msg(parse(&image, &parsed, err) == 0, "rejected: %s", err);
    ck_assert_int_eq(parsed.bits, 32);
    ck_assert_uint_eq(parsed.entry, GOOD_ENTRY);
    ck_assert_uint_eq(parsed.segment_count, 2);
    ck_assert_uint_eq(parsed.segments[0].paddr, CODE_ADDR);
    ck_assert_uint_eq(parsed.segments[1].paddr, DATA_ADDR);
    ck_assert_uint_eq(parsed.segments[1].file_size, DATA_FILE_SIZE);
    ck_assert_uint_eq(parsed.segments[1].mem_size, DATA_MEM_SIZE);
    ck_assert_uint_eq(parsed.segments[1].header_index, DATA_HEADER);
    ck_assert_uint_eq(parsed.lowest, CODE_ADDR);
    ck_assert_uint_eq(parsed.highest, DATA_ADDR + DATA_MEM_SIZE);
    assert_image_invariants(&parsed, image.size, 0, TEST_RAM_END);

    uint8_t *ram = new_ram(TEST_RAM_SIZE);
    ck_assert_int_eq(mhv_elf_load(&parsed, image.bytes, image.size, ram, TEST_RAM_SIZE, err, sizeof err), 0);
    assert_good_image_in_ram(ram, image.bytes);
    free(ram);
    free_image(&image);
}
END_TEST

/* The file buffer may sit at any address: parse and load from an odd one
 * (UBSan reports any misaligned read). */
START_TEST(test_unaligned_file_buffer)
{
    for (int bits = 32; bits <= 64; bits += 32) {
        struct image_spec spec = good_spec(bits);
        struct built_image image = build(&spec);
        uint8_t *storage = malloc(image.size + 1);
        ck_assert_ptr_nonnull(storage);
        uint8_t *odd = storage + 1;
        memcpy(odd, image.bytes, image.size);

        struct mhv_elf_image parsed;
        char err[ERR_SIZE] = "";
        ck_assert_msg(mhv_elf_parse(odd, image.size, 0, TEST_RAM_END, &parsed, err, sizeof err) == 0,
                      "rejected: %s", err);
        ck_assert_uint_eq(parsed.segment_count, 2);
        uint8_t *ram = new_ram(TEST_RAM_SIZE);
        ck_assert_int_eq(mhv_elf_load(&parsed, odd, image.size, ram, TEST_RAM_SIZE, err, sizeof err), 0);
        assert_good_image_in_ram(ram, odd);
        free(ram);
        free(storage);
        free_image(&image);
    }
}
END_TEST

static void check_toolchain_image(const uint8_t *bytes, size_t size, int bits, uint64_t data_addr,
                                  uint64_t code_size, uint64_t data_file_size, uint64_t data_value)
{
    ck_assert(mhv_elf_is_elf(bytes, size));
    struct mhv_elf_image parsed;
    char err[ERR_SIZE] = "";
    ck_assert_msg(mhv_elf_parse(bytes, size, 0, TEST_RAM_END, &parsed, err, sizeof err) == 0,
                  "rejected: %s", err);
    ck_assert_int_eq(parsed.bits, bits);
    ck_assert_uint_eq(parsed.entry, 0x100000);
    ck_assert_uint_eq(parsed.segment_count, 2);
    ck_assert_uint_eq(parsed.segments[0].paddr, 0x100000);
    ck_assert_uint_eq(parsed.segments[0].mem_size, code_size);
    ck_assert_uint_eq(parsed.segments[0].flags, PF_R | PF_X);
    ck_assert_uint_eq(parsed.segments[1].paddr, data_addr);
    ck_assert_uint_eq(parsed.segments[1].file_size, data_file_size);
    ck_assert_uint_eq(parsed.segments[1].mem_size, data_file_size + 256);
    ck_assert_uint_eq(parsed.segments[1].flags, PF_R | PF_W);
    ck_assert_uint_eq(parsed.lowest, 0x100000);
    ck_assert_uint_eq(parsed.highest, data_addr + data_file_size + 256);
    assert_image_invariants(&parsed, size, 0, TEST_RAM_END);

    uint8_t *ram = new_ram(TEST_RAM_SIZE);
    ck_assert_int_eq(mhv_elf_load(&parsed, bytes, size, ram, TEST_RAM_SIZE, err, sizeof err), 0);
    ck_assert_uint_eq(ram[0x100000 + code_size - 1], 0xF4);   /* the hlt */
    uint64_t value = 0;
    memcpy(&value, ram + data_addr, data_file_size);
    ck_assert_uint_eq(value, data_value);
    for (uint64_t a = data_addr + data_file_size; a < data_addr + data_file_size + 256; a++)
        ck_assert_uint_eq(ram[a], 0);                         /* buffer: bss */
    ck_assert_uint_eq(touched_bytes(ram, 0, 0x100000), 0);
    ck_assert_uint_eq(touched_bytes(ram, 0x100000 + code_size, data_addr), 0);
    ck_assert_uint_eq(touched_bytes(ram, data_addr + data_file_size + 256, TEST_RAM_SIZE), 0);
    free(ram);
}

START_TEST(test_toolchain_64_bit_image)
{
    check_toolchain_image(toolchain_elf64, sizeof toolchain_elf64, 64, 0x100020, 0x13, 8,
                          0x1122334455667788ull);
}
END_TEST

START_TEST(test_toolchain_32_bit_image)
{
    check_toolchain_image(toolchain_elf32, sizeof toolchain_elf32, 32, 0x100010, 0xf, 4, 0x11223344);
}
END_TEST

/* A PT_LOAD with p_memsz 0 occupies nothing: skipped, wherever it points. */
START_TEST(test_empty_load_segment_is_skipped)
{
    struct image_spec spec = good_spec(64);
    spec.headers[spec.header_count++] =
        (struct header_spec){ PT_LOAD, PF_R, 0xFFFFFFFFFFFF0000ull, 0x7000000000ull, 0xFFFFFFFFFFFFFF00ull, 0, 0 };
    struct mhv_elf_image parsed;
    assert_spec_accepted(&spec, &parsed);
    ck_assert_uint_eq(parsed.segment_count, 2);
    ck_assert_uint_eq(parsed.highest, DATA_ADDR + DATA_MEM_SIZE);
}
END_TEST

/* A segment of only bss (p_filesz 0) needs no file bytes: its p_offset is
 * not looked at, and loading it only writes zeros. */
START_TEST(test_bss_only_segment)
{
    struct image_spec spec = good_spec(64);
    spec.headers[spec.header_count++] = load_header(PF_R | PF_W, 0xFFFFFFFFull, 0x180000, 0, 0x2000);
    struct built_image image = build(&spec);
    struct mhv_elf_image parsed;
    char err[ERR_SIZE] = "";
    ck_assert_msg(parse(&image, &parsed, err) == 0, "rejected: %s", err);
    ck_assert_uint_eq(parsed.segment_count, 3);
    ck_assert_uint_eq(parsed.highest, 0x182000);

    uint8_t *ram = new_ram(TEST_RAM_SIZE);
    ck_assert_int_eq(mhv_elf_load(&parsed, image.bytes, image.size, ram, TEST_RAM_SIZE, err, sizeof err), 0);
    for (uint64_t a = 0x180000; a < 0x182000; a++)
        ck_assert_uint_eq(ram[a], 0);
    ck_assert_uint_eq(ram[0x17FFFF], RAM_FILL);
    ck_assert_uint_eq(ram[0x182000], RAM_FILL);
    free(ram);
    free_image(&image);
}
END_TEST

/* Ranges are half-open: a segment may end exactly at ram_end and start
 * exactly at ram_start; two segments may touch. */
START_TEST(test_boundaries_that_fit)
{
    struct image_spec spec = good_spec(64);
    struct mhv_elf_image parsed;

    spec.headers[DATA_HEADER] = load_header(PF_R | PF_W, DATA_OFFSET, TEST_RAM_END - DATA_MEM_SIZE,
                                            DATA_FILE_SIZE, DATA_MEM_SIZE);
    assert_spec_accepted(&spec, &parsed);
    ck_assert_uint_eq(parsed.highest, TEST_RAM_END);

    struct built_image image = build(&spec);
    char err[ERR_SIZE] = "";
    ck_assert_msg(mhv_elf_parse(image.bytes, image.size, CODE_ADDR, TEST_RAM_END, &parsed, err, sizeof err) == 0,
                  "rejected: %s", err);
    free_image(&image);

    spec = good_spec(64);
    spec.headers[DATA_HEADER].paddr = spec.headers[DATA_HEADER].vaddr = CODE_ADDR + CODE_SIZE;
    assert_spec_accepted(&spec, &parsed);
    ck_assert_uint_eq(parsed.highest, CODE_ADDR + CODE_SIZE + DATA_MEM_SIZE);

    spec = good_spec(64);
    spec.entry = CODE_ADDR + CODE_SIZE - 1;   /* the last byte of code */
    assert_spec_accepted(&spec, &parsed);
    spec.entry = CODE_ADDR;
    assert_spec_accepted(&spec, &parsed);
}
END_TEST

START_TEST(test_sixteen_load_segments_fit)
{
    struct image_spec spec = good_spec(64);
    spec.header_count = 0;
    for (unsigned i = 0; i < MHV_ELF_MAX_SEGMENTS; i++)
        spec.headers[spec.header_count++] = load_header(PF_R | PF_X, CODE_OFFSET, CODE_ADDR + i * 0x1000, 0x10, 0x20);
    spec.entry = CODE_ADDR;
    struct mhv_elf_image parsed;
    assert_spec_accepted(&spec, &parsed);
    ck_assert_uint_eq(parsed.segment_count, MHV_ELF_MAX_SEGMENTS);
    ck_assert_uint_eq(parsed.highest, CODE_ADDR + 15 * 0x1000 + 0x20);
}
END_TEST

/* The message is cut to fit err, always terminated; err may be NULL when
 * err_size is 0. */
START_TEST(test_small_error_buffer)
{
    struct image_spec spec = good_spec(64);
    spec.type = ET_DYN;
    struct built_image image = build(&spec);
    struct mhv_elf_image parsed;
    char err[8];
    memset(err, 'x', sizeof err);
    ck_assert_int_eq(mhv_elf_parse(image.bytes, image.size, 0, TEST_RAM_END, &parsed, err, sizeof err), -1);
    ck_assert_str_eq(err, "e_type ");
    ck_assert_int_eq(mhv_elf_parse(image.bytes, image.size, 0, TEST_RAM_END, &parsed, NULL, 0), -1);
    free_image(&image);
}
END_TEST

/* ===== reject: the file header ======================================================= */

START_TEST(test_truncated_header)
{
    struct image_spec spec64 = good_spec(64), spec32 = good_spec(32);
    struct built_image image64 = build(&spec64), image32 = build(&spec32);
    assert_bytes_rejected(image64.bytes, 63, "truncated: 63 bytes, an ELF64 header needs 64");
    assert_bytes_rejected(image64.bytes, 16, "truncated: 16 bytes, an ELF64 header needs 64");
    assert_bytes_rejected(image32.bytes, 51, "truncated: 51 bytes, an ELF32 header needs 52");
    assert_bytes_rejected(image64.bytes, 4, "truncated: 4 bytes, an ELF32 header needs 52 and an ELF64 header 64");
    assert_bytes_rejected(image64.bytes, 2, "truncated: 2 bytes");
    assert_bytes_rejected(image64.bytes, 0, "truncated: 0 bytes");
    assert_bytes_rejected(NULL, 0, "truncated: 0 bytes");
    free_image(&image64);
    free_image(&image32);
}
END_TEST

START_TEST(test_bad_magic)
{
    static const uint8_t pe_stub[64] = { 'M', 'Z', 0x90, 0x00 };
    assert_bytes_rejected(pe_stub, sizeof pe_stub, "not an ELF file");
    assert_bytes_rejected(pe_stub, 1, "not an ELF file");
    struct image_spec spec = good_spec(64);
    for (size_t i = 0; i < SELFMAG; i++) {
        struct built_image image = build(&spec);
        image.bytes[i] ^= 0x20;
        assert_image_rejected(&image, "not an ELF file: it does not start with the magic 7f 45 4c 46");
        free_image(&image);
    }
}
END_TEST

START_TEST(test_bad_class)
{
    struct image_spec spec = good_spec(64);
    struct built_image image = build(&spec);
    image.bytes[EI_CLASS] = ELFCLASSNONE;
    assert_image_rejected(&image, "EI_CLASS is 0: neither ELFCLASS32 (1) nor ELFCLASS64 (2)");
    image.bytes[EI_CLASS] = 3;
    assert_image_rejected(&image, "EI_CLASS is 3");
    /* The class byte of a 64-bit header saying 32 is a 32-bit file whose
     * fields are nonsense: some later check must catch it. */
    image.bytes[EI_CLASS] = ELFCLASS32;
    assert_image_rejected(&image, "in an ELF32 file");
    free_image(&image);
}
END_TEST

START_TEST(test_not_little_endian)
{
    struct image_spec spec = good_spec(64);
    struct built_image image = build(&spec);
    image.bytes[EI_DATA] = ELFDATA2MSB;
    assert_image_rejected(&image, "EI_DATA is ELFDATA2MSB (2), big-endian");
    image.bytes[EI_DATA] = ELFDATANONE;
    assert_image_rejected(&image, "EI_DATA is 0: not ELFDATA2LSB (1)");
    free_image(&image);
}
END_TEST

START_TEST(test_bad_versions)
{
    struct image_spec spec = good_spec(64);
    struct built_image image = build(&spec);
    image.bytes[EI_VERSION] = EV_NONE;
    assert_image_rejected(&image, "EI_VERSION is 0, not EV_CURRENT (1)");
    free_image(&image);

    for (int bits = 32; bits <= 64; bits += 32) {
        spec = good_spec(bits);
        spec.version = 2;
        assert_spec_rejected(&spec, "e_version is 2, not EV_CURRENT (1)");
        spec.version = EV_NONE;
        assert_spec_rejected(&spec, "e_version is 0, not EV_CURRENT (1)");
    }
}
END_TEST

START_TEST(test_not_an_executable)
{
    for (int bits = 32; bits <= 64; bits += 32) {
        struct image_spec spec = good_spec(bits);
        spec.type = ET_REL;
        assert_spec_rejected(&spec, "e_type is ET_REL (1), a relocatable object");
        assert_spec_rejected(&spec, "link it with -static -no-pie at a fixed address");
        spec.type = ET_DYN;
        assert_spec_rejected(&spec, "e_type is ET_DYN (3), a shared object or PIE");
        assert_spec_rejected(&spec, "link it with -static -no-pie at a fixed address");
        spec.type = ET_CORE;
        assert_spec_rejected(&spec, "e_type is ET_CORE (4), a core dump");
        spec.type = ET_NONE;
        assert_spec_rejected(&spec, "e_type is 0, not ET_EXEC (2)");
        spec.type = 0xFE00; /* ET_LOOS */
        assert_spec_rejected(&spec, "e_type is 65024, not ET_EXEC (2)");
    }
}
END_TEST

START_TEST(test_wrong_machine)
{
    static const struct {
        int bits;
        uint16_t machine;
        const char *expected;
    } cases[] = {
        { 64, EM_AARCH64, "e_machine is 183 (AArch64): mhv boots only x86, and an ELF64 image must be EM_X86_64 (62)" },
        { 64, EM_RISCV, "e_machine is 243 (RISC-V)" },
        { 64, EM_PPC64, "e_machine is 21 (64-bit PowerPC)" },
        { 64, EM_386, "e_machine is 3 (Intel 80386): mhv boots only x86, and an ELF64 image must be EM_X86_64" },
        { 64, EM_NONE, "e_machine is 0 (an architecture mhv does not know)" },
        { 64, 4242, "e_machine is 4242 (an architecture mhv does not know)" },
        { 32, EM_ARM, "e_machine is 40 (32-bit ARM): mhv boots only x86, and an ELF32 image must be EM_386 (3)" },
        { 32, EM_RISCV, "e_machine is 243 (RISC-V)" },
        { 32, EM_X86_64, "e_machine is 62 (x86-64) in an ELF32 file: that is the x32 ABI" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct image_spec spec = good_spec(cases[i].bits);
        spec.machine = cases[i].machine;
        assert_spec_rejected(&spec, cases[i].expected);
    }
}
END_TEST

/* The machine is told before the type: an AArch64 PIE is first of all not x86. */
START_TEST(test_machine_before_type)
{
    struct image_spec spec = good_spec(64);
    spec.machine = EM_AARCH64;
    spec.type = ET_DYN;
    assert_spec_rejected(&spec, "AArch64");
}
END_TEST

/* ===== reject: the program header table ================================================ */

START_TEST(test_bad_phentsize)
{
    struct image_spec spec = good_spec(64);
    struct built_image image = build(&spec);
    poke(&image, phentsize_at(64), sizeof(Elf32_Phdr), 2);
    assert_image_rejected(&image, "e_phentsize is 32, but an ELF64 program header is 56 bytes");
    poke(&image, phentsize_at(64), 0, 2);
    assert_image_rejected(&image, "e_phentsize is 0");
    free_image(&image);

    spec = good_spec(32);
    image = build(&spec);
    poke(&image, phentsize_at(32), sizeof(Elf64_Phdr), 2);
    assert_image_rejected(&image, "e_phentsize is 56, but an ELF32 program header is 32 bytes");
    free_image(&image);
}
END_TEST

START_TEST(test_no_program_headers)
{
    for (int bits = 32; bits <= 64; bits += 32) {
        struct image_spec spec = good_spec(bits);
        struct built_image image = build(&spec);
        poke(&image, phnum_at(bits), 0, 2);
        assert_image_rejected(&image, "e_phnum is 0: no program headers, so no PT_LOAD");
        poke(&image, phnum_at(bits), PN_XNUM, 2);
        assert_image_rejected(&image, "e_phnum is PN_XNUM (0xffff)");
        free_image(&image);
    }
}
END_TEST

START_TEST(test_program_headers_outside_file)
{
    for (int bits = 32; bits <= 64; bits += 32) {
        struct image_spec spec = good_spec(bits);
        struct built_image image = build(&spec);
        char expected[ERR_SIZE];

        /* One byte short of the table's end. */
        uint64_t phoff = image.size - 4 * phdr_size(bits) + 1;
        poke(&image, phoff_at(bits), phoff, phoff_width(bits));
        snprintf(expected, sizeof expected,
                 "the program header table (e_phoff 0x%llx, e_phnum 4 x %zu bytes) runs past the end "
                 "of the file (%zu bytes)", (unsigned long long)phoff, phdr_size(bits), image.size);
        assert_image_rejected(&image, expected);

        /* Past the file; and so far that phoff + table size wraps. */
        poke(&image, phoff_at(bits), image.size + 1, phoff_width(bits));
        assert_image_rejected(&image, "runs past the end of the file");
        poke(&image, phoff_at(bits), bits == 64 ? UINT64_MAX - 8 : UINT32_MAX - 8, phoff_width(bits));
        assert_image_rejected(&image, "runs past the end of the file");

        /* Ending exactly at the end of the file is fine. */
        struct image_spec at_end = good_spec(bits);
        at_end.file_size = 0;
        at_end.headers[DATA_HEADER] = load_header(PF_R | PF_W, 0, DATA_ADDR, 0, DATA_MEM_SIZE);
        at_end.headers[CODE_HEADER].offset = 0;   /* the code is the headers themselves */
        at_end.headers[CODE_HEADER].filesz = at_end.headers[CODE_HEADER].memsz = table_end(&at_end);
        struct mhv_elf_image parsed;
        assert_spec_accepted(&at_end, &parsed);
        free_image(&image);
    }
}
END_TEST

START_TEST(test_no_load_segment)
{
    for (int bits = 32; bits <= 64; bits += 32) {
        struct image_spec spec = good_spec(bits);
        spec.headers[CODE_HEADER].type = PT_NOTE;
        spec.headers[DATA_HEADER].type = PT_GNU_RELRO;
        assert_spec_rejected(&spec, "no PT_LOAD segment with p_memsz > 0: nothing to load");

        spec = good_spec(bits);
        spec.headers[CODE_HEADER].filesz = spec.headers[CODE_HEADER].memsz = 0;
        spec.headers[DATA_HEADER].filesz = spec.headers[DATA_HEADER].memsz = 0;
        assert_spec_rejected(&spec, "no PT_LOAD segment with p_memsz > 0");
    }
}
END_TEST

START_TEST(test_too_many_load_segments)
{
    struct image_spec spec = good_spec(64);
    spec.header_count = 0;
    spec.headers[spec.header_count++] = (struct header_spec){ .type = PT_GNU_STACK };
    for (unsigned i = 0; i <= MHV_ELF_MAX_SEGMENTS; i++)
        spec.headers[spec.header_count++] = load_header(PF_R | PF_X, CODE_OFFSET, CODE_ADDR + i * 0x1000, 0x10, 0x20);
    spec.entry = CODE_ADDR;
    assert_spec_rejected(&spec, "program header 17: more than 16 PT_LOAD segments");
}
END_TEST

/* ===== reject: one PT_LOAD ============================================================== */

START_TEST(test_filesz_larger_than_memsz)
{
    for (int bits = 32; bits <= 64; bits += 32) {
        struct image_spec spec = good_spec(bits);
        spec.headers[CODE_HEADER].filesz = 0x110;
        assert_spec_rejected(&spec, "program header 0 (PT_LOAD): p_filesz 0x110 is larger than p_memsz 0x100");
        /* Even where p_memsz 0 would have had it skipped. */
        spec = good_spec(bits);
        spec.headers[spec.header_count++] = load_header(PF_R, 0, 0, 1, 0);
        assert_spec_rejected(&spec, "program header 4 (PT_LOAD): p_filesz 0x1 is larger than p_memsz 0x0");
    }
}
END_TEST

START_TEST(test_segment_outside_file)
{
    for (int bits = 32; bits <= 64; bits += 32) {
        struct image_spec spec = good_spec(bits);
        spec.headers[DATA_HEADER].filesz = DATA_FILE_SIZE + 1;
        assert_spec_rejected(&spec, "program header 3 (PT_LOAD): its file bytes (p_offset 0x320, p_filesz 0x81) "
                                    "run past the end of the file (0x3a0 bytes)");
        spec = good_spec(bits);
        spec.headers[DATA_HEADER].offset = GOOD_FILE_SIZE + 0x10;
        assert_spec_rejected(&spec, "run past the end of the file");
        /* offset + filesz wraps. */
        spec = good_spec(bits);
        spec.headers[DATA_HEADER].offset = bits == 64 ? UINT64_MAX - 0x10 : UINT32_MAX - 0x10;
        assert_spec_rejected(&spec, "run past the end of the file");
    }
}
END_TEST

START_TEST(test_segment_address_overflows)
{
    struct image_spec spec = good_spec(64);
    spec.headers[DATA_HEADER].paddr = spec.headers[DATA_HEADER].vaddr = UINT64_MAX - 0x800;
    assert_spec_rejected(&spec, "program header 3 (PT_LOAD): p_paddr 0xfffffffffffff7ff + p_memsz 0x1000 "
                                "overflows the 64-bit address space");
}
END_TEST

START_TEST(test_32_bit_segment_above_4_gib)
{
    struct image_spec spec = good_spec(32);
    spec.headers[DATA_HEADER].paddr = spec.headers[DATA_HEADER].vaddr = 0xFFFFF800;
    assert_spec_rejected(&spec, "program header 3 (PT_LOAD): guest physical [0xfffff800, 0x100000800) "
                                "goes above 4 GiB, which a 32-bit image cannot reach");
    /* Up to exactly 4 GiB is only a RAM problem. */
    spec.headers[DATA_HEADER].paddr = spec.headers[DATA_HEADER].vaddr = 0xFFFFF000;
    assert_spec_rejected(&spec, "outside the RAM an image may use");
}
END_TEST

START_TEST(test_vaddr_differs_from_paddr)
{
    struct image_spec spec = good_spec(64);
    spec.headers[CODE_HEADER].vaddr = 0xFFFFFFFF80100000ull; /* a higher-half kernel */
    assert_spec_rejected(&spec, "program header 0 (PT_LOAD): p_vaddr 0xffffffff80100000 differs from "
                                "p_paddr 0x100000: mhv maps guest memory 1:1");
}
END_TEST

START_TEST(test_segment_outside_ram)
{
    for (int bits = 32; bits <= 64; bits += 32) {
        struct image_spec spec = good_spec(bits);
        uint64_t addr = TEST_RAM_END - DATA_MEM_SIZE + 1;   /* one byte over */
        spec.headers[DATA_HEADER].paddr = spec.headers[DATA_HEADER].vaddr = addr;
        assert_spec_rejected(&spec, "program header 3 (PT_LOAD): guest physical [0x1ef001, 0x1f0001) is outside "
                                    "the RAM an image may use, [0x0, 0x1f0000): give more RAM with --mem");

        spec.headers[DATA_HEADER].paddr = spec.headers[DATA_HEADER].vaddr = 0x40000000;
        assert_spec_rejected(&spec, "[0x40000000, 0x40001000) is outside the RAM");
    }

    /* Below ram_start. */
    struct image_spec spec = good_spec(64);
    struct built_image image = build(&spec);
    struct mhv_elf_image parsed;
    char err[ERR_SIZE] = "";
    ck_assert_int_eq(mhv_elf_parse(image.bytes, image.size, CODE_ADDR + 1, TEST_RAM_END, &parsed, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "program header 0 (PT_LOAD): guest physical [0x100000, 0x100100) is outside the RAM "
                              "an image may use, [0x100001, 0x1f0000): link it at a higher address"),
                  "message: %s", err);
    free_image(&image);
}
END_TEST

/* ===== reject: segments together, and the entry point ================================= */

START_TEST(test_segments_overlap)
{
    struct image_spec spec = good_spec(64);
    spec.headers[DATA_HEADER].paddr = spec.headers[DATA_HEADER].vaddr = CODE_ADDR + CODE_SIZE - 1;
    assert_spec_rejected(&spec, "program headers 0 and 3 (PT_LOAD) overlap in guest memory: "
                                "[0x100000, 0x100100) and [0x1000ff, 0x1010ff)");
    /* The same range twice, one inside another, one around another. */
    spec.headers[DATA_HEADER].paddr = spec.headers[DATA_HEADER].vaddr = CODE_ADDR;
    assert_spec_rejected(&spec, "program headers 0 and 3 (PT_LOAD) overlap");
    spec.headers[DATA_HEADER].paddr = spec.headers[DATA_HEADER].vaddr = CODE_ADDR - 0x10;
    assert_spec_rejected(&spec, "overlap in guest memory");
    spec = good_spec(64);
    spec.headers[spec.header_count++] = load_header(PF_R, CODE_OFFSET, CODE_ADDR + 0x10, 0x10, 0x10);
    assert_spec_rejected(&spec, "program headers 0 and 4 (PT_LOAD) overlap");
}
END_TEST

START_TEST(test_entry_not_in_code)
{
    for (int bits = 32; bits <= 64; bits += 32) {
        struct image_spec spec = good_spec(bits);
        spec.entry = DATA_ADDR + 0x10;
        assert_spec_rejected(&spec, "e_entry 0x101010 lies in program header 3 (PT_LOAD, flags RW-), "
                                    "which is not executable (no PF_X)");
        spec.entry = CODE_ADDR + CODE_SIZE;   /* one past the code */
        assert_spec_rejected(&spec, "e_entry 0x100100 is not inside any PT_LOAD segment "
                                    "(they span [0x100000, 0x102000))");
        spec.entry = 0;
        assert_spec_rejected(&spec, "e_entry 0x0 is not inside any PT_LOAD segment");
    }
}
END_TEST

/* ===== load: checks again, writes nothing when it fails =============================== */

/* A parsed good image and its file, then load with the image or the RAM
 * changed by `damage`: -1, the message, and RAM exactly as it was. */
static void assert_load_refused(void (*damage)(struct mhv_elf_image *image), size_t ram_size,
                                const char *expected_part)
{
    struct image_spec spec = good_spec(64);
    struct built_image file = build(&spec);
    struct mhv_elf_image parsed;
    char err[ERR_SIZE] = "";
    ck_assert_int_eq(parse(&file, &parsed, err), 0);
    if (damage)
        damage(&parsed);

    uint8_t *ram = new_ram(ram_size);
    ck_assert_int_eq(mhv_elf_load(&parsed, file.bytes, file.size, ram, ram_size, err, sizeof err), -1);
    assert_one_line(err);
    ck_assert_msg(strstr(err, expected_part), "message '%s' should contain '%s'", err, expected_part);
    ck_assert_uint_eq(touched_bytes(ram, 0, ram_size), 0);
    free(ram);
    free_image(&file);
}

static void data_past_ram(struct mhv_elf_image *image) { image->segments[1].paddr = TEST_RAM_SIZE - 0x10; }
static void data_wraps(struct mhv_elf_image *image) { image->segments[1].paddr = UINT64_MAX - 0x10; }
static void data_file_too_big(struct mhv_elf_image *image) { image->segments[1].file_size = DATA_MEM_SIZE + 1; }
static void data_past_file(struct mhv_elf_image *image) { image->segments[1].file_offset = GOOD_FILE_SIZE - 1; }
static void data_offset_wraps(struct mhv_elf_image *image) { image->segments[1].file_offset = UINT64_MAX; }
static void too_many_segments(struct mhv_elf_image *image) { image->segment_count = MHV_ELF_MAX_SEGMENTS + 1; }

START_TEST(test_load_checks_again)
{
    assert_load_refused(data_past_ram, TEST_RAM_SIZE,
                        "segment 1 (program header 3): guest physical 0x1ffff0, 0x1000 bytes long, "
                        "does not fit in guest RAM (0x200000 bytes)");
    assert_load_refused(data_wraps, TEST_RAM_SIZE, "does not fit in guest RAM");
    assert_load_refused(data_file_too_big, TEST_RAM_SIZE,
                        "segment 1 (program header 3): file size 0x1001 is larger than its memory size 0x1000");
    assert_load_refused(data_past_file, TEST_RAM_SIZE,
                        "segment 1 (program header 3): file bytes at 0x39f, 0x80 long, run past the end of "
                        "the file (0x3a0 bytes)");
    assert_load_refused(data_offset_wraps, TEST_RAM_SIZE, "run past the end of the file");
    assert_load_refused(too_many_segments, TEST_RAM_SIZE, "the image has 17 segments, more than the 16");
    /* RAM smaller than the one parsed against: the code fits, the data does
     * not, and the code must not have been written either. */
    assert_load_refused(NULL, DATA_ADDR + 0x10, "segment 1 (program header 3)");
}
END_TEST

/* RAM exactly as large as the image needs: ASan sees a write one past. */
START_TEST(test_load_into_exact_ram)
{
    struct image_spec spec = good_spec(64);
    struct built_image file = build(&spec);
    struct mhv_elf_image parsed;
    char err[ERR_SIZE] = "";
    ck_assert_int_eq(parse(&file, &parsed, err), 0);
    size_t ram_size = DATA_ADDR + DATA_MEM_SIZE;
    uint8_t *ram = new_ram(ram_size);
    ck_assert_msg(mhv_elf_load(&parsed, file.bytes, file.size, ram, ram_size, err, sizeof err) == 0,
                  "load failed: %s", err);
    ck_assert_uint_eq(ram[ram_size - 1], 0);
    free(ram);
    free_image(&file);
}
END_TEST

/* ===== robustness ====================================================================== */

/* Parses size bytes from an exact-size copy (so ASan sees any overread);
 * when accepted, checks the invariants and loads into exact-size RAM. */
static int parse_and_load_copy(const uint8_t *bytes, size_t size, uint8_t *ram)
{
    uint8_t *copy = malloc(size ? size : 1);
    ck_assert_ptr_nonnull(copy);
    if (size)
        memcpy(copy, bytes, size);
    struct mhv_elf_image parsed;
    char err[ERR_SIZE] = "";
    int result = mhv_elf_parse(copy, size, 0, TEST_RAM_END, &parsed, err, sizeof err);
    if (result == 0) {
        assert_image_invariants(&parsed, size, 0, TEST_RAM_END);
        ck_assert_msg(mhv_elf_load(&parsed, copy, size, ram, TEST_RAM_END, err, sizeof err) == 0,
                      "parsed but did not load: %s", err);
    } else {
        assert_one_line(err);
    }
    free(copy);
    return result;
}

/* Where a file stops mattering to the loader: the end of its program
 * header table or of its last segment's bytes, whichever is later. */
static size_t bytes_needed(const uint8_t *bytes, size_t size)
{
    struct mhv_elf_image parsed;
    ck_assert_int_eq(mhv_elf_parse(bytes, size, 0, TEST_RAM_END, &parsed, NULL, 0), 0);
    int bits = parsed.bits;
    uint64_t phoff = 0;
    uint16_t phnum = 0;
    memcpy(&phoff, bytes + phoff_at(bits), phoff_width(bits));
    memcpy(&phnum, bytes + phnum_at(bits), 2);
    size_t needed = phoff + phnum * phdr_size(bits);
    for (size_t i = 0; i < parsed.segment_count; i++) {
        const struct mhv_elf_segment *s = &parsed.segments[i];
        if (s->file_offset + s->file_size > needed)
            needed = s->file_offset + s->file_size;
    }
    return needed;
}

static void check_every_truncation(const uint8_t *bytes, size_t size)
{
    size_t needed = bytes_needed(bytes, size);
    uint8_t *ram = malloc(TEST_RAM_END);
    ck_assert_ptr_nonnull(ram);
    for (size_t length = 0; length <= size; length++) {
        int result = parse_and_load_copy(bytes, length, ram);
        ck_assert_msg(result == (length < needed ? -1 : 0),
                      "truncated to %zu of %zu bytes (%zu needed): parse gave %d", length, size, needed, result);
    }
    free(ram);
}

START_TEST(test_truncated_at_every_length)
{
    for (int bits = 32; bits <= 64; bits += 32) {
        struct image_spec spec = good_spec(bits);
        struct built_image image = build(&spec);
        ck_assert_uint_eq(bytes_needed(image.bytes, image.size), image.size); /* only the full file loads */
        check_every_truncation(image.bytes, image.size);
        free_image(&image);
    }
    /* The toolchain's files end in section headers, which the loader never reads. */
    check_every_truncation(toolchain_elf64, sizeof toolchain_elf64);
    check_every_truncation(toolchain_elf32, sizeof toolchain_elf32);
}
END_TEST

/* Every single-bit change to the ELF header and the program headers. */
START_TEST(test_every_header_bit_flip)
{
    uint8_t *ram = malloc(TEST_RAM_END);
    ck_assert_ptr_nonnull(ram);
    for (int bits = 32; bits <= 64; bits += 32) {
        struct image_spec spec = good_spec(bits);
        struct built_image image = build(&spec);
        size_t accepted = 0;
        for (size_t at = 0; at < table_end(&spec); at++) {
            for (int bit = 0; bit < 8; bit++) {
                image.bytes[at] ^= (uint8_t)(1u << bit);
                accepted += parse_and_load_copy(image.bytes, image.size, ram) == 0;
                image.bytes[at] ^= (uint8_t)(1u << bit);
            }
        }
        /* Some flips are harmless (flags, padding, p_align, e_shoff...). */
        ck_assert_uint_gt(accepted, 0);
        free_image(&image);
    }
    free(ram);
}
END_TEST

/* A small fixed-seed generator, so a failure repeats. */
static uint32_t next_random(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

START_TEST(test_random_header_damage)
{
    uint8_t *ram = malloc(TEST_RAM_END);
    ck_assert_ptr_nonnull(ram);
    struct image_spec specs[2] = { good_spec(32), good_spec(64) };
    struct built_image images[2] = { build(&specs[0]), build(&specs[1]) };
    uint32_t state = 20240601;
    size_t accepted = 0;
    for (int round = 0; round < 10000; round++) {
        struct built_image *good = &images[round % 2];
        size_t headers_end = table_end(&specs[round % 2]);
        uint8_t *copy = malloc(good->size);
        ck_assert_ptr_nonnull(copy);
        memcpy(copy, good->bytes, good->size);
        int changes = 1 + (int)(next_random(&state) % 4);
        for (int k = 0; k < changes; k++) {
            size_t at = next_random(&state) % headers_end;
            uint32_t r = next_random(&state);
            /* Half the time a random byte, half the time an extreme one. */
            static const uint8_t extremes[] = { 0x00, 0xFF, 0x7F, 0x80, 0x01 };
            copy[at] = (r & 1) ? (uint8_t)(r >> 8) : extremes[(r >> 8) % sizeof extremes];
        }
        accepted += parse_and_load_copy(copy, good->size, ram) == 0;
        free(copy);
    }
    ck_assert_uint_gt(accepted, 0);
    free_image(&images[0]);
    free_image(&images[1]);
    free(ram);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mhv_elf");

    TCase *accept = tcase_create("accept");
    tcase_add_test(accept, test_is_elf);
    tcase_add_test(accept, test_good_64_bit_image_parses);
    tcase_add_test(accept, test_good_64_bit_image_loads);
    tcase_add_test(accept, test_good_32_bit_image_parses_and_loads);
    tcase_add_test(accept, test_unaligned_file_buffer);
    tcase_add_test(accept, test_toolchain_64_bit_image);
    tcase_add_test(accept, test_toolchain_32_bit_image);
    tcase_add_test(accept, test_empty_load_segment_is_skipped);
    tcase_add_test(accept, test_bss_only_segment);
    tcase_add_test(accept, test_boundaries_that_fit);
    tcase_add_test(accept, test_sixteen_load_segments_fit);
    tcase_add_test(accept, test_small_error_buffer);
    suite_add_tcase(s, accept);

    TCase *reject = tcase_create("reject");
    tcase_add_test(reject, test_truncated_header);
    tcase_add_test(reject, test_bad_magic);
    tcase_add_test(reject, test_bad_class);
    tcase_add_test(reject, test_not_little_endian);
    tcase_add_test(reject, test_bad_versions);
    tcase_add_test(reject, test_not_an_executable);
    tcase_add_test(reject, test_wrong_machine);
    tcase_add_test(reject, test_machine_before_type);
    tcase_add_test(reject, test_bad_phentsize);
    tcase_add_test(reject, test_no_program_headers);
    tcase_add_test(reject, test_program_headers_outside_file);
    tcase_add_test(reject, test_no_load_segment);
    tcase_add_test(reject, test_too_many_load_segments);
    tcase_add_test(reject, test_filesz_larger_than_memsz);
    tcase_add_test(reject, test_segment_outside_file);
    tcase_add_test(reject, test_segment_address_overflows);
    tcase_add_test(reject, test_32_bit_segment_above_4_gib);
    tcase_add_test(reject, test_vaddr_differs_from_paddr);
    tcase_add_test(reject, test_segment_outside_ram);
    tcase_add_test(reject, test_segments_overlap);
    tcase_add_test(reject, test_entry_not_in_code);
    suite_add_tcase(s, reject);

    TCase *load = tcase_create("load");
    tcase_add_test(load, test_load_checks_again);
    tcase_add_test(load, test_load_into_exact_ram);
    suite_add_tcase(s, load);

    TCase *robust = tcase_create("robustness");
    tcase_set_timeout(robust, 120);
    tcase_add_test(robust, test_truncated_at_every_length);
    tcase_add_test(robust, test_every_header_bit_flip);
    tcase_add_test(robust, test_random_header_damage);
    suite_add_tcase(s, robust);

    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
