/*
 * elf_loader.c -- parse, check and load an ELF executable for mhv.
 *
 * mhv_elf_parse() reads the header of either class into one widened form
 * (struct elf_header, struct elf_program_header below), so every check is
 * written once for ELF32 and ELF64.  It checks in the order a reader would
 * want to hear about problems: is it ELF at all, for this machine, an
 * executable, is its program header table inside the file, and then each
 * PT_LOAD -- inside the file, inside RAM, not on top of another -- and
 * last, whether the entry point lands in code.
 *
 * Every sum of two file-controlled numbers is checked as `b > limit - a`
 * (after a <= limit) rather than `a + b > limit`, so a hostile file cannot
 * wrap the arithmetic and slip past a bound.
 *
 * mhv_elf_load() trusts nothing it is given: it checks every segment
 * against the file and RAM again, all before the first byte is written.
 */
#include "elf_loader.h"
#include "vmlab_error.h"

#include <elf.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* Header fields are memcpy'd from the file into host integers: right only
 * when the host is little-endian too. */
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "elf_loader.c reads little-endian ELF headers with memcpy: it needs a little-endian host"
#endif

/* glibc's structures must be exactly their on-file size (no padding), so
 * that their offsetof is the field's place in the file. */
_Static_assert(sizeof(Elf32_Ehdr) == 52, "Elf32_Ehdr is 52 bytes on file");
_Static_assert(sizeof(Elf64_Ehdr) == 64, "Elf64_Ehdr is 64 bytes on file");
_Static_assert(sizeof(Elf32_Phdr) == 32, "Elf32_Phdr is 32 bytes on file");
_Static_assert(sizeof(Elf64_Phdr) == 56, "Elf64_Phdr is 56 bytes on file");

#define FOUR_GIB 0x100000000ull

/* Architectures someone might try to boot by mistake, for the message. */
static const char *const machine_names[] = {
    [EM_SPARC] = "SPARC",
    [EM_386] = "Intel 80386",
    [EM_IAMCU] = "Intel MCU",
    [EM_MIPS] = "MIPS",
    [EM_PPC] = "PowerPC",
    [EM_PPC64] = "64-bit PowerPC",
    [EM_S390] = "IBM S/390",
    [EM_ARM] = "32-bit ARM",
    [EM_SPARCV9] = "SPARC V9",
    [EM_IA_64] = "Itanium",
    [EM_X86_64] = "x86-64",
    [EM_AARCH64] = "AArch64",
    [EM_RISCV] = "RISC-V",
#ifdef EM_LOONGARCH
    [EM_LOONGARCH] = "LoongArch",
#endif
};

static const char *machine_name(unsigned machine)
{
    const char *name = NULL;
    if (machine < sizeof machine_names / sizeof machine_names[0])
        name = machine_names[machine];
    return name ? name : "an architecture mhv does not know";
}

/* "R-X" style, as readelf -l prints p_flags. */
static void format_flags(uint32_t flags, char text[4])
{
    text[0] = (flags & PF_R) ? 'R' : '-';
    text[1] = (flags & PF_W) ? 'W' : '-';
    text[2] = (flags & PF_X) ? 'X' : '-';
    text[3] = '\0';
}

/* ==== Headers of either class, widened ===================================== */

/* The Elf32_Ehdr / Elf64_Ehdr fields the loader uses. */
struct elf_header {
    uint16_t type;
    uint16_t machine;
    uint32_t version;
    uint64_t entry;
    uint64_t phoff;
    uint16_t phentsize;
    uint16_t phnum;
};

/* The Elf32_Phdr / Elf64_Phdr fields the loader uses. */
struct elf_program_header {
    uint32_t type;
    uint32_t flags;
    uint64_t offset;
    uint64_t vaddr;
    uint64_t paddr;
    uint64_t filesz;
    uint64_t memsz;
};

/* Where a field sits in an ELF32 and in an ELF64 structure of the same
 * name, e.g. e_entry: 4 bytes at 24 in Elf32_Ehdr, 8 bytes at 24 in
 * Elf64_Ehdr.  The two classes differ only in these places, so one reader
 * serves both. */
struct field_place {
    uint8_t offset32, size32, offset64, size64;
};

#define FIELD_PLACE(type32, type64, field)                                     \
    ((struct field_place){ offsetof(type32, field), sizeof ((type32 *)0)->field, \
                           offsetof(type64, field), sizeof ((type64 *)0)->field })
#define EHDR(field) FIELD_PLACE(Elf32_Ehdr, Elf64_Ehdr, field)
#define PHDR(field) FIELD_PLACE(Elf32_Phdr, Elf64_Phdr, field)

/* The field at place in the structure at `at`, of class bits, widened. */
static uint64_t read_field(const uint8_t *at, int bits, struct field_place place)
{
    uint64_t value = 0;
    if (bits == 64)
        memcpy(&value, at + place.offset64, place.size64);
    else
        memcpy(&value, at + place.offset32, place.size32);
    return value;  /* little-endian file and host: the low bytes hold it */
}

/* file holds at least the class's Elf*_Ehdr. */
static void read_header(const uint8_t *file, int bits, struct elf_header *header)
{
    *header = (struct elf_header){
        .type = (uint16_t)read_field(file, bits, EHDR(e_type)),
        .machine = (uint16_t)read_field(file, bits, EHDR(e_machine)),
        .version = (uint32_t)read_field(file, bits, EHDR(e_version)),
        .entry = read_field(file, bits, EHDR(e_entry)),
        .phoff = read_field(file, bits, EHDR(e_phoff)),
        .phentsize = (uint16_t)read_field(file, bits, EHDR(e_phentsize)),
        .phnum = (uint16_t)read_field(file, bits, EHDR(e_phnum)),
    };
}

/* at holds at least the class's Elf*_Phdr. */
static void read_program_header(const uint8_t *at, int bits, struct elf_program_header *ph)
{
    *ph = (struct elf_program_header){
        .type = (uint32_t)read_field(at, bits, PHDR(p_type)),
        .flags = (uint32_t)read_field(at, bits, PHDR(p_flags)),
        .offset = read_field(at, bits, PHDR(p_offset)),
        .vaddr = read_field(at, bits, PHDR(p_vaddr)),
        .paddr = read_field(at, bits, PHDR(p_paddr)),
        .filesz = read_field(at, bits, PHDR(p_filesz)),
        .memsz = read_field(at, bits, PHDR(p_memsz)),
    };
}

/* ==== Checks ================================================================ */

int mhv_elf_is_elf(const void *file, size_t size)
{
    return size >= SELFMAG && memcmp(file, ELFMAG, SELFMAG) == 0;
}

/* The ELF header: magic, class, byte order, versions, then which machine
 * and what kind of file.  Sets *bits from the class and fills *header. */
static int check_file_header(const uint8_t *file, size_t size, int *bits,
                             struct elf_header *header, char *err, size_t err_size)
{
    /* Compare only the magic bytes present, so a short file that starts
     * right is called truncated and anything else "not ELF". */
    size_t magic_present = size < SELFMAG ? size : SELFMAG;
    for (size_t i = 0; i < magic_present; i++)
        if (file[i] != (uint8_t)ELFMAG[i])
            return vmlab_fail(err, err_size,
                        "not an ELF file: it does not start with the magic 7f 45 4c 46 (\"\\177ELF\")");
    if (size <= EI_CLASS)
        return vmlab_fail(err, err_size,
                    "truncated: %zu bytes, an ELF32 header needs %zu and an ELF64 header %zu",
                    size, sizeof(Elf32_Ehdr), sizeof(Elf64_Ehdr));

    switch (file[EI_CLASS]) {
    case ELFCLASS32: *bits = 32; break;
    case ELFCLASS64: *bits = 64; break;
    default:
        return vmlab_fail(err, err_size, "EI_CLASS is %u: neither ELFCLASS32 (1) nor ELFCLASS64 (2)",
                    file[EI_CLASS]);
    }
    size_t header_size = *bits == 64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    if (size < header_size)
        return vmlab_fail(err, err_size, "truncated: %zu bytes, an ELF%d header needs %zu",
                    size, *bits, header_size);

    if (file[EI_DATA] == ELFDATA2MSB)
        return vmlab_fail(err, err_size,
                    "EI_DATA is ELFDATA2MSB (2), big-endian: an x86 image is little-endian (ELFDATA2LSB)");
    if (file[EI_DATA] != ELFDATA2LSB)
        return vmlab_fail(err, err_size, "EI_DATA is %u: not ELFDATA2LSB (1), little-endian",
                    file[EI_DATA]);
    if (file[EI_VERSION] != EV_CURRENT)
        return vmlab_fail(err, err_size, "EI_VERSION is %u, not EV_CURRENT (1)", file[EI_VERSION]);

    read_header(file, *bits, header);
    if (header->version != EV_CURRENT)
        return vmlab_fail(err, err_size, "e_version is %" PRIu32 ", not EV_CURRENT (1)", header->version);

    /* The machine before the type: an ARM PIE is first of all not x86. */
    if (*bits == 32 && header->machine == EM_X86_64)
        return vmlab_fail(err, err_size,
                    "e_machine is %u (x86-64) in an ELF32 file: that is the x32 ABI, which mhv does not boot; "
                    "a 32-bit image must be EM_386 (3), a 64-bit one ELFCLASS64",
                    header->machine);
    if (*bits == 32 && header->machine != EM_386)
        return vmlab_fail(err, err_size,
                    "e_machine is %u (%s): mhv boots only x86, and an ELF32 image must be EM_386 (3)",
                    header->machine, machine_name(header->machine));
    if (*bits == 64 && header->machine != EM_X86_64)
        return vmlab_fail(err, err_size,
                    "e_machine is %u (%s): mhv boots only x86, and an ELF64 image must be EM_X86_64 (62)",
                    header->machine, machine_name(header->machine));

    switch (header->type) {
    case ET_EXEC:
        return 0;
    case ET_REL:
        return vmlab_fail(err, err_size,
                    "e_type is ET_REL (1), a relocatable object, not an executable: "
                    "link it with -static -no-pie at a fixed address");
    case ET_DYN:
        return vmlab_fail(err, err_size,
                    "e_type is ET_DYN (3), a shared object or PIE, not a fixed-address executable: "
                    "link it with -static -no-pie at a fixed address");
    case ET_CORE:
        return vmlab_fail(err, err_size, "e_type is ET_CORE (4), a core dump, not an executable");
    default:
        return vmlab_fail(err, err_size,
                    "e_type is %u, not ET_EXEC (2): link it with -static -no-pie at a fixed address",
                    header->type);
    }
}

/* e_phentsize, e_phnum and e_phoff: the table must lie inside the file. */
static int check_program_header_table(const struct elf_header *header, int bits, size_t size,
                                      char *err, size_t err_size)
{
    size_t entry_size = bits == 64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);

    if (header->phnum == 0)
        return vmlab_fail(err, err_size, "e_phnum is 0: no program headers, so no PT_LOAD segment to load");
    if (header->phnum == PN_XNUM)
        return vmlab_fail(err, err_size,
                    "e_phnum is PN_XNUM (0xffff): more than 65534 program headers is not supported");
    if (header->phentsize != entry_size)
        return vmlab_fail(err, err_size, "e_phentsize is %u, but an ELF%d program header is %zu bytes",
                    header->phentsize, bits, entry_size);

    uint64_t table_size = (uint64_t)header->phnum * header->phentsize; /* < 2^32: no wrap */
    if (header->phoff > size || table_size > size - header->phoff)
        return vmlab_fail(err, err_size,
                    "the program header table (e_phoff 0x%" PRIx64 ", e_phnum %u x %u bytes) "
                    "runs past the end of the file (%zu bytes)",
                    header->phoff, header->phnum, header->phentsize, size);
    return 0;
}

/* One PT_LOAD on its own: sizes, file range, address range, RAM. */
static int check_load_segment(const struct elf_program_header *ph, unsigned index, int bits,
                              size_t size, uint64_t ram_start, uint64_t ram_end,
                              enum mhv_elf_placement placement, char *err, size_t err_size)
{
    if (ph->filesz > ph->memsz)
        return vmlab_fail(err, err_size,
                    "program header %u (PT_LOAD): p_filesz 0x%" PRIx64 " is larger than p_memsz 0x%" PRIx64,
                    index, ph->filesz, ph->memsz);
    if (ph->memsz == 0)
        return 0; /* occupies nothing: skipped, whatever its addresses say */

    if (ph->filesz > 0 && (ph->offset > size || ph->filesz > size - ph->offset))
        return vmlab_fail(err, err_size,
                    "program header %u (PT_LOAD): its file bytes (p_offset 0x%" PRIx64 ", p_filesz 0x%" PRIx64
                    ") run past the end of the file (0x%zx bytes)",
                    index, ph->offset, ph->filesz, size);

    if (ph->memsz > UINT64_MAX - ph->paddr)
        return vmlab_fail(err, err_size,
                    "program header %u (PT_LOAD): p_paddr 0x%" PRIx64 " + p_memsz 0x%" PRIx64
                    " overflows the 64-bit address space",
                    index, ph->paddr, ph->memsz);
    uint64_t end = ph->paddr + ph->memsz;

    if (bits == 32 && end > FOUR_GIB)
        return vmlab_fail(err, err_size,
                    "program header %u (PT_LOAD): guest physical [0x%" PRIx64 ", 0x%" PRIx64
                    ") goes above 4 GiB, which a 32-bit image cannot reach",
                    index, ph->paddr, end);

    if (placement == MHV_ELF_IDENTITY && ph->vaddr != ph->paddr)
        return vmlab_fail(err, err_size,
                    "program header %u (PT_LOAD): p_vaddr 0x%" PRIx64 " differs from p_paddr 0x%" PRIx64
                    ": mhv maps guest memory 1:1, so link the image to run where it is loaded",
                    index, ph->vaddr, ph->paddr);

    if (ph->paddr < ram_start || end > ram_end)
        return vmlab_fail(err, err_size,
                    "program header %u (PT_LOAD): guest physical [0x%" PRIx64 ", 0x%" PRIx64
                    ") is outside the RAM an image may use, [0x%" PRIx64 ", 0x%" PRIx64 "): %s",
                    index, ph->paddr, end, ram_start, ram_end,
                    ph->paddr < ram_start ? "link it at a higher address"
                                          : "give more RAM with --mem, or link it lower");
    return 0;
}

/* The new segment against those already accepted. */
static int check_no_overlap(const struct mhv_elf_image *image, const struct mhv_elf_segment *added,
                            char *err, size_t err_size)
{
    uint64_t added_end = added->paddr + added->mem_size;
    for (size_t i = 0; i < image->segment_count; i++) {
        const struct mhv_elf_segment *earlier = &image->segments[i];
        uint64_t earlier_end = earlier->paddr + earlier->mem_size;
        if (added->paddr < earlier_end && earlier->paddr < added_end)
            return vmlab_fail(err, err_size,
                        "program headers %" PRIu32 " and %" PRIu32 " (PT_LOAD) overlap in guest memory: "
                        "[0x%" PRIx64 ", 0x%" PRIx64 ") and [0x%" PRIx64 ", 0x%" PRIx64 ")",
                        earlier->header_index, added->header_index,
                        earlier->paddr, earlier_end, added->paddr, added_end);
    }
    return 0;
}

/* The entry point must be code the image brought. */
static int check_entry(const struct mhv_elf_image *image, char *err, size_t err_size)
{
    for (size_t i = 0; i < image->segment_count; i++) {
        const struct mhv_elf_segment *segment = &image->segments[i];
        if (image->entry < segment->paddr || image->entry - segment->paddr >= segment->mem_size)
            continue;
        if (segment->flags & PF_X)
            return 0;
        char flags[4];
        format_flags(segment->flags, flags);
        return vmlab_fail(err, err_size,
                    "e_entry 0x%" PRIx64 " lies in program header %" PRIu32 " (PT_LOAD, flags %s), "
                    "which is not executable (no PF_X)",
                    image->entry, segment->header_index, flags);
    }
    return vmlab_fail(err, err_size,
                "e_entry 0x%" PRIx64 " is not inside any PT_LOAD segment (they span [0x%" PRIx64
                ", 0x%" PRIx64 ")): it must point into an executable (PF_X) one",
                image->entry, image->lowest, image->highest);
}

int mhv_elf_parse(const void *file, size_t size, uint64_t ram_start, uint64_t ram_end,
                  struct mhv_elf_image *image, char *err, size_t err_size)
{
    return mhv_elf_parse_placed(file, size, ram_start, ram_end, MHV_ELF_IDENTITY, image, err, err_size);
}

int mhv_elf_parse_placed(const void *file, size_t size, uint64_t ram_start, uint64_t ram_end,
                         enum mhv_elf_placement placement, struct mhv_elf_image *image,
                         char *err, size_t err_size)
{
    const uint8_t *bytes = file;
    struct elf_header header = { 0 }; /* zeroed only to quiet -Wmaybe-uninitialized at -O1 */
    int bits = 0;

    *image = (struct mhv_elf_image){ 0 };
    if (check_file_header(bytes, size, &bits, &header, err, err_size) < 0)
        return -1;
    if (check_program_header_table(&header, bits, size, err, err_size) < 0)
        return -1;
    image->bits = bits;
    image->entry = header.entry;

    for (unsigned index = 0; index < header.phnum; index++) {
        struct elf_program_header ph;
        read_program_header(bytes + header.phoff + (size_t)index * header.phentsize, bits, &ph);
        if (ph.type != PT_LOAD)
            continue;
        if (check_load_segment(&ph, index, bits, size, ram_start, ram_end, placement, err, err_size) < 0)
            return -1;
        if (ph.memsz == 0)
            continue;
        if (image->segment_count == MHV_ELF_MAX_SEGMENTS)
            return vmlab_fail(err, err_size,
                        "program header %u: more than %d PT_LOAD segments, the most mhv loads",
                        index, MHV_ELF_MAX_SEGMENTS);

        struct mhv_elf_segment segment = {
            .paddr = ph.paddr,
            .file_offset = ph.offset,
            .file_size = ph.filesz,
            .mem_size = ph.memsz,
            .flags = ph.flags,
            .header_index = index,
        };
        if (check_no_overlap(image, &segment, err, err_size) < 0)
            return -1;
        image->segments[image->segment_count++] = segment;
    }
    if (image->segment_count == 0)
        return vmlab_fail(err, err_size, "no PT_LOAD segment with p_memsz > 0: nothing to load");

    image->lowest = UINT64_MAX;
    image->highest = 0;
    for (size_t i = 0; i < image->segment_count; i++) {
        const struct mhv_elf_segment *segment = &image->segments[i];
        if (segment->paddr < image->lowest)
            image->lowest = segment->paddr;
        if (segment->paddr + segment->mem_size > image->highest)
            image->highest = segment->paddr + segment->mem_size;
    }
    return check_entry(image, err, err_size);
}

/* ==== Loading ================================================================ */

int mhv_elf_load(const struct mhv_elf_image *image, const void *file, size_t size,
                 uint8_t *ram, size_t ram_size, char *err, size_t err_size)
{
    const uint8_t *bytes = file;

    if (image->segment_count > MHV_ELF_MAX_SEGMENTS)
        return vmlab_fail(err, err_size, "the image has %zu segments, more than the %d mhv loads",
                    image->segment_count, MHV_ELF_MAX_SEGMENTS);

    /* Check them all first, so a bad image leaves RAM as it was. */
    for (size_t i = 0; i < image->segment_count; i++) {
        const struct mhv_elf_segment *segment = &image->segments[i];
        if (segment->file_size > segment->mem_size)
            return vmlab_fail(err, err_size,
                        "segment %zu (program header %" PRIu32 "): file size 0x%" PRIx64
                        " is larger than its memory size 0x%" PRIx64,
                        i, segment->header_index, segment->file_size, segment->mem_size);
        if (segment->file_size > 0 &&
            (segment->file_offset > size || segment->file_size > size - segment->file_offset))
            return vmlab_fail(err, err_size,
                        "segment %zu (program header %" PRIu32 "): file bytes at 0x%" PRIx64 ", 0x%" PRIx64
                        " long, run past the end of the file (0x%zx bytes)",
                        i, segment->header_index, segment->file_offset, segment->file_size, size);
        if (segment->paddr > ram_size || segment->mem_size > ram_size - segment->paddr)
            return vmlab_fail(err, err_size,
                        "segment %zu (program header %" PRIu32 "): guest physical 0x%" PRIx64 ", 0x%" PRIx64
                        " bytes long, does not fit in guest RAM (0x%zx bytes)",
                        i, segment->header_index, segment->paddr, segment->mem_size, ram_size);
    }

    for (size_t i = 0; i < image->segment_count; i++) {
        const struct mhv_elf_segment *segment = &image->segments[i];
        uint8_t *destination = ram + segment->paddr;
        if (segment->file_size > 0)
            memcpy(destination, bytes + segment->file_offset, segment->file_size);
        memset(destination + segment->file_size, 0, segment->mem_size - segment->file_size);
    }
    return 0;
}
