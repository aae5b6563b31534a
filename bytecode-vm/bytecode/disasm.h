/*
 * disasm.h -- the disassembler: a module printed as assembly (.vasm, the
 * syntax asm.h reads back), and one instruction as text for --trace, the
 * JIT's listing and the debugger.
 *
 * Invariant: for a module m, assembling bvm_disassemble(m) gives back m
 * exactly (asm_internal.h states what the two sides agree on), so dis ->
 * asm -> bvm_write_module reproduces the bytes of a bytecode file.
 */
#ifndef BVM_DISASM_H
#define BVM_DISASM_H

#include <stdint.h>

#include "module.h"
#include "util.h"

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
