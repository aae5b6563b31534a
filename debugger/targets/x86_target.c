/*
 * x86_target.c -- what the targets of x86 machines share: disassembly with
 * Capstone, addresses typed by number (x86_target.h).
 */
#include "x86_target.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

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

int vdb_x86_resolve(const char *target, const char *spec, uint64_t *address, char *err, size_t err_size)
{
    const char *digits = spec[0] == '*' ? spec + 1 : spec;
    int radix = 10;
    if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
        radix = 16;
        digits += 2;
    }
    /* The first character checked here, because strtoull alone would also
     * take blanks and a sign. */
    unsigned char first = (unsigned char)digits[0];
    if (radix == 16 ? isxdigit(first) : isdigit(first)) {
        char *end;
        errno = 0;
        unsigned long long value = strtoull(digits, &end, radix);
        if (*end == '\0' && errno == 0) {
            *address = value;
            return 0;
        }
    }
    if (spec[0] == '*' || isdigit((unsigned char)spec[0]))
        snprintf(err, err_size, "'%s' is not an address: give one in hex (*0x1000) or decimal (*4096)", spec);
    else
        snprintf(err, err_size, "no symbol '%s': the %s target has no symbols: give an address, e.g. *0x1000",
                 spec, target);
    return -1;
}
