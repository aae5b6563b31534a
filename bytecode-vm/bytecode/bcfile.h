/*
 * bcfile.h -- the binary bytecode file format (.vbc), documented byte by
 * byte in docs/bytecode-format.md.
 *
 * Writing is deterministic: the same module always gives the same bytes.
 * Reading checks structure only (magic, version, section tags and lengths,
 * counts against the bytes that remain, string encodings); it never trusts
 * a count before checking it fits in what is left of the file, so a
 * hostile file cannot make it allocate more than a small multiple of the
 * file's size.  Semantic checks (indices, types, code) are the verifier's.
 */
#ifndef BVM_BCFILE_H
#define BVM_BCFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "module.h"
#include "util.h"

#define BVM_MAGIC "\x7f" "VBC"   /* 4 bytes */
#define BVM_MAGIC_LEN 4
#define BVM_VERSION_MAJOR 1
#define BVM_VERSION_MINOR 0

/* Does this buffer start with the bytecode magic? */
bool bvm_is_bytecode(const uint8_t *data, size_t len);

/* Serialize m (verified or not) into out. */
void bvm_write_module(const bvm_module *m, bvm_buf *out);

/* Parse a bytecode file's bytes; NULL with diagnostics on malformed input. */
bvm_module *bvm_read_module(const uint8_t *data, size_t len, const char *file, bvm_diags *diags);

#endif
