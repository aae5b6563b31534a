/*
 * number_format.h -- numbers as print/F and x/NFU show them, and x's
 * memory dumps: pure text work, unit-tested on its own
 * (tests/unit/vdb/test_vdb_command.c).
 *
 * Layer: core, over command.h (vdb_examine_format) alone.  Used by the
 * service layer's values (print, display) and by the x command.
 *
 * The formats are gdb's: x hex, d signed, u unsigned, o octal, t binary,
 * c a character; 0 (print without /F) is signed decimal.
 */
#ifndef VDB_NUMBER_FORMAT_H
#define VDB_NUMBER_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "command.h"

/* v, a unit of `size` bytes (1 2 4 8; only its low size * 8 bits count, d
 * takes the top one for the sign), in format f.  padded: hex and binary
 * show every digit of the unit (x's columns, "0x0001"); else none of the
 * leading zeros (print's "0x1"). */
void vdb_format_number(uint64_t v, unsigned size, char format, bool padded, char *out, size_t out_size);

/* size bytes read at space:address as x/NFU shows them: units of
 * fmt->size bytes (little-endian), fmt->format x d u o t c, as many per
 * line as gdb puts there (8 bytes or halves, 4 words, 2 giants), each line
 * led by its address ("virt:0x1000:").  size is a multiple of fmt->size.
 * Returns malloc'd text, lines ending in '\n'; NULL when out of memory. */
char *vdb_format_memory(const char *space, uint64_t address, const uint8_t *bytes, size_t size,
                        const vdb_examine_format *fmt);

#endif
