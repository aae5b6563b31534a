/*
 * symbol_map.h -- reading a System.map: the kernel's symbol table as text,
 * one symbol a line, "ADDRESS TYPE NAME", the format `nm` prints, that
 * Linux's build writes as System.map and the kernel itself serves as
 * /proc/kallsyms (with a module's symbols ending "\t[MODULE]"):
 *
 *   ffffffff81000000 T _text
 *   ffffffff8102a3b0 t native_write_cr4
 *   ffffffffc0352010 t vblk_probe	[virtio_blk]
 *
 * ADDRESS is hexadecimal (1 to 16 digits, no 0x), TYPE one letter (nm's:
 * T/t text, D/d data, B/b bss, R/r read-only, W/w weak, A/a absolute, ...;
 * upper case global, lower case local), NAME no blanks.  Blank lines are
 * allowed; anything else is an error naming FILE:LINE and what is wrong.
 *
 * Pure: no guest_dwarf, no target (tests/unit/vdb/test_vdb_symbol_map.c);
 * the DWARF layer builds its symbol tables from it (guest_symbol_map.c).
 * Nothing here prints or exits; errors are one line in err.
 */
#ifndef VDB_SYMBOL_MAP_H
#define VDB_SYMBOL_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t address;
    char type;                 /* nm's letter */
    const char *name;          /* into the parsed line: name_length bytes, not NUL-terminated */
    size_t name_length;
    const char *module;        /* "virtio_blk" of "[virtio_blk]" (module_length bytes); NULL: the kernel's */
    size_t module_length;
} symbol_map_entry;

/* One line, without its newline.  Returns 1 with *out filled in, 0 for a
 * blank line, -1 with why set ("expected ADDRESS TYPE NAME ..."). */
int symbol_map_parse_line(const char *line, size_t length, symbol_map_entry *out, char *why, size_t why_size);

/* Whether a file starts as a System.map does -- text, a hex address and a
 * blank -- which tells it from an ELF image ("\177ELF"); symbol_map_parse
 * judges the rest. */
bool symbol_map_detect(const char *path);

/* Parses text[0 .. size) (a whole file, named path in messages), calling
 * visit for each symbol in file order; visit returns false to stop (out
 * of memory: then -1, err saying so).  Returns the count of symbols, or
 * -1 with err "PATH:LINE: why" at the first bad line. */
long symbol_map_parse(const char *path, const char *text, size_t size,
                      bool (*visit)(void *context, const symbol_map_entry *entry), void *context,
                      char *err, size_t err_size);

#endif
