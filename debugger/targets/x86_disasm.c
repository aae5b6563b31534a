/*
 * x86_disasm.c -- one x86 instruction as text, with Capstone (x86_disasm.h).
 */
#include "x86_disasm.h"

#include <stdio.h>

#include <capstone.h>

_Static_assert(sizeof(csh) == sizeof(size_t), "a csh is kept as a size_t");

int vdb_x86_disassemble(vdb_x86_disassembler *d, unsigned bits, const uint8_t *bytes, size_t count,
                        uint64_t address, char *text, size_t size, uint64_t *next, char *err, size_t err_size)
{
    int index = bits == 16 ? 0 : bits == 32 ? 1 : bits == 64 ? 2 : -1;
    if (index < 0) {
        snprintf(err, err_size, "no x86 code of %u bits (16, 32 or 64)", bits);
        return -1;
    }
    static const cs_mode modes[] = { CS_MODE_16, CS_MODE_32, CS_MODE_64 };
    if (!d->open[index]) {
        csh handle;
        cs_err status = cs_open(CS_ARCH_X86, modes[index], &handle);
        if (status != CS_ERR_OK) {
            snprintf(err, err_size, "Capstone cannot disassemble x86: %s", cs_strerror(status));
            return -1;
        }
        d->handle[index] = handle;
        d->open[index] = true;
    }
    cs_insn *instruction;
    if (count == 0 || cs_disasm(d->handle[index], bytes, count, address, 1, &instruction) == 0) {
        snprintf(text, size, "(bad)");  /* not an instruction: show it and move on by one byte */
        *next = address + 1;
        return 0;
    }
    snprintf(text, size, "%s%s%s", instruction->mnemonic, instruction->op_str[0] ? " " : "", instruction->op_str);
    *next = address + instruction->size;
    cs_free(instruction, 1);
    return 0;
}

void vdb_x86_close(vdb_x86_disassembler *d)
{
    for (int i = 0; i < 3; i++) {
        if (d->open[i]) {
            csh handle = d->handle[i];
            cs_close(&handle);
            d->open[i] = false;
        }
    }
}
