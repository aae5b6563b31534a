/*
 * opcodes.c -- the per-opcode fact table, expanded from opcodes.def.
 */
#include "opcodes.h"

#include <string.h>

const uint8_t bvm_format_size[BVM_FMT__COUNT] = {
#define X(name, size, text) [BVM_FMT_##name] = size,
    BVM_FORMATS(X)
#undef X
};

const bvm_op_info bvm_op_info_table[BVM_OP__COUNT] = {
#define OP(name, mn, fmt, pops, pushes, flags, effect) \
    [BVM_OP_##name] = {mn, fmt, pops, pushes, flags, BVM_LEN_##name, effect},
#include "opcodes.def"
#undef OP
};

_Static_assert(BVM_OP__COUNT <= 256, "opcodes must fit in one byte");

int bvm_op_by_mnemonic(const char *mnemonic)
{
    for (int op = 0; op < BVM_OP__COUNT; op++)
        if (strcmp(bvm_op_info_table[op].mnemonic, mnemonic) == 0)
            return op;
    return -1;
}

const char *bvm_format_name(bvm_operand_format f)
{
    static const char *const names[BVM_FMT__COUNT] = {
#define X(name, size, text) [BVM_FMT_##name] = text,
        BVM_FORMATS(X)
#undef X
    };
    return (unsigned)f < BVM_FMT__COUNT ? names[f] : "?";
}
