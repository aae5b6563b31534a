/*
 * x64.c -- the x86-64 encoder (see x64.h for the encoding scheme).
 *
 * Every public function is one instruction form and reduces to one of two
 * builders: emit_rr (a register in ModRM.rm) or emit_rm (memory in
 * ModRM.rm).  They write prefix, REX, opcode and ModRM in that order;
 * put_mem alone knows the ModRM/SIB/displacement rules, including the
 * rsp/r12 and rbp/r13 special cases.  The few forms with the register in
 * the opcode byte (push, pop, mov r, imm) are written out where they are.
 */
#include "x64.h"

#include <string.h>

/* ================================ the buffer =============================== */

void x64_buf_init(x64_buf *buf, void *memory, size_t capacity)
{
    buf->code = memory;
    buf->size = 0;
    /* Positions must fit a rel32 for labels to reach them. */
    buf->capacity = capacity > INT32_MAX ? INT32_MAX : capacity;
    buf->overflow = 0;
    buf->error = NULL;
    buf->unresolved = 0;
    buf->run_address = 0;
}

const char *x64_buf_error(const x64_buf *buf)
{
    if (buf->error)
        return buf->error;
    if (buf->overflow)
        return "code buffer too small";
    if (buf->unresolved)
        return "reference to a label that was never bound";
    return NULL;
}

/* Records the first misuse; later ones are usually consequences. */
static void fail(x64_buf *buf, const char *why)
{
    if (!buf->error)
        buf->error = why;
}

static void put8(x64_buf *buf, uint8_t byte)
{
    if (buf->size < buf->capacity)
        buf->code[buf->size] = byte;
    else
        buf->overflow = 1;
    buf->size++;
}

static void put32(x64_buf *buf, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        put8(buf, (uint8_t)(v >> (8 * i)));
}

static void put64(x64_buf *buf, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        put8(buf, (uint8_t)(v >> (8 * i)));
}

/* Fields written earlier, for label patching; `pos` is inside the
 * capacity (the caller checks). */
static uint32_t get32_at(const x64_buf *buf, size_t pos)
{
    const uint8_t *p = buf->code + pos;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32_at(x64_buf *buf, size_t pos, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        buf->code[pos + i] = (uint8_t)(v >> (8 * i));
}

void x64_data(x64_buf *buf, const void *bytes, size_t n)
{
    const uint8_t *p = bytes;
    for (size_t i = 0; i < n; i++)
        put8(buf, p[i]);
}

static bool fits_int8(int64_t v) { return v >= INT8_MIN && v <= INT8_MAX; }
static bool fits_int32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

/* ================================= labels ================================== */

void x64_label_init(x64_label *label) { memset(label, 0, sizeof *label); }

/* A rel32 field counting from its own end to the label.  Unbound, the
 * field joins the label's list instead (see x64_label in x64.h). */
static void put_rel32_to_label(x64_buf *buf, x64_label *label)
{
    size_t field = buf->size;
    if (label->bound) {
        put32(buf, (uint32_t)((int64_t)label->offset - (int64_t)(field + 4)));
        return;
    }
    put32(buf, label->pending ? (uint32_t)(field - label->newest) : 0);
    label->newest = (uint32_t)field;
    label->pending++;
    buf->unresolved++;
}

void x64_label_bind(x64_buf *buf, x64_label *label)
{
    if (label->bound) {
        fail(buf, "label bound twice");
        return;
    }
    label->bound = true;
    label->offset = (uint32_t)buf->size;
    buf->unresolved -= label->pending;
    /* After an overflow some fields of the list were never written; the
     * code is unusable anyway, so leave it. */
    if (!buf->overflow) {
        size_t field = label->newest;
        for (uint32_t i = 0; i < label->pending; i++) {
            uint32_t back = get32_at(buf, field);
            put32_at(buf, field, (uint32_t)((int64_t)label->offset - (int64_t)(field + 4)));
            field -= back;
        }
    }
    label->pending = 0;
}

/* ============================ the two builders ============================= */

enum {
    REX_W    = 1 << 0, /* 64-bit operand size                                */
    BYTE_REG = 1 << 1, /* ModRM.reg is a byte register                       */
    BYTE_RM  = 1 << 2, /* ModRM.rm is a byte register                        */
};

/* Byte registers 4-7 are spl bpl sil dil only with a REX (else ah..bh). */
static bool needs_rex_as_byte(unsigned reg) { return reg >= 4 && reg <= 7; }

static bool valid_reg(unsigned reg) { return reg < 16; }

static uint8_t modrm(unsigned mod, unsigned reg, unsigned rm)
{
    return (uint8_t)(mod << 6 | (reg & 7) << 3 | (rm & 7));
}

/* reg, index and base are full register numbers (0 where absent); only
 * their 4th bits go into REX. */
static void put_rex(x64_buf *buf, bool w, unsigned reg, unsigned index, unsigned base, bool force)
{
    uint8_t rex = (uint8_t)(0x40 | w << 3 | (reg >> 3) << 2 | (index >> 3) << 1 | base >> 3);
    if (rex != 0x40 || force)
        put8(buf, rex);
}

/* Opcodes of up to three bytes, written high byte first: 0x0FAF is 0F AF. */
static void put_opcode(x64_buf *buf, uint32_t opcode)
{
    if (opcode > 0xFFFF)
        put8(buf, (uint8_t)(opcode >> 16));
    if (opcode > 0xFF)
        put8(buf, (uint8_t)(opcode >> 8));
    put8(buf, (uint8_t)opcode);
}

/* prefix REX opcode ModRM(11, reg, rm).  prefix 0 means none. */
static void emit_rr(x64_buf *buf, unsigned flags, uint8_t prefix, uint32_t opcode, unsigned reg, unsigned rm)
{
    if (!valid_reg(reg) || !valid_reg(rm)) {
        fail(buf, "register out of range");
        return;
    }
    bool force = ((flags & BYTE_REG) && needs_rex_as_byte(reg)) || ((flags & BYTE_RM) && needs_rex_as_byte(rm));
    if (prefix)
        put8(buf, prefix);
    put_rex(buf, flags & REX_W, reg, 0, rm, force);
    put_opcode(buf, opcode);
    put8(buf, modrm(3, reg, rm));
}

static bool valid_mem(x64_buf *buf, x64_mem m, unsigned imm_size)
{
    const char *why = NULL;
    if (m.base == X64_RIP) {
        if (m.index != X64_NO_REG)
            why = "rip-relative operand with an index";
        else if (m.label && m.disp != 0)
            why = "label operand with a displacement";
        else if (m.label && imm_size != 0)
            why = "label operand in a form with an immediate";
    } else if (!valid_reg(m.base)) {
        why = "memory base out of range";
    } else if (m.label) {
        why = "label operand without base X64_RIP";
    } else if (m.index != X64_NO_REG) {
        if (m.index == X64_RSP)
            why = "rsp cannot be an index";
        else if (!valid_reg(m.index))
            why = "memory index out of range";
        else if (m.scale != 1 && m.scale != 2 && m.scale != 4 && m.scale != 8)
            why = "scale other than 1, 2, 4 or 8";
    }
    if (why)
        fail(buf, why);
    return why == NULL;
}

/* ModRM, SIB and displacement for [m] (checked by valid_mem) with `reg`
 * in ModRM.reg. */
static void put_mem(x64_buf *buf, unsigned reg, x64_mem m)
{
    if (m.base == X64_RIP) {
        put8(buf, modrm(0, reg, 5));
        if (m.label)
            put_rel32_to_label(buf, m.label);
        else
            put32(buf, (uint32_t)m.disp);
        return;
    }
    unsigned base = m.base & 7; /* the special cases ignore REX.B */
    bool has_index = m.index != X64_NO_REG;
    unsigned mod;
    if (m.disp == 0 && base != 5)
        mod = 0;
    else if (fits_int8(m.disp))
        mod = 1;
    else
        mod = 2;
    if (has_index || base == 4) {
        static const uint8_t scale_bits[9] = { [1] = 0, [2] = 1, [4] = 2, [8] = 3 };
        put8(buf, modrm(mod, reg, 4));
        unsigned index = has_index ? (m.index & 7) : 4; /* 100: no index */
        unsigned scale = has_index ? scale_bits[m.scale] : 0;
        put8(buf, (uint8_t)(scale << 6 | index << 3 | base));
    } else {
        put8(buf, modrm(mod, reg, base));
    }
    if (mod == 1)
        put8(buf, (uint8_t)m.disp);
    else if (mod == 2)
        put32(buf, (uint32_t)m.disp);
}

/* prefix REX opcode ModRM [SIB] [disp], the memory operand in ModRM.rm.
 * imm_size: the bytes of immediate the caller appends afterwards. */
static bool emit_rm(x64_buf *buf, unsigned flags, uint8_t prefix, uint32_t opcode, unsigned reg, x64_mem m,
                    unsigned imm_size)
{
    if (!valid_reg(reg)) {
        fail(buf, "register out of range");
        return false;
    }
    if (!valid_mem(buf, m, imm_size))
        return false;
    unsigned base = m.base == X64_RIP ? 0 : m.base;
    unsigned index = m.index == X64_NO_REG ? 0 : m.index;
    if (prefix)
        put8(buf, prefix);
    put_rex(buf, flags & REX_W, reg, index, base, (flags & BYTE_REG) && needs_rex_as_byte(reg));
    put_opcode(buf, opcode);
    put_mem(buf, reg, m);
    return true;
}

/* The register-in-opcode forms (push, pop, mov r, imm): REX.B extends it. */
static bool emit_opcode_reg(x64_buf *buf, bool w, uint8_t opcode, unsigned reg)
{
    if (!valid_reg(reg)) {
        fail(buf, "register out of range");
        return false;
    }
    put_rex(buf, w, 0, 0, reg, false);
    put8(buf, (uint8_t)(opcode + (reg & 7)));
    return true;
}

/* ============================ moves and loads ============================== */

void x64_mov_rr(x64_buf *buf, x64_reg dst, x64_reg src) { emit_rr(buf, REX_W, 0, 0x89, src, dst); }
void x64_mov32_rr(x64_buf *buf, x64_reg dst, x64_reg src) { emit_rr(buf, 0, 0, 0x89, src, dst); }

void x64_mov_ri(x64_buf *buf, x64_reg dst, int64_t imm)
{
    if (imm >= 0 && imm <= UINT32_MAX) {
        /* B8+r id: writing a 32-bit register clears the upper half. */
        if (emit_opcode_reg(buf, false, 0xB8, dst))
            put32(buf, (uint32_t)imm);
    } else if (fits_int32(imm)) {
        /* C7 /0 id: sign-extended. */
        emit_rr(buf, REX_W, 0, 0xC7, 0, dst);
        if (valid_reg(dst))
            put32(buf, (uint32_t)imm);
    } else {
        /* REX.W B8+r io: movabs. */
        if (emit_opcode_reg(buf, true, 0xB8, dst))
            put64(buf, (uint64_t)imm);
    }
}

void x64_mov_rm(x64_buf *buf, x64_reg dst, x64_mem src) { emit_rm(buf, REX_W, 0, 0x8B, dst, src, 0); }
void x64_mov_mr(x64_buf *buf, x64_mem dst, x64_reg src) { emit_rm(buf, REX_W, 0, 0x89, src, dst, 0); }

void x64_mov_mi(x64_buf *buf, x64_mem dst, int32_t imm)
{
    if (emit_rm(buf, REX_W, 0, 0xC7, 0, dst, 4))
        put32(buf, (uint32_t)imm);
}

void x64_mov32_rm(x64_buf *buf, x64_reg dst, x64_mem src) { emit_rm(buf, 0, 0, 0x8B, dst, src, 0); }
void x64_mov32_mr(x64_buf *buf, x64_mem dst, x64_reg src) { emit_rm(buf, 0, 0, 0x89, src, dst, 0); }
void x64_movsxd_rr(x64_buf *buf, x64_reg dst, x64_reg src) { emit_rr(buf, REX_W, 0, 0x63, dst, src); }
void x64_movsxd_rm(x64_buf *buf, x64_reg dst, x64_mem src) { emit_rm(buf, REX_W, 0, 0x63, dst, src, 0); }
void x64_movzx8_rr(x64_buf *buf, x64_reg dst, x64_reg src) { emit_rr(buf, BYTE_RM, 0, 0x0FB6, dst, src); }
void x64_movzx8_rm(x64_buf *buf, x64_reg dst, x64_mem src) { emit_rm(buf, 0, 0, 0x0FB6, dst, src, 0); }
void x64_movsx8_rm(x64_buf *buf, x64_reg dst, x64_mem src) { emit_rm(buf, REX_W, 0, 0x0FBE, dst, src, 0); }
void x64_mov8_mr(x64_buf *buf, x64_mem dst, x64_reg src) { emit_rm(buf, BYTE_REG, 0, 0x88, src, dst, 0); }
void x64_lea(x64_buf *buf, x64_reg dst, x64_mem src) { emit_rm(buf, REX_W, 0, 0x8D, dst, src, 0); }

/* ============================ integer arithmetic =========================== */

static bool valid_alu_op(x64_buf *buf, x64_alu_op op)
{
    if ((unsigned)op <= X64_CMP)
        return true;
    fail(buf, "unknown ALU operation");
    return false;
}

/* The ALU opcodes are laid out by operation: op*8 + 1 is "op r/m, r",
 * op*8 + 3 is "op r, r/m"; 81 /op and 83 /op take imm32 and imm8, and
 * op*8 + 5 is a one-byte-shorter "op rax, imm32". */
void x64_alu_rr(x64_buf *buf, x64_alu_op op, x64_reg dst, x64_reg src)
{
    if (valid_alu_op(buf, op))
        emit_rr(buf, REX_W, 0, (uint32_t)op * 8 + 1, src, dst);
}

void x64_alu_ri(x64_buf *buf, x64_alu_op op, x64_reg dst, int32_t imm)
{
    if (!valid_alu_op(buf, op))
        return;
    if (fits_int8(imm)) {
        emit_rr(buf, REX_W, 0, 0x83, op, dst);
        if (valid_reg(dst))
            put8(buf, (uint8_t)imm);
    } else if (dst == X64_RAX) {
        put_rex(buf, true, 0, 0, 0, false);
        put8(buf, (uint8_t)(op * 8 + 5));
        put32(buf, (uint32_t)imm);
    } else {
        emit_rr(buf, REX_W, 0, 0x81, op, dst);
        if (valid_reg(dst))
            put32(buf, (uint32_t)imm);
    }
}

void x64_alu_rm(x64_buf *buf, x64_alu_op op, x64_reg dst, x64_mem src)
{
    if (valid_alu_op(buf, op))
        emit_rm(buf, REX_W, 0, (uint32_t)op * 8 + 3, dst, src, 0);
}

void x64_alu_mr(x64_buf *buf, x64_alu_op op, x64_mem dst, x64_reg src)
{
    if (valid_alu_op(buf, op))
        emit_rm(buf, REX_W, 0, (uint32_t)op * 8 + 1, src, dst, 0);
}

void x64_alu_mi(x64_buf *buf, x64_alu_op op, x64_mem dst, int32_t imm)
{
    if (!valid_alu_op(buf, op))
        return;
    if (fits_int8(imm)) {
        if (emit_rm(buf, REX_W, 0, 0x83, op, dst, 1))
            put8(buf, (uint8_t)imm);
    } else if (emit_rm(buf, REX_W, 0, 0x81, op, dst, 4)) {
        put32(buf, (uint32_t)imm);
    }
}

void x64_test_rr(x64_buf *buf, x64_reg a, x64_reg b) { emit_rr(buf, REX_W, 0, 0x85, b, a); }

void x64_test_ri(x64_buf *buf, x64_reg a, int32_t imm)
{
    /* test has no imm8 form (F6 tests a byte register, other flags). */
    if (a == X64_RAX) {
        put_rex(buf, true, 0, 0, 0, false);
        put8(buf, 0xA9);
    } else {
        emit_rr(buf, REX_W, 0, 0xF7, 0, a);
        if (!valid_reg(a))
            return;
    }
    put32(buf, (uint32_t)imm);
}

void x64_imul_rr(x64_buf *buf, x64_reg dst, x64_reg src) { emit_rr(buf, REX_W, 0, 0x0FAF, dst, src); }

void x64_imul_rri(x64_buf *buf, x64_reg dst, x64_reg src, int32_t imm)
{
    bool short_imm = fits_int8(imm);
    emit_rr(buf, REX_W, 0, short_imm ? 0x6B : 0x69, dst, src);
    if (!valid_reg(dst) || !valid_reg(src))
        return;
    if (short_imm)
        put8(buf, (uint8_t)imm);
    else
        put32(buf, (uint32_t)imm);
}

/* The unary group: F7 /2 not, /3 neg, /7 idiv; FF /0 inc, /1 dec. */
void x64_not(x64_buf *buf, x64_reg reg) { emit_rr(buf, REX_W, 0, 0xF7, 2, reg); }
void x64_neg(x64_buf *buf, x64_reg reg) { emit_rr(buf, REX_W, 0, 0xF7, 3, reg); }
void x64_idiv(x64_buf *buf, x64_reg divisor) { emit_rr(buf, REX_W, 0, 0xF7, 7, divisor); }
void x64_imul_wide(x64_buf *buf, x64_reg factor) { emit_rr(buf, REX_W, 0, 0xF7, 5, factor); }
void x64_inc(x64_buf *buf, x64_reg reg) { emit_rr(buf, REX_W, 0, 0xFF, 0, reg); }
void x64_dec(x64_buf *buf, x64_reg reg) { emit_rr(buf, REX_W, 0, 0xFF, 1, reg); }

void x64_cqo(x64_buf *buf)
{
    put8(buf, 0x48);
    put8(buf, 0x99);
}

static bool valid_shift_op(x64_buf *buf, x64_shift_op op)
{
    if (op == X64_SHL || op == X64_SHR || op == X64_SAR)
        return true;
    fail(buf, "unknown shift operation");
    return false;
}

void x64_shift_rcl(x64_buf *buf, x64_shift_op op, x64_reg reg)
{
    if (valid_shift_op(buf, op))
        emit_rr(buf, REX_W, 0, 0xD3, op, reg);
}

void x64_shift_ri(x64_buf *buf, x64_shift_op op, x64_reg reg, uint8_t count)
{
    if (!valid_shift_op(buf, op))
        return;
    if (count == 1) {
        emit_rr(buf, REX_W, 0, 0xD1, op, reg); /* the shift-by-one form has no immediate */
    } else {
        emit_rr(buf, REX_W, 0, 0xC1, op, reg);
        if (valid_reg(reg))
            put8(buf, count);
    }
}

static bool valid_cond(x64_buf *buf, x64_cond cc)
{
    if ((unsigned)cc <= X64_CC_G)
        return true;
    fail(buf, "unknown condition code");
    return false;
}

/* The cc goes into the low 4 bits of the opcode. */
void x64_setcc(x64_buf *buf, x64_cond cc, x64_reg dst)
{
    if (valid_cond(buf, cc))
        emit_rr(buf, BYTE_RM, 0, 0x0F90 + cc, 0, dst);
}

void x64_cmov_rr(x64_buf *buf, x64_cond cc, x64_reg dst, x64_reg src)
{
    if (valid_cond(buf, cc))
        emit_rr(buf, REX_W, 0, 0x0F40 + cc, dst, src);
}

/* ============================== control flow =============================== */

/* push, pop, call and jmp through a register are 64-bit without REX.W. */
void x64_push(x64_buf *buf, x64_reg reg) { emit_opcode_reg(buf, false, 0x50, reg); }
void x64_pop(x64_buf *buf, x64_reg reg) { emit_opcode_reg(buf, false, 0x58, reg); }
void x64_call_r(x64_buf *buf, x64_reg target) { emit_rr(buf, 0, 0, 0xFF, 2, target); }
void x64_call_m(x64_buf *buf, x64_mem target) { emit_rm(buf, 0, 0, 0xFF, 2, target, 0); }
void x64_jmp_r(x64_buf *buf, x64_reg target) { emit_rr(buf, 0, 0, 0xFF, 4, target); }
void x64_jmp_m(x64_buf *buf, x64_mem target) { emit_rm(buf, 0, 0, 0xFF, 4, target, 0); }
void x64_ret(x64_buf *buf) { put8(buf, 0xC3); }
void x64_int3(x64_buf *buf) { put8(buf, 0xCC); }

void x64_ud2(x64_buf *buf)
{
    put8(buf, 0x0F);
    put8(buf, 0x0B);
}

/* The rel8 displacement a short branch of `length` bytes emitted now
 * would need to reach a bound label; false when out of reach. */
static bool short_reach(const x64_buf *buf, const x64_label *label, unsigned length, int8_t *rel8)
{
    if (!label->bound)
        return false;
    int64_t rel = (int64_t)label->offset - (int64_t)(buf->size + length);
    if (!fits_int8(rel))
        return false;
    *rel8 = (int8_t)rel;
    return true;
}

void x64_jmp_label(x64_buf *buf, x64_label *target)
{
    int8_t rel8;
    if (short_reach(buf, target, 2, &rel8)) {
        put8(buf, 0xEB);
        put8(buf, (uint8_t)rel8);
        return;
    }
    put8(buf, 0xE9);
    put_rel32_to_label(buf, target);
}

void x64_jcc_label(x64_buf *buf, x64_cond cc, x64_label *target)
{
    if (!valid_cond(buf, cc))
        return;
    int8_t rel8;
    if (short_reach(buf, target, 2, &rel8)) {
        put8(buf, (uint8_t)(0x70 + cc));
        put8(buf, (uint8_t)rel8);
        return;
    }
    put8(buf, 0x0F);
    put8(buf, (uint8_t)(0x80 + cc));
    put_rel32_to_label(buf, target);
}

void x64_call_label(x64_buf *buf, x64_label *target)
{
    put8(buf, 0xE8);
    put_rel32_to_label(buf, target);
}

void x64_call_abs(x64_buf *buf, uint64_t target, x64_reg scratch)
{
    if (buf->run_address != 0) {
        uint64_t next = buf->run_address + buf->size + 5; /* end of call rel32 */
        int64_t rel = (int64_t)(target - next);           /* two's complement wrap */
        if (fits_int32(rel)) {
            put8(buf, 0xE8);
            put32(buf, (uint32_t)rel);
            return;
        }
    }
    x64_mov_ri(buf, scratch, (int64_t)target);
    x64_call_r(buf, scratch);
}

/* The multi-byte no-ops Intel recommends (SDM vol. 2, NOP): 0F 1F /0 with
 * a memory operand [rax], [rax + disp8], [rax + rax*1 + disp8], ...
 * that is never accessed, plus 66 prefixes to fill the odd sizes. */
static const uint8_t nops[9][9] = {
    { 0x90 },
    { 0x66, 0x90 },
    { 0x0F, 0x1F, 0x00 },
    { 0x0F, 0x1F, 0x40, 0x00 },
    { 0x0F, 0x1F, 0x44, 0x00, 0x00 },
    { 0x66, 0x0F, 0x1F, 0x44, 0x00, 0x00 },
    { 0x0F, 0x1F, 0x80, 0x00, 0x00, 0x00, 0x00 },
    { 0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 },
    { 0x66, 0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 },
};

void x64_nop(x64_buf *buf, size_t n)
{
    while (n > 0) {
        size_t chunk = n < 9 ? n : 9;
        x64_data(buf, nops[chunk - 1], chunk);
        n -= chunk;
    }
}

void x64_align(x64_buf *buf, size_t alignment)
{
    if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
        fail(buf, "alignment not a power of two");
        return;
    }
    x64_nop(buf, (alignment - buf->size % alignment) % alignment);
}

/* ========================= SSE2, double precision ========================== */

/* Register copies use movapd, not movsd: movsd xmm, xmm merges into the
 * destination (a dependency on its old value); movapd is a plain copy the
 * CPU can do by renaming. */
void x64_movapd_rr(x64_buf *buf, x64_xmm dst, x64_xmm src) { emit_rr(buf, 0, 0x66, 0x0F28, dst, src); }
void x64_movsd_rm(x64_buf *buf, x64_xmm dst, x64_mem src) { emit_rm(buf, 0, 0xF2, 0x0F10, dst, src, 0); }
void x64_movsd_mr(x64_buf *buf, x64_mem dst, x64_xmm src) { emit_rm(buf, 0, 0xF2, 0x0F11, src, dst, 0); }

static const struct {
    uint8_t prefix;
    uint16_t opcode;
} sse_ops[X64_SSE_OP_COUNT] = {
    [X64_ADDSD] = { 0xF2, 0x0F58 },   [X64_SUBSD] = { 0xF2, 0x0F5C }, [X64_MULSD] = { 0xF2, 0x0F59 },
    [X64_DIVSD] = { 0xF2, 0x0F5E },   [X64_MINSD] = { 0xF2, 0x0F5D }, [X64_MAXSD] = { 0xF2, 0x0F5F },
    [X64_SQRTSD] = { 0xF2, 0x0F51 },  [X64_UCOMISD] = { 0x66, 0x0F2E }, [X64_XORPD] = { 0x66, 0x0F57 },
    [X64_ANDPD] = { 0x66, 0x0F54 },
};

static bool valid_sse_op(x64_buf *buf, x64_sse_op op)
{
    if ((unsigned)op < X64_SSE_OP_COUNT)
        return true;
    fail(buf, "unknown SSE operation");
    return false;
}

void x64_sse_rr(x64_buf *buf, x64_sse_op op, x64_xmm dst, x64_xmm src)
{
    if (valid_sse_op(buf, op))
        emit_rr(buf, 0, sse_ops[op].prefix, sse_ops[op].opcode, dst, src);
}

void x64_sse_rm(x64_buf *buf, x64_sse_op op, x64_xmm dst, x64_mem src)
{
    if (valid_sse_op(buf, op))
        emit_rm(buf, 0, sse_ops[op].prefix, sse_ops[op].opcode, dst, src, 0);
}

/* With REX.W the general register operand is 64-bit. */
void x64_cvtsi2sd(x64_buf *buf, x64_xmm dst, x64_reg src) { emit_rr(buf, REX_W, 0xF2, 0x0F2A, dst, src); }
void x64_cvttsd2si(x64_buf *buf, x64_reg dst, x64_xmm src) { emit_rr(buf, REX_W, 0xF2, 0x0F2C, dst, src); }
void x64_movq_xr(x64_buf *buf, x64_xmm dst, x64_reg src) { emit_rr(buf, REX_W, 0x66, 0x0F6E, dst, src); }
void x64_movq_rx(x64_buf *buf, x64_reg dst, x64_xmm src) { emit_rr(buf, REX_W, 0x66, 0x0F7E, src, dst); }
