/*
 * jit_mem.h -- executable memory for compiled code, never writable and
 * executable at the same time (W^X).
 *
 * The JIT writes machine code into an ordinary buffer; installing it maps
 * fresh pages read+write, copies the code in, and switches the pages to
 * read+execute with mprotect before anyone can run them.  Once installed,
 * code is never written again: patching means installing a new copy.
 *
 * Invariants:
 *   - After bvm_jit_code_install succeeds, code->entry points at `size`
 *     bytes of code in pages mapped PROT_READ | PROT_EXEC only, `mapped`
 *     bytes long (a multiple of the page size).
 *   - After it fails, nothing is mapped and *why says what failed.
 *   - bvm_jit_code_free is safe on a zeroed or freed bvm_jit_code.
 */
#ifndef BVM_JIT_MEM_H
#define BVM_JIT_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tier.h" /* bvm_jit_code, which each function keeps */

/* Installs `size` bytes of machine code (size > 0).  Returns false with a
 * static message in *why when the system refuses (out of address space,
 * or a policy forbidding executable mappings). */
bool bvm_jit_code_install(bvm_jit_code *code, const uint8_t *bytes, size_t size, const char **why);

/* Unmaps the code; the bvm_jit_code is zeroed. */
void bvm_jit_code_free(bvm_jit_code *code);

#endif
