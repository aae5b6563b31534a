/*
 * format.h -- how x shows memory: pure text work, unit-tested on its own.
 */
#ifndef VDB_FORMAT_H
#define VDB_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "command.h"

/* size bytes read at space:address as x/NFU shows them: units of
 * fmt->size bytes (little-endian), fmt->format x d u o t c, as many per
 * line as gdb puts there (8 bytes or halves, 4 words, 2 giants), each line
 * led by its address ("virt:0x1000:").  size is a multiple of fmt->size.
 * Returns malloc'd text, lines ending in '\n'; NULL when out of memory. */
char *vdb_format_memory(const char *space, uint64_t address, const uint8_t *bytes, size_t size,
                        const vdb_examine_format *fmt);

#endif
