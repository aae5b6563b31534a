/*
 * elf_loader.h -- an ELF executable as mhv boots it: parse and check the
 * file against the guest RAM it will go into, then copy its segments in.
 *
 * Pure code: no KVM, no files, no allocation.  The caller reads the file
 * into memory, picks the RAM range an image may use (0 .. the reserved
 * area at the top, see memlayout.h) and hands over the guest RAM mapping.
 *
 * What mhv accepts (anything else is refused with a message saying why):
 *   - a little-endian, EV_CURRENT, ET_EXEC file (linked at a fixed address:
 *     -static -no-pie), either ELFCLASS32 + EM_386, booted in protected
 *     mode, or ELFCLASS64 + EM_X86_64, booted in long mode;
 *   - its PT_LOAD program headers are placed at p_paddr, which must equal
 *     p_vaddr because mhv maps memory 1:1 (paging off in protected mode,
 *     identity page tables in long mode) -- except for a kernel that maps
 *     itself (Linux's vmlinux: mhv_elf_parse_placed, MHV_ELF_PHYSICAL);
 *   - other program headers (PT_NOTE, PT_GNU_STACK, ...) are ignored, and
 *     so is a PT_LOAD with p_memsz 0.
 *
 * The file is never read through a cast pointer: it may sit at any
 * alignment, so each header field is memcpy'd out of it.  The host must
 * be little-endian, like the files accepted (mhv runs on x86 KVM only).
 *
 * Invariants of a struct mhv_elf_image that mhv_elf_parse() filled in:
 *   - 1 <= segment_count <= MHV_ELF_MAX_SEGMENTS, segments in file order;
 *   - for every segment: 0 < mem_size, file_size <= mem_size,
 *     [file_offset, file_offset + file_size) lies inside the file, and
 *     [paddr, paddr + mem_size) lies inside [ram_start, ram_end) without
 *     wrapping (and below 4 GiB for a 32-bit image);
 *   - no two segments overlap in guest memory;
 *   - [lowest, highest) is the smallest range holding every segment;
 *   - entry lies inside a segment with PF_X.
 *
 * Errors return -1 with one line in err (snprintf: err may be NULL when
 * err_size is 0) naming the header field or program header and the numbers.
 * Nothing here prints or exits.
 */
#ifndef MHV_ELF_LOADER_H
#define MHV_ELF_LOADER_H

#include <stddef.h>
#include <stdint.h>

/* A real executable has two to four PT_LOADs; 16 leaves room for linker
 * scripts that split sections, and bounds the image struct. */
#define MHV_ELF_MAX_SEGMENTS 16

struct mhv_elf_segment {
    uint64_t paddr;          /* where in guest physical memory (p_paddr) */
    uint64_t file_offset;    /* p_offset */
    uint64_t file_size;      /* p_filesz: bytes copied from the file */
    uint64_t mem_size;       /* p_memsz: file_size bytes, then zeros */
    uint32_t flags;          /* PF_R | PF_W | PF_X */
    uint32_t header_index;   /* which program header it came from (readelf -l order) */
};

struct mhv_elf_image {
    int bits;                /* 32 (ELFCLASS32, EM_386: protected mode) or
                                64 (ELFCLASS64, EM_X86_64: long mode) */
    uint64_t entry;          /* e_entry */
    size_t segment_count;    /* PT_LOADs with p_memsz > 0, in file order */
    struct mhv_elf_segment segments[MHV_ELF_MAX_SEGMENTS];
    uint64_t lowest;         /* [lowest, highest): the span the segments occupy */
    uint64_t highest;
};

/* Does the file start with the ELF magic (0x7F 'E' 'L' 'F')?  mhv tells an
 * ELF from a flat binary with this alone. */
int mhv_elf_is_elf(const void *file, size_t size);

/* Parses the ELF executable file[0 .. size) and checks every segment fits
 * in guest physical [ram_start, ram_end).  Returns 0 with *image filled in
 * (see the invariants above), or -1 with a message in err; *image is
 * unspecified after a failure. */
int mhv_elf_parse(const void *file, size_t size, uint64_t ram_start, uint64_t ram_end,
                  struct mhv_elf_image *image, char *err, size_t err_size);

/* Where a PT_LOAD's p_vaddr must be: MHV_ELF_IDENTITY, equal to p_paddr
 * (an image that runs on mhv's 1:1 page tables); MHV_ELF_PHYSICAL,
 * anywhere (a kernel that builds its own page tables and runs at p_vaddr
 * once it has, entered at a physical e_entry: vmlinux). */
enum mhv_elf_placement { MHV_ELF_IDENTITY, MHV_ELF_PHYSICAL };

/* mhv_elf_parse, with the placement rule given (mhv_elf_parse is
 * MHV_ELF_IDENTITY). */
int mhv_elf_parse_placed(const void *file, size_t size, uint64_t ram_start, uint64_t ram_end,
                         enum mhv_elf_placement placement, struct mhv_elf_image *image,
                         char *err, size_t err_size);

/* Copies each segment of image (from mhv_elf_parse of this same file) into
 * ram, where ram[0] is guest physical 0 and ram_size bytes are mapped, and
 * zeroes the rest of each segment's mem_size.  Every segment is checked
 * against the file and ram again before anything is written, so on -1 ram
 * is untouched; bytes of ram outside the segments are never written. */
int mhv_elf_load(const struct mhv_elf_image *image, const void *file, size_t size,
                 uint8_t *ram, size_t ram_size, char *err, size_t err_size);

#endif
