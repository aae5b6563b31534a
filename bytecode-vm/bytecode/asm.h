/*
 * asm.h -- the assembler: the textual assembly of bytecode modules (.vasm)
 * read back into a module.
 *
 * `bvm dis` prints a module in this syntax (disasm.h), with the source
 * lines it came from interleaved as comments; `bvm asm` reads it back.  The listing names
 * every table entry explicitly, so dis -> asm reproduces the module exactly
 * and bvm_write_module then gives back the same bytes.  The syntax is
 * documented in docs/assembly.md.
 */
#ifndef BVM_ASM_H
#define BVM_ASM_H

#include <stddef.h>

#include "diag.h"
#include "module.h"
#include "util.h"

/* Parse assembly text; NULL with file:line:col diagnostics on errors. */
bvm_module *bvm_assemble(const char *text, size_t len, const char *file, bvm_diags *diags);

#endif
