/*
 * jit_dump.c -- `bvm run --jit-dump`: each compiled function's bytecode,
 * instruction by instruction, with the x86-64 it became underneath,
 * disassembled by Capstone.  The compiler records where each pc's code
 * begins (bvm_jit_listing); the code between one recorded offset and the
 * next is that instruction's.  Code before pc 0 is the prologue (the
 * entries); code after the last instruction (a trap, the slow paths, the
 * shared return of a status) follows pc_offset[code_len].
 *
 *   jit: fib (function #0): 31 bytes of bytecode -> 402 bytes of x86-64 in 0.031 ms
 *     (entries: from C, at the frame's saved pc; from compiled callers, into pc 0)
 *       0000  push rbx
 *       ...
 *     pc 0     load n
 *       0042  mov rsi, qword ptr [rbx]
 */
#include <capstone.h>
#include <inttypes.h>
#include <stdio.h>

#include "disasm.h"
#include "jit.h"

/* Disassembles code[from, to) with addresses as offsets from the start. */
static void print_native(csh handle, const uint8_t *code, uint32_t from, uint32_t to, FILE *out)
{
    if (from >= to)
        return;
    cs_insn *insn = NULL;
    size_t count = cs_disasm(handle, code + from, to - from, from, 0, &insn);
    uint64_t decoded_end = from;
    for (size_t i = 0; i < count; i++) {
        fprintf(out, "      %04" PRIx64 "  %-7s %s\n", insn[i].address, insn[i].mnemonic, insn[i].op_str);
        decoded_end = insn[i].address + insn[i].size;
    }
    if (decoded_end < to)
        fprintf(out, "      %04" PRIx64 "  (%" PRIu64 " bytes Capstone does not decode)\n", decoded_end,
                (uint64_t)to - decoded_end);
    cs_free(insn, count);
}

void bvm_jit_dump(const bvm_vm *vm, const bvm_rt_function *rf, const bvm_jit_listing *listing,
                  uint64_t compile_ns, FILE *out)
{
    const bvm_function *fn = rf->fn;
    const uint8_t *code = rf->jit_code.entry;
    uint32_t size = (uint32_t)rf->jit_code.size;
    fprintf(out, "jit: %s (function #%u): %u bytes of bytecode -> %u bytes of x86-64 in %.3f ms\n", fn->name,
            rf->index, fn->code_len, size, compile_ns / 1e6);

    csh handle;
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK) {
        fprintf(out, "  (Capstone could not be opened: no disassembly)\n");
        return;
    }

    /* The offset where the code of the first compiled pc at or after `pc`
     * begins, or the end of the instructions' code. */
    uint32_t first = size;
    for (uint32_t pc = 0; pc < fn->code_len; pc++)
        if (listing->pc_offset[pc] != UINT32_MAX) {
            first = listing->pc_offset[pc];
            break;
        }
    fprintf(out, "  (entries: from C, at the frame's saved pc; from compiled callers, into pc 0)\n");
    print_native(handle, code, 0, first, out);

    bvm_buf text = { 0 };
    uint32_t end_of_instructions = first;
    for (uint32_t pc = 0; pc < fn->code_len; pc++) {
        uint32_t from = listing->pc_offset[pc];
        if (from == UINT32_MAX)
            continue;
        /* The next recorded offset ends this instruction's code;
         * pc_offset[code_len] marks the end of all instructions. */
        uint32_t to = size;
        for (uint32_t next = pc + 1; next <= fn->code_len; next++) {
            if (listing->pc_offset[next] != UINT32_MAX) {
                to = listing->pc_offset[next];
                break;
            }
        }
        text.len = 0;
        bvm_disassemble_insn(vm->module, fn, pc, &text);
        while (text.len && (text.data[text.len - 1] == '\n' || text.data[text.len - 1] == ' '))
            text.len--;
        fprintf(out, "  pc %-5u %.*s\n", pc, (int)text.len, (const char *)text.data);
        print_native(handle, code, from, to, out);
        if (to > end_of_instructions)
            end_of_instructions = to;
    }
    bvm_buf_free(&text);
    fprintf(out, "  (out of line: slow paths; passing a status up)\n");
    print_native(handle, code, end_of_instructions, size, out);
    cs_close(&handle);
}
