/*
 * rsp.h -- gdb's remote serial protocol: what its two ends in vdb share,
 * the server (gdb/gdbserver.c, for the real gdb) and the client
 * (targets/target_remote.c, vdb --remote): writing to the connection,
 * framing a packet ($DATA#CS), and register values as little-endian hex.
 *
 * Layer: targets, so that the gdb layer above sees it too.
 */
#ifndef VDB_RSP_H
#define VDB_RSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes all of data to fd (a socket, a pipe, a tty); false when the
 * other end is gone.  A socket whose peer closed is an error here, never
 * SIGPIPE. */
bool vdb_rsp_write(int fd, const void *data, size_t size);

/* "$DATA#CS", CS the modulo-256 sum of DATA's bytes in two hex digits:
 * malloc'd, its length in *length; NULL when out of memory.  DATA holds
 * no byte that would need an escape ($, #, }, *): the caller's promise. */
char *vdb_rsp_frame(const char *data, size_t *length);

/* Whether the two hex digits high, low are the checksum sum. */
bool vdb_rsp_checksum_is(int high, int low, uint8_t sum);

/* value as `bytes` bytes of little-endian hex into out (2 * bytes + 1
 * chars, NUL-terminated); bytes past the eighth are zero. */
void vdb_rsp_put_le(char *out, uint64_t value, unsigned bytes);

/* A little-endian hex value of `bytes` bytes at hex (the low eight kept);
 * false where a digit is not hex (an 'x': gdb's "unavailable"). */
bool vdb_rsp_get_le(const char *hex, unsigned bytes, uint64_t *value);

#endif
