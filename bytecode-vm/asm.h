/*
 * asm.h -- the textual assembly of bytecode modules (.vasm).
 *
 * `bvm dis` prints a module in this syntax, with the source lines it came
 * from interleaved as comments; `bvm asm` reads it back.  The listing names
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

/* Print m as assembly into out.  When source_text is not NULL (the text of
 * m->source_file), each run of instructions is preceded by a comment with
 * the source line it came from. */
void bvm_disassemble(const bvm_module *m, const char *source_text, bvm_buf *out);

/* Disassemble one instruction at code[pc] as "mnemonic operands" (no
 * newline), with symbolic names where the module has them.  Returns the
 * instruction's length, or 0 if it is malformed (unknown opcode, truncated).
 * Shared by the disassembler, --trace and the debugger. */
uint32_t bvm_disassemble_insn(const bvm_module *m, const bvm_function *f, uint32_t pc, bvm_buf *out);

#endif
