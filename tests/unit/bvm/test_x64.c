/*
 * test_x64.c -- the x86-64 encoder (x64.c), checked against Capstone.
 *
 * Every instruction form is emitted with every register in every register
 * position, and every memory form with memory operands covering each base
 * (rsp, rbp, r12 and r13 included), each index but rsp with each scale,
 * rip-relative, and displacements of no, 8-bit and 32-bit size at their
 * edges.  Each emitted instruction must decode (Capstone, x86-64, Intel
 * syntax) as exactly one instruction of exactly the emitted size, whose
 * text equals the text built here from register names and values.  The
 * expected texts never come from the encoder's tables, so a wrong REX bit,
 * ModRM field or displacement shows up as a different register or number.
 *
 * Capstone decodes longer-than-needed encodings just as well, so each check
 * also states the expected size: the shortest encoding (REX only when
 * needed, imm8 and disp8 when the value fits, no displacement for 0).
 *
 * How Capstone 4 prints operands (learned by probing it):
 *   - numbers: 0..9 in decimal, larger in hex ("0x80"), negatives with a
 *     minus before the magnitude ("-1", "-0x80000000").  Sign-extended
 *     immediates print signed; movabs, mov r32, imm32 and shift counts
 *     print unsigned.
 *   - memory: "qword ptr [base + index*scale + disp]", "*1" and a zero disp
 *     left out, a negative disp as "- 0x80"; lea has no size; rip-relative
 *     prints the displacement, not the target.
 *   - branches and calls print their target address.
 */
#include <capstone/capstone.h>
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "x64.h"

/* ============================ names and numbers ============================ */

static const char *const reg64[16] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15",
};
static const char *const reg32[16] = {
    "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
    "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d",
};
static const char *const reg8[16] = {
    "al",  "cl",  "dl",   "bl",   "spl",  "bpl",  "sil",  "dil",
    "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b",
};
static const char *const xmm[16] = {
    "xmm0", "xmm1", "xmm2",  "xmm3",  "xmm4",  "xmm5",  "xmm6",  "xmm7",
    "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15",
};
/* Condition suffixes in x64_cond order, as Capstone spells them. */
static const char *const cc_name[16] = {
    "o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g",
};
static const char *const alu_name[8] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" };

/* Short-lived strings for building one expected text: a ring of slots. */
static char *slot(void)
{
    static char ring[16][128];
    static unsigned next;
    return ring[next++ % 16];
}

/* A magnitude as Capstone prints it: 0..9 in decimal, larger in hex. */
static int put_magnitude(char *out, size_t size, uint64_t v)
{
    return snprintf(out, size, v <= 9 ? "%llu" : "0x%llx", (unsigned long long)v);
}

static const char *unum(uint64_t v)
{
    char *s = slot();
    put_magnitude(s, 128, v);
    return s;
}

static const char *snum(int64_t v)
{
    if (v >= 0)
        return unum((uint64_t)v);
    char *s = slot();
    s[0] = '-';
    put_magnitude(s + 1, 127, 0 - (uint64_t)v);
    return s;
}

/* and, or and xor print their sign-extended immediate as the unsigned
 * 64-bit value it becomes ("or rax, 0xffffffffffffffff"); the other ALU
 * operations print it signed. */
static const char *alu_imm(int op, int32_t v)
{
    bool bitwise = op == X64_AND || op == X64_OR || op == X64_XOR;
    return bitwise ? unum((uint64_t)(int64_t)v) : snum(v);
}

static bool fits8(int64_t v) { return v >= -128 && v <= 127; }
static bool is_high(int r) { return r >= X64_R8 && r <= X64_R15; }

/* "size ptr [base + index*scale +/- disp]"; size NULL for lea. */
static const char *mem_text(const char *size, x64_mem m)
{
    char *s = slot();
    int n = size ? snprintf(s, 128, "%s ptr [", size) : snprintf(s, 128, "[");
    n += snprintf(s + n, 128 - n, "%s", m.base == X64_RIP ? "rip" : reg64[m.base]);
    if (m.index != X64_NO_REG) {
        n += snprintf(s + n, 128 - n, " + %s", reg64[m.index]);
        if (m.scale != 1)
            n += snprintf(s + n, 128 - n, "*%d", m.scale);
    }
    if (m.disp != 0) {
        n += snprintf(s + n, 128 - n, m.disp > 0 ? " + " : " - ");
        n += put_magnitude(s + n, 128 - n, m.disp > 0 ? (uint64_t)m.disp : (uint64_t)(-(int64_t)m.disp));
    }
    snprintf(s + n, 128 - n, "]");
    return s;
}

/* Bytes after the opcode for the shortest encoding of [m]: a ModRM; a SIB
 * with an index or a base of rsp or r12; a displacement of none (0, but
 * rbp and r13 always take one), 1 or 4 bytes; rip-relative always disp32. */
static size_t mem_size(x64_mem m)
{
    if (m.base == X64_RIP)
        return 5;
    size_t n = 1;
    if (m.index != X64_NO_REG || m.base == X64_RSP || m.base == X64_R12)
        n++;
    if (m.disp == 0 && m.base != X64_RBP && m.base != X64_R13)
        ;
    else if (fits8(m.disp))
        n += 1;
    else
        n += 4;
    return n;
}

/* Whether [m] alone needs a REX (REX.B or REX.X). */
static bool mem_rex(x64_mem m) { return is_high(m.base) || (m.index != X64_NO_REG && is_high(m.index)); }

/* ============================== decoding ================================= */

static csh cs;
static long checked; /* instructions decoded and compared (when not forking) */
static uint8_t code[64];
static x64_buf buf;

static void cs_setup(void)
{
    ck_assert_int_eq(cs_open(CS_ARCH_X86, CS_MODE_64, &cs), CS_ERR_OK);
}

static void cs_teardown(void) { cs_close(&cs); }

static x64_buf *fresh(void)
{
    memset(code, 0, sizeof code);
    x64_buf_init(&buf, code, sizeof code);
    return &buf;
}

static const char *hex(const uint8_t *p, size_t n)
{
    static char s[3 * 64 + 1];
    size_t k = 0;
    for (size_t i = 0; i < n && i < 64; i++)
        k += (size_t)snprintf(s + k, sizeof s - k, "%s%02x", i ? " " : "", p[i]);
    s[k] = 0;
    return s;
}

/* Decodes one instruction at `offset` (address run_address + offset) into
 * "mnemonic operands" text; returns its size, 0 when nothing decodes. */
static size_t decode(const x64_buf *b, size_t offset, char *text, size_t text_size)
{
    cs_insn *insn;
    size_t n = cs_disasm(cs, b->code + offset, b->size - offset, b->run_address + offset, 1, &insn);
    if (n != 1)
        return 0;
    snprintf(text, text_size, "%s%s%s", insn->mnemonic, insn->op_str[0] ? " " : "", insn->op_str);
    size_t size = insn->size;
    cs_free(insn, n);
    return size;
}

static void check_decode(const x64_buf *b, size_t offset, size_t size, const char *want)
{
    char got[256];
    size_t got_size = decode(b, offset, got, sizeof got);
    if (got_size == 0)
        ck_abort_msg("want \"%s\": Capstone decodes nothing from %s", want, hex(b->code + offset, b->size - offset));
    if (strcmp(got, want) != 0)
        ck_abort_msg("%s: Capstone says \"%s\", want \"%s\"", hex(b->code + offset, got_size), got, want);
    if (got_size != size)
        ck_abort_msg("%s (%s): %zu bytes, want %zu", want, hex(b->code + offset, got_size), got_size, size);
    checked++;
}

/* The instruction at `offset` of b has this size and text. */
__attribute__((format(printf, 4, 5)))
static void expect_at(const x64_buf *b, size_t offset, size_t size, const char *fmt, ...)
{
    char want[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(want, sizeof want, fmt, ap);
    va_end(ap);
    check_decode(b, offset, size, want);
}

/* b holds exactly one instruction, of this size and text, and no error. */
__attribute__((format(printf, 3, 4)))
static void expect(const x64_buf *b, size_t size, const char *fmt, ...)
{
    char want[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(want, sizeof want, fmt, ap);
    va_end(ap);
    if (x64_buf_error(b))
        ck_abort_msg("%s: %s", want, x64_buf_error(b));
    if (b->size != size)
        ck_abort_msg("%s: emitted %zu bytes (%s), want %zu", want, b->size, hex(b->code, b->size), size);
    check_decode(b, 0, size, want);
}

/* ========================== the memory operands ============================ */

static const int32_t disps[] = { 0, 1, 8, -8, 127, -128, 128, -129, 0x12345678, INT32_MIN, INT32_MAX };
static const uint8_t scales[] = { 1, 2, 4, 8 };
enum { NDISPS = sizeof disps / sizeof disps[0], MAX_MEMS = 16 * NDISPS * (1 + 15 * 4) + NDISPS };
static x64_mem mems[MAX_MEMS];
static size_t nmems;

/* Every base with every displacement, alone and with each index (rsp
 * excluded) at each scale; then rip with every displacement. */
static void make_mems(void)
{
    nmems = 0;
    for (int base = 0; base < 16; base++)
        for (size_t d = 0; d < NDISPS; d++) {
            mems[nmems++] = x64_mem_base((x64_reg)base, disps[d]);
            for (int index = 0; index < 16; index++)
                for (size_t s = 0; s < 4 && index != X64_RSP; s++)
                    mems[nmems++] = x64_mem_index((x64_reg)base, (x64_reg)index, scales[s], disps[d]);
        }
    for (size_t d = 0; d < NDISPS; d++)
        mems[nmems++] = x64_mem_rip(disps[d]);
    ck_assert_uint_eq(nmems, MAX_MEMS);
}

static void mem_setup(void)
{
    cs_setup();
    make_mems();
}

/* ======================== register-register forms ========================== */

START_TEST(mov_and_alu_register_forms)
{
    for (int d = 0; d < 16; d++)
        for (int s = 0; s < 16; s++) {
            x64_mov_rr(fresh(), d, s);
            expect(&buf, 3, "mov %s, %s", reg64[d], reg64[s]);
            x64_mov32_rr(fresh(), d, s);
            expect(&buf, 2 + (is_high(d) || is_high(s)), "mov %s, %s", reg32[d], reg32[s]);
            x64_movsxd_rr(fresh(), d, s);
            expect(&buf, 3, "movsxd %s, %s", reg64[d], reg32[s]);
            /* Any REX turns 4-7 into spl..dil: needed for those and r8-r15. */
            x64_movzx8_rr(fresh(), d, s);
            expect(&buf, 3 + (is_high(d) || s >= 4), "movzx %s, %s", reg32[d], reg8[s]);
            for (int op = 0; op < 8; op++) {
                x64_alu_rr(fresh(), op, d, s);
                expect(&buf, 3, "%s %s, %s", alu_name[op], reg64[d], reg64[s]);
            }
            x64_test_rr(fresh(), d, s);
            expect(&buf, 3, "test %s, %s", reg64[d], reg64[s]);
            x64_imul_rr(fresh(), d, s);
            expect(&buf, 4, "imul %s, %s", reg64[d], reg64[s]);
            for (int cc = 0; cc < 16; cc++) {
                x64_cmov_rr(fresh(), cc, d, s);
                expect(&buf, 4, "cmov%s %s, %s", cc_name[cc], reg64[d], reg64[s]);
            }
        }
}
END_TEST

START_TEST(single_register_forms)
{
    static const struct {
        void (*emit)(x64_buf *, x64_reg);
        const char *mnemonic;
    } unary[] = {
        { x64_neg, "neg" }, { x64_not, "not" }, { x64_inc, "inc" }, { x64_dec, "dec" }, { x64_idiv, "idiv" }, { x64_imul_wide, "imul" },
    };
    for (int r = 0; r < 16; r++) {
        for (size_t i = 0; i < sizeof unary / sizeof unary[0]; i++) {
            unary[i].emit(fresh(), r);
            expect(&buf, 3, "%s %s", unary[i].mnemonic, reg64[r]);
        }
        x64_push(fresh(), r);
        expect(&buf, 1 + is_high(r), "push %s", reg64[r]);
        x64_pop(fresh(), r);
        expect(&buf, 1 + is_high(r), "pop %s", reg64[r]);
        x64_call_r(fresh(), r);
        expect(&buf, 2 + is_high(r), "call %s", reg64[r]);
        x64_jmp_r(fresh(), r);
        expect(&buf, 2 + is_high(r), "jmp %s", reg64[r]);
        for (int cc = 0; cc < 16; cc++) {
            x64_setcc(fresh(), cc, r);
            expect(&buf, 3 + (r >= 4), "set%s %s", cc_name[cc], reg8[r]);
        }
    }
}
END_TEST

START_TEST(shift_forms)
{
    static const struct {
        x64_shift_op op;
        const char *mnemonic;
    } shifts[] = { { X64_SHL, "shl" }, { X64_SHR, "shr" }, { X64_SAR, "sar" } };
    static const uint8_t counts[] = { 0, 1, 2, 9, 10, 31, 32, 63, 64, 255 };
    for (int r = 0; r < 16; r++)
        for (size_t i = 0; i < 3; i++) {
            x64_shift_rcl(fresh(), shifts[i].op, r);
            expect(&buf, 3, "%s %s, cl", shifts[i].mnemonic, reg64[r]);
            for (size_t c = 0; c < sizeof counts; c++) {
                x64_shift_ri(fresh(), shifts[i].op, r, counts[c]);
                /* By one has its own opcode without an immediate. */
                expect(&buf, counts[c] == 1 ? 3 : 4, "%s %s, %s", shifts[i].mnemonic, reg64[r], unum(counts[c]));
            }
        }
}
END_TEST

START_TEST(operandless_forms)
{
    x64_cqo(fresh());
    expect(&buf, 2, "cqo");
    x64_ret(fresh());
    expect(&buf, 1, "ret");
    x64_int3(fresh());
    expect(&buf, 1, "int3");
    x64_ud2(fresh());
    expect(&buf, 2, "ud2");
}
END_TEST

START_TEST(sse_register_forms)
{
    static const struct {
        x64_sse_op op;
        const char *mnemonic;
        size_t size; /* without REX */
    } ops[] = {
        { X64_ADDSD, "addsd", 4 }, { X64_SUBSD, "subsd", 4 },   { X64_MULSD, "mulsd", 4 },
        { X64_DIVSD, "divsd", 4 }, { X64_MINSD, "minsd", 4 },   { X64_MAXSD, "maxsd", 4 },
        { X64_SQRTSD, "sqrtsd", 4 }, { X64_UCOMISD, "ucomisd", 4 }, { X64_XORPD, "xorpd", 4 },
        { X64_ANDPD, "andpd", 4 },
    };
    ck_assert_uint_eq(sizeof ops / sizeof ops[0], X64_SSE_OP_COUNT);
    for (int d = 0; d < 16; d++)
        for (int s = 0; s < 16; s++) {
            bool rex = d >= 8 || s >= 8;
            x64_movapd_rr(fresh(), d, s);
            expect(&buf, 4 + rex, "movapd %s, %s", xmm[d], xmm[s]);
            for (size_t i = 0; i < X64_SSE_OP_COUNT; i++) {
                x64_sse_rr(fresh(), ops[i].op, d, s);
                expect(&buf, ops[i].size + rex, "%s %s, %s", ops[i].mnemonic, xmm[d], xmm[s]);
            }
            /* REX.W is always there: the general register is 64-bit. */
            x64_cvtsi2sd(fresh(), d, s);
            expect(&buf, 5, "cvtsi2sd %s, %s", xmm[d], reg64[s]);
            x64_cvttsd2si(fresh(), d, s);
            expect(&buf, 5, "cvttsd2si %s, %s", reg64[d], xmm[s]);
            x64_movq_xr(fresh(), d, s);
            expect(&buf, 5, "movq %s, %s", xmm[d], reg64[s]);
            x64_movq_rx(fresh(), d, s);
            expect(&buf, 5, "movq %s, %s", reg64[d], xmm[s]);
        }
}
END_TEST

/* ============================== immediates ================================= */

static const int64_t imm64s[] = {
    0, 1, -1, 9, 10, 127, 128, -128, -129, 255, 256, 0x12345678,
    INT32_MAX, INT32_MIN, (int64_t)INT32_MAX + 1, (int64_t)INT32_MIN - 1,
    UINT32_MAX, (int64_t)UINT32_MAX + 1, INT64_MAX, INT64_MIN, 0x123456789abcdef0, -0x123456789,
};
static const int32_t imm32s[] = { 0, 1, -1, 9, 10, 127, 128, -128, -129, 255, 0x12345678, INT32_MAX, INT32_MIN };
enum { NIMM32 = sizeof imm32s / sizeof imm32s[0] };

START_TEST(mov_immediate_picks_the_shortest_form)
{
    for (int r = 0; r < 16; r++)
        for (size_t i = 0; i < sizeof imm64s / sizeof imm64s[0]; i++) {
            int64_t v = imm64s[i];
            x64_mov_ri(fresh(), r, v);
            if (v >= 0 && v <= UINT32_MAX)
                expect(&buf, 5 + is_high(r), "mov %s, %s", reg32[r], unum((uint64_t)v));
            else if (v >= INT32_MIN && v <= INT32_MAX)
                expect(&buf, 7, "mov %s, %s", reg64[r], snum(v));
            else
                expect(&buf, 10, "movabs %s, %s", reg64[r], unum((uint64_t)v));
        }
}
END_TEST

START_TEST(alu_test_imul_immediates)
{
    for (int r = 0; r < 16; r++)
        for (size_t i = 0; i < NIMM32; i++) {
            int32_t v = imm32s[i];
            for (int op = 0; op < 8; op++) {
                x64_alu_ri(fresh(), op, r, v);
                /* imm8 when it fits; rax has a one-byte-shorter imm32 form. */
                expect(&buf, fits8(v) ? 4 : r == X64_RAX ? 6 : 7, "%s %s, %s", alu_name[op], reg64[r], alu_imm(op, v));
            }
            x64_test_ri(fresh(), r, v);
            expect(&buf, r == X64_RAX ? 6 : 7, "test %s, %s", reg64[r], snum(v));
            for (int s = 0; s < 16; s++) {
                x64_imul_rri(fresh(), r, s, v);
                expect(&buf, fits8(v) ? 4 : 7, "imul %s, %s, %s", reg64[r], reg64[s], snum(v));
            }
        }
}
END_TEST

/* ============================== memory forms =============================== */

START_TEST(load_every_register_from_every_operand)
{
    for (int r = 0; r < 16; r++)
        for (size_t k = 0; k < nmems; k++) {
            x64_mov_rm(fresh(), r, mems[k]);
            expect(&buf, 2 + mem_size(mems[k]), "mov %s, %s", reg64[r], mem_text("qword", mems[k]));
        }
}
END_TEST

/* The other memory forms take every operand once, the register operand
 * turning through all 16 as k goes (each base/disp group has 61 operands,
 * so every register meets every base). */
START_TEST(integer_memory_forms)
{
    for (size_t k = 0; k < nmems; k++) {
        x64_mem m = mems[k];
        int r = (int)(k % 16);
        size_t ms = mem_size(m);
        bool rex = mem_rex(m) || is_high(r);
        const char *q = mem_text("qword", m);
        const char *dw = mem_text("dword", m);
        const char *b8 = mem_text("byte", m);

        x64_mov_mr(fresh(), m, r);
        expect(&buf, 2 + ms, "mov %s, %s", q, reg64[r]);
        x64_mov32_rm(fresh(), r, m);
        expect(&buf, rex + 1 + ms, "mov %s, %s", reg32[r], dw);
        x64_mov32_mr(fresh(), m, r);
        expect(&buf, rex + 1 + ms, "mov %s, %s", dw, reg32[r]);
        x64_movsxd_rm(fresh(), r, m);
        expect(&buf, 2 + ms, "movsxd %s, %s", reg64[r], dw);
        x64_movzx8_rm(fresh(), r, m);
        expect(&buf, rex + 2 + ms, "movzx %s, %s", reg32[r], b8);
        x64_movsx8_rm(fresh(), r, m);
        expect(&buf, 3 + ms, "movsx %s, %s", reg64[r], b8);
        x64_mov8_mr(fresh(), m, r);
        expect(&buf, (rex || r >= 4) + 1 + ms, "mov %s, %s", b8, reg8[r]);
        x64_lea(fresh(), r, m);
        expect(&buf, 2 + ms, "lea %s, %s", reg64[r], mem_text(NULL, m));

        int op = (int)(k % 8);
        x64_alu_rm(fresh(), op, r, m);
        expect(&buf, 2 + ms, "%s %s, %s", alu_name[op], reg64[r], q);
        x64_alu_mr(fresh(), op, m, r);
        expect(&buf, 2 + ms, "%s %s, %s", alu_name[op], q, reg64[r]);

        int32_t v = imm32s[k % NIMM32];
        x64_alu_mi(fresh(), op, m, v);
        expect(&buf, 2 + ms + (fits8(v) ? 1 : 4), "%s %s, %s", alu_name[op], q, alu_imm(op, v));
        x64_mov_mi(fresh(), m, v);
        expect(&buf, 2 + ms + 4, "mov %s, %s", q, snum(v));

        x64_call_m(fresh(), m);
        expect(&buf, mem_rex(m) + 1 + ms, "call %s", q);
        x64_jmp_m(fresh(), m);
        expect(&buf, mem_rex(m) + 1 + ms, "jmp %s", q);
    }
}
END_TEST

START_TEST(sse_memory_forms)
{
    static const struct {
        x64_sse_op op;
        const char *mnemonic, *size;
    } ops[] = {
        { X64_ADDSD, "addsd", "qword" },     { X64_SUBSD, "subsd", "qword" },   { X64_MULSD, "mulsd", "qword" },
        { X64_DIVSD, "divsd", "qword" },     { X64_MINSD, "minsd", "qword" },   { X64_MAXSD, "maxsd", "qword" },
        { X64_SQRTSD, "sqrtsd", "qword" },   { X64_UCOMISD, "ucomisd", "qword" }, { X64_XORPD, "xorpd", "xmmword" },
        { X64_ANDPD, "andpd", "xmmword" },
    };
    for (size_t k = 0; k < nmems; k++) {
        x64_mem m = mems[k];
        int x = (int)(k % 16);
        size_t size = (mem_rex(m) || x >= 8) + 3 + mem_size(m); /* prefix, REX, 0F op */
        x64_movsd_rm(fresh(), x, m);
        expect(&buf, size, "movsd %s, %s", xmm[x], mem_text("qword", m));
        x64_movsd_mr(fresh(), m, x);
        expect(&buf, size, "movsd %s, %s", mem_text("qword", m), xmm[x]);
        for (size_t i = 0; i < X64_SSE_OP_COUNT; i++) {
            x64_sse_rm(fresh(), ops[i].op, x, m);
            expect(&buf, size, "%s %s, %s", ops[i].mnemonic, xmm[x], mem_text(ops[i].size, m));
        }
    }
}
END_TEST

/* ================================= labels ================================== */

/* The label forms, for tests that run over all of them. */
enum { FORM_JMP, FORM_CALL, FORM_JCC /* + cc */, NFORMS = FORM_JCC + 16 };

static void emit_to_label(x64_buf *b, int form, x64_label *l)
{
    if (form == FORM_JMP)
        x64_jmp_label(b, l);
    else if (form == FORM_CALL)
        x64_call_label(b, l);
    else
        x64_jcc_label(b, (x64_cond)(form - FORM_JCC), l);
}

static const char *form_mnemonic(int form)
{
    static char name[8];
    if (form == FORM_JMP)
        return "jmp";
    if (form == FORM_CALL)
        return "call";
    snprintf(name, sizeof name, "j%s", cc_name[form - FORM_JCC]);
    return name;
}

static size_t rel32_size(int form) { return form >= FORM_JCC ? 6 : 5; }

START_TEST(forward_references_are_patched_at_bind)
{
    for (int form = 0; form < NFORMS; form++) {
        x64_label l;
        x64_label_init(&l);
        x64_nop(fresh(), 3);
        emit_to_label(&buf, form, &l);
        ck_assert(!x64_label_is_bound(&l));
        ck_assert_str_eq(x64_buf_error(&buf), "reference to a label that was never bound");
        x64_nop(&buf, 7);
        x64_label_bind(&buf, &l);
        ck_assert(x64_label_is_bound(&l));
        ck_assert_uint_eq(x64_label_offset(&l), 3 + rel32_size(form) + 7);
        ck_assert_ptr_null(x64_buf_error(&buf));
        expect_at(&buf, 3, rel32_size(form), "%s %s", form_mnemonic(form), unum(x64_label_offset(&l)));
    }
}
END_TEST

START_TEST(backward_references_use_rel8_when_near)
{
    /* From the label, `gap` bytes of nops, then the branch: its rel8 is
     * -(gap + 2), which fits down to gap 126. */
    static const size_t gaps[] = { 0, 1, 60, 125, 126, 127, 128, 500 };
    for (int form = 0; form < NFORMS; form++)
        for (size_t g = 0; g < sizeof gaps / sizeof gaps[0]; g++) {
            static uint8_t big[1024];
            x64_label l = { 0 };
            x64_buf_init(&buf, big, sizeof big);
            x64_nop(&buf, 5);
            x64_label_bind(&buf, &l);
            x64_nop(&buf, gaps[g]);
            emit_to_label(&buf, form, &l);
            size_t size = form != FORM_CALL && gaps[g] <= 126 ? 2 : rel32_size(form);
            ck_assert_ptr_null(x64_buf_error(&buf));
            ck_assert_uint_eq(buf.size, 5 + gaps[g] + size);
            expect_at(&buf, 5 + gaps[g], size, "%s 5", form_mnemonic(form));
        }
}
END_TEST

START_TEST(many_references_to_one_label)
{
    /* Three labels with interleaved lists; each list must stay its own. */
    static uint8_t big[16384];
    x64_label l[3] = { { 0 } };
    size_t at[1500];
    int form_at[1500];
    x64_buf_init(&buf, big, sizeof big);
    for (int i = 0; i < 1500; i++) {
        at[i] = buf.size;
        form_at[i] = i % NFORMS;
        emit_to_label(&buf, form_at[i], &l[i % 3]);
        x64_nop(&buf, (size_t)(i % 4));
    }
    ck_assert_uint_eq(buf.unresolved, 1500);
    x64_label_bind(&buf, &l[1]);
    x64_int3(&buf);
    x64_label_bind(&buf, &l[0]);
    x64_int3(&buf);
    x64_label_bind(&buf, &l[2]);
    ck_assert_ptr_null(x64_buf_error(&buf));
    for (int i = 0; i < 1500; i++)
        expect_at(&buf, at[i], rel32_size(form_at[i]), "%s %s", form_mnemonic(form_at[i]),
                  unum(x64_label_offset(&l[i % 3])));
}
END_TEST

START_TEST(rip_relative_labels)
{
    /* A constant after the code, loaded from before it; an address taken
     * from after it: [rip + disp] counts from the end of the instruction. */
    static const double one = 1.0;
    x64_label constant = { 0 }, entry = { 0 };
    x64_buf *b = fresh();
    x64_label_bind(b, &entry);
    for (int x = 0; x < 16; x += 15)
        x64_movsd_rm(b, x, x64_mem_label(&constant));              /* 8 and 9 bytes */
    x64_sse_rm(b, X64_XORPD, X64_XMM3, x64_mem_label(&constant));  /* 8 */
    x64_lea(b, X64_R12, x64_mem_label(&entry));                    /* 7 */
    x64_int3(b);
    x64_align(b, 16); /* xorpd reads 16 aligned bytes */
    x64_label_bind(b, &constant);
    x64_data(b, &one, sizeof one);
    x64_data(b, &one, sizeof one);
    ck_assert_ptr_null(x64_buf_error(b));
    ck_assert_uint_eq(x64_label_offset(&constant), 48);
    expect_at(b, 0, 8, "movsd xmm0, qword ptr [rip + %s]", unum(48 - 8));
    expect_at(b, 8, 9, "movsd xmm15, qword ptr [rip + %s]", unum(48 - 17));
    expect_at(b, 17, 8, "xorpd xmm3, xmmword ptr [rip + %s]", unum(48 - 25));
    expect_at(b, 25, 7, "lea r12, [rip - %s]", unum(32));
    ck_assert_mem_eq(b->code + 48, &one, sizeof one);
}
END_TEST

START_TEST(label_misuse_is_reported)
{
    x64_label l = { 0 };
    x64_jmp_label(fresh(), &l);
    ck_assert_ptr_nonnull(x64_buf_error(&buf));
    x64_label_bind(&buf, &l);
    ck_assert_ptr_null(x64_buf_error(&buf));
    x64_label_bind(&buf, &l);
    ck_assert_str_eq(x64_buf_error(&buf), "label bound twice");

    /* A trailing immediate would move the end the displacement counts
     * from, so label operands are refused in immediate forms. */
    x64_label k = { 0 };
    x64_mov_mi(fresh(), x64_mem_label(&k), 1);
    ck_assert_uint_eq(buf.size, 0);
    ck_assert_str_eq(x64_buf_error(&buf), "label operand in a form with an immediate");
    x64_alu_mi(fresh(), X64_CMP, x64_mem_label(&k), 1);
    ck_assert_str_eq(x64_buf_error(&buf), "label operand in a form with an immediate");
    x64_mem m = x64_mem_label(&k);
    m.disp = 8;
    x64_lea(fresh(), X64_RAX, m);
    ck_assert_str_eq(x64_buf_error(&buf), "label operand with a displacement");
    ck_assert_uint_eq(k.pending, 0);
}
END_TEST

/* ============================ absolute calls =============================== */

START_TEST(absolute_calls)
{
    const uint64_t run = 0x7f1234560000;
    /* Reachable: rel32 counts from the end of the 5-byte call at run + 3. */
    const uint64_t next = run + 3 + 5;
    static const int64_t near[] = { 0, 100, -100, INT32_MAX, INT32_MIN };
    for (size_t i = 0; i < sizeof near / sizeof near[0]; i++) {
        x64_buf *b = fresh();
        b->run_address = run;
        x64_nop(b, 3);
        x64_call_abs(b, next + (uint64_t)near[i], X64_R11);
        ck_assert_uint_eq(b->size, 8);
        expect_at(b, 3, 5, "call %s", unum(next + (uint64_t)near[i]));
    }

    /* Out of reach, or run address unknown: through the scratch register. */
    static const struct {
        uint64_t run, target;
    } far[] = {
        { run, run + 3 + 5 + (uint64_t)INT32_MAX + 1 },
        { run, run + 3 + 5 - (uint64_t)INT32_MAX - 2 },
        { run, 0x401000 },
        { 0, run },
        { 0, 0x401000 },
    };
    for (size_t i = 0; i < sizeof far / sizeof far[0]; i++)
        for (int r = 0; r < 16; r++) {
            x64_buf *b = fresh();
            b->run_address = far[i].run;
            x64_nop(b, 3);
            x64_call_abs(b, far[i].target, r);
            size_t call = 2 + is_high(r);
            if (far[i].target <= UINT32_MAX) {
                expect_at(b, 3, 5 + is_high(r), "mov %s, %s", reg32[r], unum(far[i].target));
                expect_at(b, 8 + is_high(r), call, "call %s", reg64[r]);
            } else {
                expect_at(b, 3, 10, "movabs %s, %s", reg64[r], unum(far[i].target));
                expect_at(b, 13, call, "call %s", reg64[r]);
            }
        }
}
END_TEST

/* ============================= nops, alignment ============================= */

START_TEST(nops_of_every_length)
{
    /* One instruction up to 9 bytes: the recommended forms, whose memory
     * operand (never accessed) has a zero displacement and index scale 1. */
    static const char *const one[10] = {
        [1] = "nop", [2] = "nop", [3] = "nop dword ptr [rax]", [4] = "nop dword ptr [rax]",
        [5] = "nop dword ptr [rax + rax]", [6] = "nop word ptr [rax + rax]", [7] = "nop dword ptr [rax]",
        [8] = "nop dword ptr [rax + rax]", [9] = "nop word ptr [rax + rax]",
    };
    for (size_t n = 1; n <= 9; n++) {
        x64_nop(fresh(), n);
        expect(&buf, n, "%s", one[n]);
    }
    /* Longer: 9-byte nops, then the rest. */
    static uint8_t big[256];
    for (size_t n = 0; n <= 100; n++) {
        x64_buf_init(&buf, big, sizeof big);
        x64_nop(&buf, n);
        ck_assert_uint_eq(buf.size, n);
        for (size_t at = 0; at < n; at += 9)
            expect_at(&buf, at, n - at < 9 ? n - at : 9, "%s", one[n - at < 9 ? n - at : 9]);
    }
}
END_TEST

START_TEST(align_pads_with_nops)
{
    static const size_t alignments[] = { 1, 2, 4, 8, 16, 32, 64 };
    static uint8_t big[256];
    for (size_t a = 0; a < sizeof alignments / sizeof alignments[0]; a++)
        for (size_t start = 0; start < 80; start++) {
            x64_buf_init(&buf, big, sizeof big);
            x64_nop(&buf, start);
            x64_align(&buf, alignments[a]);
            ck_assert_uint_eq(buf.size % alignments[a], 0);
            ck_assert_uint_lt(buf.size - start, alignments[a]);
            ck_assert_ptr_null(x64_buf_error(&buf));
        }
    x64_align(fresh(), 0);
    ck_assert_str_eq(x64_buf_error(&buf), "alignment not a power of two");
    x64_align(fresh(), 24);
    ck_assert_str_eq(x64_buf_error(&buf), "alignment not a power of two");
}
END_TEST

/* ============================ invalid operands ============================= */

START_TEST(invalid_operands_emit_nothing)
{
    static const struct {
        x64_mem m;
        const char *why;
    } bad[] = {
        { { X64_RAX, X64_RSP, 1, 0, NULL }, "rsp cannot be an index" },
        { { X64_RAX, X64_RCX, 3, 0, NULL }, "scale other than 1, 2, 4 or 8" },
        { { X64_RAX, X64_RCX, 0, 0, NULL }, "scale other than 1, 2, 4 or 8" },
        { { X64_RIP, X64_RCX, 1, 0, NULL }, "rip-relative operand with an index" },
        { { X64_NO_REG, X64_NO_REG, 1, 0, NULL }, "memory base out of range" },
        { { X64_RAX, (x64_reg)99, 1, 0, NULL }, "memory index out of range" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        x64_mov_rm(fresh(), X64_RAX, bad[i].m);
        ck_assert_uint_eq(buf.size, 0);
        ck_assert_str_eq(x64_buf_error(&buf), bad[i].why);
        x64_movsd_mr(fresh(), bad[i].m, X64_XMM1);
        ck_assert_uint_eq(buf.size, 0);
        ck_assert_str_eq(x64_buf_error(&buf), bad[i].why);
    }

    /* The first error stays; later ones are usually its consequences. */
    x64_mov_rr(fresh(), X64_NO_REG, X64_RAX);
    x64_mov_rm(&buf, X64_RAX, bad[0].m);
    ck_assert_str_eq(x64_buf_error(&buf), "register out of range");
    x64_mov_ri(fresh(), (x64_reg)16, 1);
    x64_mov_ri(&buf, (x64_reg)16, -1);
    x64_mov_ri(&buf, (x64_reg)16, INT64_MAX);
    x64_push(&buf, (x64_reg)16);
    x64_setcc(&buf, X64_CC_E, X64_RIP);
    x64_movq_xr(&buf, (x64_xmm)16, X64_RAX);
    x64_imul_rri(&buf, X64_RAX, (x64_reg)16, 1000);
    x64_test_ri(&buf, (x64_reg)16, 1);
    x64_alu_ri(&buf, X64_ADD, (x64_reg)16, 1000);
    x64_shift_ri(&buf, X64_SHL, (x64_reg)16, 3);
    ck_assert_uint_eq(buf.size, 0);
    ck_assert_str_eq(x64_buf_error(&buf), "register out of range");

    x64_alu_rr(fresh(), (x64_alu_op)8, X64_RAX, X64_RCX);
    ck_assert_str_eq(x64_buf_error(&buf), "unknown ALU operation");
    x64_shift_rcl(fresh(), (x64_shift_op)6, X64_RAX);
    ck_assert_str_eq(x64_buf_error(&buf), "unknown shift operation");
    x64_jcc_label(fresh(), (x64_cond)16, &(x64_label){ 0 });
    ck_assert_str_eq(x64_buf_error(&buf), "unknown condition code");
    x64_sse_rr(fresh(), X64_SSE_OP_COUNT, X64_XMM0, X64_XMM1);
    ck_assert_str_eq(x64_buf_error(&buf), "unknown SSE operation");
    ck_assert_uint_eq(buf.size, 0);
}
END_TEST

/* ============================== a full buffer ============================== */

enum { GUARD = 64, GUARD_BYTE = 0xA5 };

/* A little of everything, forward and backward labels included. */
static void emit_sample(x64_buf *b)
{
    x64_label top = { 0 }, out = { 0 }, constant = { 0 };
    x64_label_bind(b, &top);
    x64_mov_ri(b, X64_R9, 0x123456789);
    x64_jcc_label(b, X64_CC_NE, &out);
    x64_mov_rm(b, X64_RAX, x64_mem_index(X64_R13, X64_R12, 8, 0x1000));
    x64_movsd_rm(b, X64_XMM9, x64_mem_label(&constant));
    x64_jmp_label(b, &top);
    x64_call_label(b, &out);
    x64_label_bind(b, &out);
    x64_ret(b);
    x64_align(b, 16);
    x64_label_bind(b, &constant);
    x64_data(b, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
}

START_TEST(a_full_buffer_sets_overflow_and_writes_nothing_past_it)
{
    /* Measure with no memory at all. */
    x64_buf b;
    x64_buf_init(&b, NULL, 0);
    emit_sample(&b);
    size_t needed = b.size;
    ck_assert(b.overflow);
    ck_assert_str_eq(x64_buf_error(&b), "code buffer too small");

    uint8_t *reference = malloc(needed);
    x64_buf_init(&b, reference, needed);
    emit_sample(&b);
    ck_assert_ptr_null(x64_buf_error(&b));
    ck_assert_uint_eq(b.size, needed);

    for (size_t capacity = 0; capacity <= needed + 1; capacity++) {
        uint8_t *mem = malloc(capacity + GUARD); /* ASan also watches the end */
        memset(mem, GUARD_BYTE, capacity + GUARD);
        x64_buf_init(&b, mem, capacity);
        emit_sample(&b);
        ck_assert_uint_eq(b.size, needed); /* sizes and offsets stay right */
        ck_assert_int_eq(b.overflow, capacity < needed);
        for (size_t i = capacity; i < capacity + GUARD; i++)
            ck_assert_msg(mem[i] == GUARD_BYTE, "capacity %zu: byte %zu written", capacity, i);
        if (capacity >= needed)
            ck_assert_mem_eq(mem, reference, needed);
        free(mem);
    }
    free(reference);
}
END_TEST

/* ================================= runner ================================== */

static Suite *x64_suite(void)
{
    Suite *s = suite_create("x64");
    TCase *tc = tcase_create("registers");
    tcase_add_checked_fixture(tc, cs_setup, cs_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, mov_and_alu_register_forms);
    tcase_add_test(tc, single_register_forms);
    tcase_add_test(tc, shift_forms);
    tcase_add_test(tc, operandless_forms);
    tcase_add_test(tc, sse_register_forms);
    suite_add_tcase(s, tc);
    tc = tcase_create("immediates");
    tcase_add_checked_fixture(tc, cs_setup, cs_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, mov_immediate_picks_the_shortest_form);
    tcase_add_test(tc, alu_test_imul_immediates);
    suite_add_tcase(s, tc);
    tc = tcase_create("memory");
    tcase_add_checked_fixture(tc, mem_setup, cs_teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, load_every_register_from_every_operand);
    tcase_add_test(tc, integer_memory_forms);
    tcase_add_test(tc, sse_memory_forms);
    suite_add_tcase(s, tc);
    tc = tcase_create("labels");
    tcase_add_checked_fixture(tc, cs_setup, cs_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, forward_references_are_patched_at_bind);
    tcase_add_test(tc, backward_references_use_rel8_when_near);
    tcase_add_test(tc, many_references_to_one_label);
    tcase_add_test(tc, rip_relative_labels);
    tcase_add_test(tc, label_misuse_is_reported);
    tcase_add_test(tc, absolute_calls);
    suite_add_tcase(s, tc);
    tc = tcase_create("buffer");
    tcase_add_checked_fixture(tc, cs_setup, cs_teardown);
    tcase_add_test(tc, nops_of_every_length);
    tcase_add_test(tc, align_pads_with_nops);
    tcase_add_test(tc, invalid_operands_emit_nothing);
    tcase_add_test(tc, a_full_buffer_sets_overflow_and_writes_nothing_past_it);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(x64_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    /* Tests run in child processes unless CK_FORK=no; only then does the
     * count reach this process. */
    if (checked > 0)
        printf("%ld instructions decoded by Capstone and compared\n", checked);
    return failed == 0 ? 0 : 1;
}
