/*
 * x64.h -- the JIT's x86-64 encoder: the one place in vmlab that knows how
 * machine instructions are encoded.  Each x64_ function appends one
 * instruction form to a code buffer; nothing else in the JIT spells out
 * bytes.  tests/unit/bvm/test_x64.c decodes every form with Capstone.
 *
 * How an instruction is laid out (the part of x86-64 this file uses):
 *
 *   [prefix] [REX] opcode [ModRM] [SIB] [displacement] [immediate]
 *    66/F2/F3 40-4F 1-3 bytes            0, 1 or 4 bytes  0, 1, 4 or 8 bytes
 *
 *   prefix  66, F2, F3 pick the SSE variant (F2 0F 58 is addsd, 66 0F 57
 *           is xorpd).  It must come before REX.
 *
 *   REX     0100 W R X B      one byte, only when needed
 *             W  64-bit operand size (most integer forms here)
 *             R  4th bit of ModRM.reg           } r8-r15 and xmm8-xmm15
 *             X  4th bit of SIB.index           } are reachable only
 *             B  4th bit of ModRM.rm, SIB.base, } through these bits
 *                or of a register in the opcode (push r, mov r, imm)
 *           A REX of 0x40 (no bit set) still changes something: byte
 *           registers 4-7 are spl bpl sil dil with any REX, ah ch dh bh
 *           without one.
 *
 *   ModRM   mod:2 reg:3 rm:3
 *             reg   a register operand, or an opcode extension ("/digit":
 *                   81 /5 is sub r/m64, imm32)
 *             mod   11: rm is a register
 *                   00: [rm]   01: [rm + disp8]   10: [rm + disp32]
 *           Two rm values are escapes, decided before REX.B is applied, so
 *           r12 and r13 inherit them from rsp and rbp:
 *             rm 100 (rsp, r12)  a SIB byte follows: [rsp] needs a SIB
 *             rm 101 with mod 00 means [rip + disp32], not [rbp]: [rbp]
 *                                 and [r13] are written [rbp + disp8 0]
 *
 *   SIB     scale:2 index:3 base:3      address = base + index * 2^scale
 *             index 100 (rsp) means "no index": rsp can never be an
 *                   index (r12 can: REX.X makes it 1100)
 *             base  101 with mod 00 means "no base, disp32", so a base of
 *                   rbp or r13 again needs mod 01 and a disp8 of 0
 *
 *   Displacements and immediates are little-endian and sign-extended to
 *   64 bits; movabs is the one form with a full 64-bit immediate.  Writing
 *   a 32-bit register zeroes its upper half, which is why mov r32, imm32
 *   loads any constant in 0..UINT32_MAX.  Branch and rip-relative
 *   displacements count from the end of the instruction.
 *
 * Invariants:
 *   - Emitting never writes at or past buf->capacity.  A byte that does
 *     not fit sets buf->overflow and is counted in buf->size anyway, so
 *     offsets and labels stay right and size tells how much room the code
 *     needs.  The caller checks once, at the end, with x64_buf_error.
 *   - An invalid operand (rsp as an index, a scale of 3, a register out of
 *     range...) emits nothing and records the first such error in
 *     buf->error.  Nothing here allocates, prints or exits.
 *   - Every form picks its shortest encoding: imm8 and disp8 when the
 *     value fits, no displacement when it is 0, REX only when needed.
 *   - Label references are relative, so the code may be copied anywhere.
 *     The one absolute form, x64_call_abs, uses rel32 only when told where
 *     the code will run (buf->run_address).
 */
#ifndef BVM_X64_H
#define BVM_X64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ================================ registers ================================ */

/* The value is the register's number in ModRM/SIB/REX. */
typedef enum x64_reg {
    X64_RAX, X64_RCX, X64_RDX, X64_RBX, X64_RSP, X64_RBP, X64_RSI, X64_RDI,
    X64_R8,  X64_R9,  X64_R10, X64_R11, X64_R12, X64_R13, X64_R14, X64_R15,
    X64_NO_REG, /* "no index" in a memory operand                        */
    X64_RIP,    /* only as a memory operand's base: [rip + disp32]       */
} x64_reg;

typedef enum x64_xmm {
    X64_XMM0, X64_XMM1, X64_XMM2,  X64_XMM3,  X64_XMM4,  X64_XMM5,  X64_XMM6,  X64_XMM7,
    X64_XMM8, X64_XMM9, X64_XMM10, X64_XMM11, X64_XMM12, X64_XMM13, X64_XMM14, X64_XMM15,
} x64_xmm;

/* Condition codes, valued as the 4-bit cc field of jcc, setcc and cmovcc.
 * Flipping bit 0 negates a condition. */
typedef enum x64_cond {
    X64_CC_O,  X64_CC_NO,  /* overflow                                 */
    X64_CC_B,  X64_CC_AE,  /* unsigned <, >=  (carry); ucomisd <, >=   */
    X64_CC_E,  X64_CC_NE,  /* ==, != (zero)                            */
    X64_CC_BE, X64_CC_A,   /* unsigned <=, >; ucomisd <=, >            */
    X64_CC_S,  X64_CC_NS,  /* sign                                     */
    X64_CC_P,  X64_CC_NP,  /* parity; after ucomisd: unordered (NaN)   */
    X64_CC_L,  X64_CC_GE,  /* signed <, >=                             */
    X64_CC_LE, X64_CC_G,   /* signed <=, >                             */
} x64_cond;

static inline x64_cond x64_cond_invert(x64_cond cc) { return (x64_cond)(cc ^ 1); }

/* ============================== code buffer ================================ */

typedef struct x64_buf {
    uint8_t *code;        /* caller's memory, `capacity` bytes               */
    size_t size;          /* bytes emitted; exceeds capacity after overflow  */
    size_t capacity;      /* at most INT32_MAX, the reach of a rel32         */
    int overflow;         /* set once a byte did not fit                     */
    const char *error;    /* the first invalid operand or label misuse       */
    uint32_t unresolved;  /* label references not yet patched by a bind      */
    uint64_t run_address; /* where code[0] will be when it runs; 0: unknown  */
} x64_buf;

/* An empty buffer over `memory` (which may be NULL when capacity is 0, to
 * measure).  run_address starts unknown; set it before x64_call_abs when
 * the final address is known. */
void x64_buf_init(x64_buf *buf, void *memory, size_t capacity);

/* NULL when the code is complete and correct; otherwise why not: an
 * invalid operand, a buffer too small (size says how much is needed), or
 * a reference to a label that was never bound. */
const char *x64_buf_error(const x64_buf *buf);

/* Raw bytes, for data placed in the code (constants reached through
 * x64_mem_label). */
void x64_data(x64_buf *buf, const void *bytes, size_t n);

/* ================================= labels ================================== */

/* A position in the code, usable before it is known.  Zero-initialized
 * (or x64_label_init) means unbound with no references.
 *
 * While unbound, the label's references form a list threaded through the
 * code itself: each waiting rel32 field holds the distance back to the
 * previous waiting field, and `newest` is the last one.  Binding walks the
 * list and writes the real displacements, so any number of forward
 * references needs no memory besides the code. */
typedef struct x64_label {
    bool bound;
    uint32_t offset;   /* where it is bound; meaningful once bound      */
    uint32_t pending;  /* references waiting for the bind               */
    uint32_t newest;   /* position of the newest waiting rel32 field    */
} x64_label;

void x64_label_init(x64_label *label);

/* Binds the label to the current end of the code and patches every
 * reference made so far.  Binding twice is an error (buf->error). */
void x64_label_bind(x64_buf *buf, x64_label *label);

static inline bool x64_label_is_bound(const x64_label *label) { return label->bound; }
static inline size_t x64_label_offset(const x64_label *label) { return label->offset; }

/* ============================ memory operands ============================== */

/* [base + index * scale + disp], or [rip + disp], or [rip + label]. */
typedef struct x64_mem {
    x64_reg base;       /* any register, or X64_RIP                        */
    x64_reg index;      /* X64_NO_REG, or any register but rsp             */
    uint8_t scale;      /* 1, 2, 4 or 8; ignored without an index          */
    int32_t disp;
    x64_label *label;   /* with base X64_RIP and disp 0: the label's address */
} x64_mem;

static inline x64_mem x64_mem_base(x64_reg base, int32_t disp)
{
    return (x64_mem){ .base = base, .index = X64_NO_REG, .scale = 1, .disp = disp };
}

static inline x64_mem x64_mem_index(x64_reg base, x64_reg index, uint8_t scale, int32_t disp)
{
    return (x64_mem){ .base = base, .index = index, .scale = scale, .disp = disp };
}

/* disp counts from the end of the instruction, as the CPU does. */
static inline x64_mem x64_mem_rip(int32_t disp)
{
    return (x64_mem){ .base = X64_RIP, .index = X64_NO_REG, .scale = 1, .disp = disp };
}

/* The address of a label, bound or not.  Allowed in every memory form
 * without an immediate (a trailing immediate would move the end of the
 * instruction that the displacement counts from). */
static inline x64_mem x64_mem_label(x64_label *label)
{
    return (x64_mem){ .base = X64_RIP, .index = X64_NO_REG, .scale = 1, .label = label };
}

/* ============================ moves and loads ============================== */

void x64_mov_rr(x64_buf *buf, x64_reg dst, x64_reg src);           /* mov r64, r64            */
void x64_mov32_rr(x64_buf *buf, x64_reg dst, x64_reg src);         /* mov r32, r32: zero-extends */

/* dst = imm in the shortest form: mov r32, imm32 (zero-extends) for
 * 0..UINT32_MAX, mov r64, simm32 for other values that fit, else movabs. */
void x64_mov_ri(x64_buf *buf, x64_reg dst, int64_t imm);

void x64_mov_rm(x64_buf *buf, x64_reg dst, x64_mem src);           /* mov r64, qword [m]      */
void x64_mov_mr(x64_buf *buf, x64_mem dst, x64_reg src);           /* mov qword [m], r64      */
void x64_mov_mi(x64_buf *buf, x64_mem dst, int32_t imm);           /* mov qword [m], simm32   */
void x64_mov32_rm(x64_buf *buf, x64_reg dst, x64_mem src);         /* mov r32, dword [m]      */
void x64_mov32_mr(x64_buf *buf, x64_mem dst, x64_reg src);         /* mov dword [m], r32      */
void x64_movsxd_rr(x64_buf *buf, x64_reg dst, x64_reg src);        /* movsxd r64, r32         */
void x64_movsxd_rm(x64_buf *buf, x64_reg dst, x64_mem src);        /* movsxd r64, dword [m]   */
void x64_movzx8_rr(x64_buf *buf, x64_reg dst, x64_reg src);        /* movzx r32, r8: zero-extends to 64 */
void x64_movzx8_rm(x64_buf *buf, x64_reg dst, x64_mem src);        /* movzx r32, byte [m]     */
void x64_movsx8_rm(x64_buf *buf, x64_reg dst, x64_mem src);        /* movsx r64, byte [m]     */
void x64_mov8_mr(x64_buf *buf, x64_mem dst, x64_reg src);          /* mov byte [m], r8        */
void x64_lea(x64_buf *buf, x64_reg dst, x64_mem src);              /* lea r64, [m]            */

/* ============================ integer arithmetic =========================== */

/* The eight classic ALU operations, valued as their ModRM /digit. */
typedef enum x64_alu_op {
    X64_ADD = 0, X64_OR = 1, X64_ADC = 2, X64_SBB = 3,
    X64_AND = 4, X64_SUB = 5, X64_XOR = 6, X64_CMP = 7,
} x64_alu_op;

void x64_alu_rr(x64_buf *buf, x64_alu_op op, x64_reg dst, x64_reg src);   /* op r64, r64          */
void x64_alu_ri(x64_buf *buf, x64_alu_op op, x64_reg dst, int32_t imm);   /* op r64, simm8/simm32 */
void x64_alu_rm(x64_buf *buf, x64_alu_op op, x64_reg dst, x64_mem src);   /* op r64, qword [m]    */
void x64_alu_mr(x64_buf *buf, x64_alu_op op, x64_mem dst, x64_reg src);   /* op qword [m], r64    */
void x64_alu_mi(x64_buf *buf, x64_alu_op op, x64_mem dst, int32_t imm);   /* op qword [m], simm8/32 */

void x64_test_rr(x64_buf *buf, x64_reg a, x64_reg b);              /* test r64, r64           */
void x64_test_ri(x64_buf *buf, x64_reg a, int32_t imm);            /* test r64, simm32        */
void x64_imul_rr(x64_buf *buf, x64_reg dst, x64_reg src);          /* imul r64, r64           */
void x64_imul_rri(x64_buf *buf, x64_reg dst, x64_reg src, int32_t imm); /* imul r64, r64, simm8/32 */
void x64_neg(x64_buf *buf, x64_reg reg);
void x64_not(x64_buf *buf, x64_reg reg);
void x64_inc(x64_buf *buf, x64_reg reg);
void x64_dec(x64_buf *buf, x64_reg reg);
void x64_cqo(x64_buf *buf);                                        /* rdx:rax = sign-extended rax */
void x64_idiv(x64_buf *buf, x64_reg divisor);                      /* rax = rdx:rax / r, rdx = remainder */
void x64_imul_wide(x64_buf *buf, x64_reg factor);                  /* rdx:rax = rax * r (signed, 128 bits) */

/* Shifts, valued as their ModRM /digit.  The CPU masks counts to 0..63. */
typedef enum x64_shift_op { X64_SHL = 4, X64_SHR = 5, X64_SAR = 7 } x64_shift_op;

void x64_shift_rcl(x64_buf *buf, x64_shift_op op, x64_reg reg);              /* op r64, cl   */
void x64_shift_ri(x64_buf *buf, x64_shift_op op, x64_reg reg, uint8_t count); /* op r64, imm8 */

void x64_setcc(x64_buf *buf, x64_cond cc, x64_reg dst);            /* setcc r8 (low byte of any register) */
void x64_cmov_rr(x64_buf *buf, x64_cond cc, x64_reg dst, x64_reg src); /* cmovcc r64, r64     */

/* ============================== control flow =============================== */

void x64_push(x64_buf *buf, x64_reg reg);
void x64_pop(x64_buf *buf, x64_reg reg);
void x64_call_r(x64_buf *buf, x64_reg target);                     /* call r64                */
void x64_call_m(x64_buf *buf, x64_mem target);                     /* call qword [m]          */
void x64_jmp_r(x64_buf *buf, x64_reg target);                      /* jmp r64                 */
void x64_jmp_m(x64_buf *buf, x64_mem target);                      /* jmp qword [m]           */
void x64_ret(x64_buf *buf);
void x64_int3(x64_buf *buf);
void x64_ud2(x64_buf *buf);

/* rel32 to a label (rel8 for jmp and jcc when the label is bound and
 * near); a forward reference is patched when the label is bound. */
void x64_jmp_label(x64_buf *buf, x64_label *target);
void x64_jcc_label(x64_buf *buf, x64_cond cc, x64_label *target);
void x64_call_label(x64_buf *buf, x64_label *target);

/* Calls an absolute address: call rel32 when buf->run_address is known and
 * the target is within reach of it, else mov scratch, target; call scratch
 * (scratch is overwritten). */
void x64_call_abs(x64_buf *buf, uint64_t target, x64_reg scratch);

/* Exactly n bytes of no-ops, in as few instructions as possible. */
void x64_nop(x64_buf *buf, size_t n);

/* No-ops up to the next multiple of `alignment` (a power of two) in the
 * buffer; the code keeps that alignment when copied to an address that
 * has it. */
void x64_align(x64_buf *buf, size_t alignment);

/* ========================= SSE2, double precision ========================== */

void x64_movapd_rr(x64_buf *buf, x64_xmm dst, x64_xmm src);        /* movapd xmm, xmm: a copy */
void x64_movsd_rm(x64_buf *buf, x64_xmm dst, x64_mem src);         /* movsd xmm, qword [m]    */
void x64_movsd_mr(x64_buf *buf, x64_mem dst, x64_xmm src);         /* movsd qword [m], xmm    */

/* Two-operand SSE2 operations, dst = dst op src (ucomisd only sets flags:
 * ZF PF CF, as an unsigned compare; PF when either is NaN).  The packed
 * xorpd/andpd read 16 bytes from memory, which must be 16-byte aligned. */
typedef enum x64_sse_op {
    X64_ADDSD, X64_SUBSD, X64_MULSD, X64_DIVSD, X64_MINSD, X64_MAXSD, X64_SQRTSD,
    X64_UCOMISD, X64_XORPD, X64_ANDPD,
    X64_SSE_OP_COUNT
} x64_sse_op;

void x64_sse_rr(x64_buf *buf, x64_sse_op op, x64_xmm dst, x64_xmm src);
void x64_sse_rm(x64_buf *buf, x64_sse_op op, x64_xmm dst, x64_mem src);

void x64_cvtsi2sd(x64_buf *buf, x64_xmm dst, x64_reg src);         /* double from int64       */
void x64_cvttsd2si(x64_buf *buf, x64_reg dst, x64_xmm src);        /* int64 from double, truncating */
void x64_movq_xr(x64_buf *buf, x64_xmm dst, x64_reg src);          /* movq xmm, r64: the bits */
void x64_movq_rx(x64_buf *buf, x64_reg dst, x64_xmm src);          /* movq r64, xmm: the bits */

#endif
