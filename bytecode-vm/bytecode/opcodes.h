/*
 * opcodes.h -- the opcode enum and per-opcode facts, all expanded from
 * opcodes.def.  See that file for the instruction set itself.
 *
 * Invariants:
 *   - BVM_OP__COUNT <= 256 (one opcode byte).
 *   - bvm_op_info[op].length is the full encoded length (opcode byte plus
 *     operands) and depends only on the format.
 */
#ifndef BVM_OPCODES_H
#define BVM_OPCODES_H

#include <stdbool.h>
#include <stdint.h>

/* Operand layouts: X(NAME, operand bytes, name in messages and docs). */
#define BVM_FORMATS(X)                                                    \
    X(NONE,      0, "none")      /* no operands                        */ \
    X(U8,        1, "u8")        /* u8 immediate                       */ \
    X(I32,       4, "i32")       /* i32 immediate                      */ \
    X(CONST,     2, "const")     /* u16 constant pool index            */ \
    X(LOCAL,     2, "local")     /* u16 local slot                     */ \
    X(LOCAL_I32, 6, "local,i32") /* u16 local slot, i32 immediate      */ \
    X(GLOBAL,    2, "global")    /* u16 global index                   */ \
    X(FUNC,      2, "func")      /* u16 function index                 */ \
    X(TYPE,      2, "type")      /* u16 type index                     */ \
    X(FIELD,     4, "field")     /* u16 record index, u16 field index  */ \
    X(JUMP,      4, "jump")      /* i32 offset from this instruction   */

typedef enum {
#define X(name, size, text) BVM_FMT_##name,
    BVM_FORMATS(X)
#undef X
    BVM_FMT__COUNT
} bvm_operand_format;

/* Flags column of opcodes.def. */
enum {
    OPF_BRANCH = 1 << 0, /* has a jump target operand                       */
    OPF_END    = 1 << 1, /* control never falls through to the next pc      */
    OPF_THROWS = 1 << 2, /* may raise an exception (beyond CALL's callee); raising
                            allocates the message, so this is a GC point too */
    OPF_GC     = 1 << 3, /* allocates its result, so may run the collector    */
};

/* Operand sizes and instruction lengths as compile-time constants, for code
 * that wants them folded in (the interpreter advances ip by BVM_LEN_<OP>). */
enum {
#define X(name, size, text) BVM_FMT_##name##_SIZE = size,
    BVM_FORMATS(X)
#undef X
};

typedef enum {
#define OP(name, mn, fmt, pops, pushes, flags, effect) BVM_OP_##name,
#include "opcodes.def"
#undef OP
    BVM_OP__COUNT
} bvm_opcode;

enum {
#define OP(name, mn, fmt, pops, pushes, flags, effect) BVM_LEN_##name = 1 + fmt##_SIZE,
#include "opcodes.def"
#undef OP
};

typedef struct {
    const char *mnemonic;
    bvm_operand_format format;
    const char *pops;   /* type letters, or "*" when verify.c decides */
    const char *pushes;
    uint8_t flags;
    uint8_t length;     /* opcode byte + operands */
    const char *effect;
} bvm_op_info;

extern const bvm_op_info bvm_op_info_table[BVM_OP__COUNT];
extern const uint8_t bvm_format_size[BVM_FMT__COUNT]; /* operand bytes */

static inline const bvm_op_info *bvm_op(unsigned op) { return &bvm_op_info_table[op]; }
static inline bool bvm_op_valid(unsigned op) { return op < BVM_OP__COUNT; }

/* Look a mnemonic up; returns -1 when there is no such instruction. */
int bvm_op_by_mnemonic(const char *mnemonic);

/* Name of an operand format, for error messages and docs ("local", "jump"...). */
const char *bvm_format_name(bvm_operand_format f);

/* Little-endian operand access; code need not be aligned. */
static inline uint16_t bvm_read_u16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline int32_t bvm_read_i32(const uint8_t *p)
{
    return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
}
static inline void bvm_write_u16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void bvm_write_i32(uint8_t *p, int32_t v)
{
    uint32_t u = (uint32_t)v;
    p[0] = (uint8_t)u; p[1] = (uint8_t)(u >> 8); p[2] = (uint8_t)(u >> 16); p[3] = (uint8_t)(u >> 24);
}

#endif
