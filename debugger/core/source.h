/*
 * source.h -- source files as lines, read once per session and kept.  A
 * file that cannot be read is remembered as empty, so a missing file
 * costs one failed open, not one per pane draw.
 *
 * Layer: core, over session_state.h (the session holds the cache).  Used
 * by location.c (the line after a stop), pane.c and the list command.
 */
#ifndef VDB_SOURCE_H
#define VDB_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"

/* Line `line` of path (from 1), without its newline; NULL past the end or
 * when the file cannot be read. */
const char *vdb_source_line(vdb_session *s, const char *path, uint32_t line);
/* How many lines path has (0: none, or it cannot be read). */
size_t vdb_source_line_count(vdb_session *s, const char *path);
/* Forgets every file (vdb_session_free). */
void vdb_source_free(vdb_session *s);

#endif
