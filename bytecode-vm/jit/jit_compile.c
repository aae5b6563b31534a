/*
 * jit_compile.c -- verified bytecode to x86-64, one function at a time
 * (docs/jit.md is the design; x64.h encodes the instructions).
 *
 * One forward pass over the bytecode, keeping a *virtual operand stack*:
 * each operand is a constant, a register, or its memory slot in the frame
 * (where the interpreter keeps it).  Pushing a constant emits nothing;
 * loading a local puts it in a register; arithmetic works on registers and
 * leaves its result in one.  At every place where another path of
 * execution meets this one -- a jump target, a call, anything that calls
 * into the runtime -- the virtual stack is *flushed*: every operand is
 * written to its slot, so the frame looks exactly as the interpreter would
 * have it.  That is what makes leaving compiled code (deoptimization),
 * garbage collection and exceptions simple: at those points compiled code
 * and the interpreter agree on every byte of the frame.
 *
 * Registers in compiled code:
 *
 *   r12  the bvm_vm                 rbx  frame->base: local i at [rbx + 8i],
 *   r13  this function's bvm_frame       operand d at [rbx + 8(nlocals + d)]
 *   r14 r15 rbp r11 r10  the function's busiest locals (see below)
 *   rax, rcx, rdx, xmm0  scratch, never holding an operand across instructions
 *   rsi rdi r8 r9, xmm1..xmm13  hold operands of the virtual stack
 *   xmm14 xmm15  the busiest float locals
 *
 * rbx, rbp, r12-r15 are callee-saved in the System V ABI, so they survive
 * calls into C helpers.  Calls between compiled functions use a convention
 * of their own, lighter than C's (prologue, call): the callee keeps r12,
 * r13 and rbx and may clobber the rest, so the caller loads its cached
 * locals again after the call.
 *
 * Locals in registers.  Up to five int, bool or reference locals -- those
 * used most inside loops -- live in r14, r15, rbp, r11 and r10 for the
 * whole function, and up to two float locals in xmm14 and xmm15: LOAD,
 * STORE and IINC of them touch no memory.  Their slots in the frame go
 * stale, so the registers are written back wherever the frame must be
 * exact (save_state: before every call into the runtime, every call, every
 * exit that hands the frame back) -- those of locals that nothing writes
 * never go stale -- and loaded at every entry (the start, a loop header)
 * and after every call; after a call into C, only the caller-saved ones
 * (r11, r10, the xmm ones) are loaded again.
 *
 * Opcodes with a fast path compiled here: constants, locals, globals,
 * stack shuffles, int and float arithmetic, comparisons (an int compare
 * followed by a conditional jump becomes one cmp + jcc), jumps, calls
 * (native to native, through the callee's jit_entry), returns, array and
 * field access, record allocation.  Every other opcode, and the slow path of those that can
 * fail (a null, an index out of bounds, a division by zero), runs the
 * interpreter's own code for that one instruction (bvm_interp_one), so
 * there is one definition of every error message and of every rare
 * operation, and the JIT covers the whole opcode table.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "heap.h"
#include "opcodes.h"
#include "jit.h"
#include "jit_mem.h"
#include "x64.h"

#define R_VM X64_R12
#define R_LOCALS X64_RBX
#define R_FRAME X64_R13

/* A return is the one status compiled callers test for: zero, one test. */
_Static_assert(BVM_EXEC_RETURNED == 0, "calls test the status with test eax, eax");

/* The registers that hold operands, in the order they are handed out. */
static const x64_reg gpr_pool[] = { X64_RSI, X64_RDI, X64_R8, X64_R9 };
/* The registers that hold locals: three callee-saved ones first, then two
 * caller-saved ones, which C calls clobber (loaded again after each, as
 * the float locals' are). */
static const x64_reg local_regs[] = { X64_R14, X64_R15, X64_RBP, X64_R11, X64_R10 };
#define LOCAL_REGS (sizeof local_regs / sizeof local_regs[0])
#define CALLEE_SAVED_LOCAL_REGS 3
#define GPR_POOL_SIZE (sizeof gpr_pool / sizeof gpr_pool[0])
#define XMM_POOL_FIRST 1 /* xmm1 .. xmm13; xmm0 is scratch */
#define XMM_POOL_SIZE 13
/* Float locals live in xmm14 and xmm15.  Those are caller-saved: written
 * back before every call, like the others, and also loaded again after. */
static const x64_xmm float_local_regs[] = { X64_XMM14, X64_XMM15 };
#define FLOAT_LOCAL_REGS (sizeof float_local_regs / sizeof float_local_regs[0])

typedef enum { IN_MEMORY, CONSTANT, IN_GPR, IN_XMM } operand_place;

typedef struct {
    uint8_t place;      /* operand_place                          */
    uint8_t reg;        /* IN_GPR: index into gpr_pool; IN_XMM: xmm number */
    int64_t bits;       /* CONSTANT: the 64 bits of the value      */
} operand;

/* A slow path waiting to be emitted after the function's body, so the
 * fast path falls straight through (no jump over it). */
typedef struct {
    x64_label slow, join;
    uint32_t pc;
    bool leave;            /* leave compiled code at pc (vm->poll is set)
                              instead of running the instruction            */
    uint32_t snapshot_depth, depth;
    operand *snapshot;     /* where each operand was before the instruction */
    operand *after;        /* ... and after it, on the fast path             */
} deferred_slow_path;

typedef struct {
    bvm_vm *vm;
    bvm_rt_function *rf;
    const bvm_function *fn;
    const bvm_verified *ver;
    x64_buf buf;
    x64_label *labels;      /* [code_len]: the native position of a jump target */
    uint8_t *is_target;     /* [code_len]: a jump lands here                  */
    uint16_t *fuel_block;   /* [code_len]: with a fuel budget, the number of
                               instructions in the block starting here (0:
                               no block starts here)                           */
    uint32_t *loop_headers; /* pcs that backward jumps reach: entries for OSR */
    uint32_t nloop_headers;
    x64_label exit;         /* the epilogue: returns the status in eax        */
    x64_label fast_entry;   /* the entry for compiled callers (prologue)      */
    x64_label call_overflow; /* a CALL too deep: jit_call_overflow (prologue) */
    operand *stack;         /* [max_stack + 2]: the virtual operand stack     */
    uint32_t depth;
    operand *snapshot;      /* the stack before a fallible instruction         */
    deferred_slow_path *deferred; /* slow paths to emit after the body        */
    size_t ndeferred, deferred_capacity;
    int8_t *local_reg;      /* [nlocals]: index into local_regs, or -1        */
    uint16_t cached[LOCAL_REGS]; /* the locals in local_regs[0..ncached)     */
    uint32_t ncached;
    bool cached_written[LOCAL_REGS]; /* a STORE or IINC changes it: its slot
                               goes stale (else the slot stays exact)         */
    int8_t *local_xmm;      /* [nlocals]: index into float_local_regs, or -1  */
    uint16_t cached_float[FLOAT_LOCAL_REGS];
    uint32_t ncached_float;
    bool cached_float_written[FLOAT_LOCAL_REGS];
    uint32_t snapshot_depth;
    uint32_t gpr_busy;      /* bit i: gpr_pool[i] holds an operand            */
    uint32_t xmm_busy;      /* bit n: xmm n holds an operand                  */
    const char *why;        /* set when the function cannot be compiled       */
    bvm_jit_listing *listing; /* for --jit-dump, or NULL                      */
} compiler;

/* ==== Operands and registers ================================================ */

static x64_mem local_slot(const compiler *c, uint32_t i)
{
    return x64_mem_base(R_LOCALS, (int32_t)(8 * i));
}

static x64_mem operand_slot(const compiler *c, uint32_t d)
{
    return x64_mem_base(R_LOCALS, (int32_t)(8 * ((uint32_t)c->fn->nlocals + d)));
}

static void flush_one(compiler *c, uint32_t d);

/* A free operand register of one class (IN_GPR: an index into gpr_pool;
 * IN_XMM: an xmm number); spills the deepest operand of that class to its
 * slot when all are taken. */
static unsigned take_register(compiler *c, operand_place place)
{
    uint32_t *busy = place == IN_GPR ? &c->gpr_busy : &c->xmm_busy;
    unsigned first = place == IN_GPR ? 0 : XMM_POOL_FIRST;
    unsigned count = place == IN_GPR ? GPR_POOL_SIZE : XMM_POOL_SIZE;
    for (;;) {
        for (unsigned n = first; n < first + count; n++) {
            if (!(*busy & (1u << n))) {
                *busy |= 1u << n;
                return n;
            }
        }
        for (uint32_t d = 0; d < c->depth; d++) {
            if (c->stack[d].place == place) {
                flush_one(c, d);
                break;
            }
        }
    }
}

static unsigned take_gpr(compiler *c) { return take_register(c, IN_GPR); }
static unsigned take_xmm(compiler *c) { return take_register(c, IN_XMM); }

static void release(compiler *c, operand o)
{
    if (o.place == IN_GPR)
        c->gpr_busy &= ~(1u << o.reg);
    else if (o.place == IN_XMM)
        c->xmm_busy &= ~(1u << o.reg);
}

static x64_reg gpr(unsigned pool_index) { return gpr_pool[pool_index]; }

static bool fits_i32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

/* Emit a store of operand o (whose slot is depth d) to m; the state does
 * not change.  A constant that does not fit 32 bits goes through
 * `scratch`, as does an operand in memory. */
static void emit_store(compiler *c, operand o, uint32_t d, x64_mem m, x64_reg scratch)
{
    switch (o.place) {
    case CONSTANT:
        if (fits_i32(o.bits)) {
            x64_mov_mi(&c->buf, m, (int32_t)o.bits);
        } else {
            x64_mov_ri(&c->buf, scratch, o.bits);
            x64_mov_mr(&c->buf, m, scratch);
        }
        break;
    case IN_MEMORY:
        x64_mov_rm(&c->buf, scratch, operand_slot(c, d));
        x64_mov_mr(&c->buf, m, scratch);
        break;
    case IN_GPR:
        x64_mov_mr(&c->buf, m, gpr(o.reg));
        break;
    case IN_XMM:
        x64_movsd_mr(&c->buf, m, (x64_xmm)o.reg);
        break;
    }
}

/* Write operand d to its slot; it then lives in memory.  A constant that
 * does not fit 32 bits goes through rax: take registers before putting
 * anything in rax (take_gpr may spill). */
static void flush_one(compiler *c, uint32_t d)
{
    operand *o = &c->stack[d];
    if (o->place == IN_MEMORY)
        return;
    emit_store(c, *o, d, operand_slot(c, d), X64_RAX);
    release(c, *o);
    o->place = IN_MEMORY;
}

static void flush_all(compiler *c)
{
    for (uint32_t d = 0; d < c->depth; d++)
        flush_one(c, d);
}

static void push(compiler *c, operand o) { c->stack[c->depth++] = o; }

static void push_constant(compiler *c, int64_t bits)
{
    push(c, (operand){ .place = CONSTANT, .bits = bits });
}

static void push_gpr(compiler *c, unsigned reg) { push(c, (operand){ .place = IN_GPR, .reg = (uint8_t)reg }); }
static void push_xmm(compiler *c, unsigned reg) { push(c, (operand){ .place = IN_XMM, .reg = (uint8_t)reg }); }

/* Pops the top operand.  An operand in memory keeps its slot readable
 * until something else is pushed: read it before pushing. */
static operand pop(compiler *c) { return c->stack[--c->depth]; }

/* The operand popped from depth d, in a register of its own (the caller
 * releases it).  A register operand is handed over as it is. */
static unsigned into_gpr(compiler *c, operand o, uint32_t d)
{
    if (o.place == IN_GPR)
        return o.reg;
    unsigned r = take_gpr(c);
    switch (o.place) {
    case CONSTANT:
        x64_mov_ri(&c->buf, gpr(r), o.bits);
        break;
    case IN_MEMORY:
        x64_mov_rm(&c->buf, gpr(r), operand_slot(c, d));
        break;
    case IN_XMM:
        x64_movq_rx(&c->buf, gpr(r), (x64_xmm)o.reg);
        release(c, o);
        break;
    }
    return r;
}

static unsigned into_xmm(compiler *c, operand o, uint32_t d)
{
    if (o.place == IN_XMM)
        return o.reg;
    unsigned x = take_xmm(c);
    switch (o.place) {
    case CONSTANT:
        x64_mov_ri(&c->buf, X64_RAX, o.bits);
        x64_movq_xr(&c->buf, (x64_xmm)x, X64_RAX);
        break;
    case IN_MEMORY:
        x64_movsd_rm(&c->buf, (x64_xmm)x, operand_slot(c, d));
        break;
    case IN_GPR:
        x64_movq_xr(&c->buf, (x64_xmm)x, gpr(o.reg));
        release(c, o);
        break;
    }
    return x;
}

/* Copies operand o (from depth d) into scratch register `to`. */
static void copy_to_scratch(compiler *c, operand o, uint32_t d, x64_reg to)
{
    switch (o.place) {
    case CONSTANT:
        x64_mov_ri(&c->buf, to, o.bits);
        break;
    case IN_MEMORY:
        x64_mov_rm(&c->buf, to, operand_slot(c, d));
        break;
    case IN_GPR:
        x64_mov_rr(&c->buf, to, gpr(o.reg));
        break;
    case IN_XMM:
        x64_movq_rx(&c->buf, to, (x64_xmm)o.reg);
        break;
    }
}

/* ==== The VM's state, as compiled code sees it ================================ */

#define VM_FIELD(field) x64_mem_base(R_VM, (int32_t)offsetof(bvm_vm, field))
#define FRAME_FIELD(field) x64_mem_base(R_FRAME, (int32_t)offsetof(bvm_frame, field))

/* frame->ip = the instruction at pc; vm->sp = just past operand `depth`. */
/* The locals kept in registers, back to their slots in the frame. */
static void write_back_locals(compiler *c)
{
    for (uint32_t k = 0; k < c->ncached; k++)
        if (c->cached_written[k])
            x64_mov_mr(&c->buf, local_slot(c, c->cached[k]), local_regs[k]);
    for (uint32_t k = 0; k < c->ncached_float; k++)
        if (c->cached_float_written[k])
            x64_movsd_mr(&c->buf, local_slot(c, c->cached_float[k]), float_local_regs[k]);
}

/* After a call into C: the caller-saved registers of locals did not
 * survive it. */
static void reload_caller_saved_locals(compiler *c)
{
    for (uint32_t k = CALLEE_SAVED_LOCAL_REGS; k < c->ncached; k++)
        x64_mov_rm(&c->buf, local_regs[k], local_slot(c, c->cached[k]));
    for (uint32_t k = 0; k < c->ncached_float; k++)
        x64_movsd_rm(&c->buf, float_local_regs[k], local_slot(c, c->cached_float[k]));
}

/* ... and from the frame into their registers, at an entry. */
static void load_cached_locals(compiler *c)
{
    for (uint32_t k = 0; k < c->ncached && k < CALLEE_SAVED_LOCAL_REGS; k++)
        x64_mov_rm(&c->buf, local_regs[k], local_slot(c, c->cached[k]));
    reload_caller_saved_locals(c);
}

static void save_state(compiler *c, uint32_t pc, uint32_t depth)
{
    write_back_locals(c);
    x64_mov_ri(&c->buf, X64_RAX, (int64_t)(uintptr_t)(c->fn->code + pc));
    x64_mov_mr(&c->buf, FRAME_FIELD(ip), X64_RAX);
    x64_lea(&c->buf, X64_RAX, operand_slot(c, depth));
    x64_mov_mr(&c->buf, VM_FIELD(sp), X64_RAX);
}

/* Return from the function's body: to its caller's compiled code, or to
 * the C entry (prologue), with the status in eax. */
static void return_from_body(compiler *c)
{
    x64_alu_ri(&c->buf, X64_ADD, X64_RSP, 8);
    x64_ret(&c->buf);
}

/* Leave compiled code with `status` (the state is already saved). */
static void exit_with(compiler *c, bvm_exec_status status)
{
    x64_mov_ri(&c->buf, X64_RAX, status);
    return_from_body(c);
}

static bvm_exec_status jit_generic(bvm_vm *vm)
{
    vm->jit_stats.generic_instructions++;
    return bvm_interp_one(vm);
}

/* Runs the instruction at pc with the interpreter's own code.  Everything
 * must be flushed.  Goes on when it completed normally (BVM_EXEC_ONE_DONE);
 * any other status (an exception, an error) leaves compiled code with it.
 * Afterwards every operand is in memory, as the verifier says for the
 * next pc. */
/* The call itself: state saved for pc with `depth` operands, the
 * interpreter's code run, any status but BVM_EXEC_ONE_DONE leaves. */
static void emit_generic_call(compiler *c, uint32_t pc, uint32_t depth)
{
    save_state(c, pc, depth);
    x64_mov_rr(&c->buf, X64_RDI, R_VM);
    x64_call_abs(&c->buf, (uint64_t)(uintptr_t)jit_generic, X64_RAX);
    x64_label done;
    x64_label_init(&done);
    x64_mov32_rr(&c->buf, X64_RAX, X64_RAX); /* the status is 32 bits: clear the rest */
    x64_alu_ri(&c->buf, X64_CMP, X64_RAX, BVM_EXEC_ONE_DONE);
    x64_jcc_label(&c->buf, X64_CC_E, &done);
    x64_jmp_label(&c->buf, &c->exit); /* eax holds the status */
    x64_label_bind(&c->buf, &done);
    reload_caller_saved_locals(c);
}

static void run_generic(compiler *c, uint32_t pc, uint32_t next_depth)
{
    emit_generic_call(c, pc, c->depth);
    c->depth = next_depth;
    for (uint32_t d = 0; d < c->depth; d++)
        c->stack[d].place = IN_MEMORY;
}

/* ==== Control flow ============================================================ */

static uint32_t target_of(const compiler *c, uint32_t pc)
{
    return (uint32_t)((int64_t)pc + bvm_read_i32(c->fn->code + pc + 1));
}

typedef struct {
    x64_label slow, join;
} fallible;
static void fallible_begin(compiler *c, fallible *f);
static void defer_slow_path(compiler *c, fallible *f, uint32_t pc, bool leave);

/* A backward jump may close a loop that runs forever: check there whether
 * the debugger (or jit off) wants the frame back, and if so leave at the
 * loop header, as the interpreter's poll does -- out of line, so a loop
 * pays a load, a test and a branch not taken.  Everything is flushed. */
static void poll_before_backward_jump(compiler *c, uint32_t target)
{
    fallible leave;
    fallible_begin(c, &leave);
    x64_mov32_rm(&c->buf, X64_RAX, VM_FIELD(poll));
    x64_test_rr(&c->buf, X64_RAX, X64_RAX);
    x64_jcc_label(&c->buf, X64_CC_NE, &leave.slow);
    defer_slow_path(c, &leave, target, true);
}

/* Jump to pc `target` (everything flushed). */
static void jump_to(compiler *c, uint32_t from, uint32_t target)
{
    if (target <= from)
        poll_before_backward_jump(c, target);
    x64_jmp_label(&c->buf, &c->labels[target]);
}

/* Conditional jump on the flags just set; falls through otherwise. */
static void branch_to(compiler *c, x64_cond cc, uint32_t from, uint32_t target)
{
    if (target > from) {
        x64_jcc_label(&c->buf, cc, &c->labels[target]);
        return;
    }
    x64_label not_taken;
    x64_label_init(&not_taken);
    x64_jcc_label(&c->buf, x64_cond_invert(cc), &not_taken);
    jump_to(c, from, target);
    x64_label_bind(&c->buf, &not_taken);
}

/* ==== Instructions ============================================================ */

static bool is_float_type(const compiler *c, uint16_t type)
{
    return type < c->vm->module->ntypes && c->vm->module->types[type].kind == BVM_TK_FLOAT;
}

/* The verifier's type of operand d before the instruction at pc. */
static uint16_t stack_type(const compiler *c, uint32_t pc, uint32_t d)
{
    return c->ver->stack_types[(size_t)pc * c->ver->max_stack + d];
}

static void int_binary(compiler *c, bvm_opcode op)
{
    operand b = pop(c), a = pop(c);
    if (a.place == CONSTANT && b.place == CONSTANT && op != BVM_OP_ISHL && op != BVM_OP_ISHR) {
        uint64_t x = (uint64_t)a.bits, y = (uint64_t)b.bits, r = 0;
        switch (op) {
        case BVM_OP_IADD: r = x + y; break;
        case BVM_OP_ISUB: r = x - y; break;
        case BVM_OP_IMUL: r = x * y; break;
        case BVM_OP_IAND: r = x & y; break;
        case BVM_OP_IOR: r = x | y; break;
        default: r = x ^ y; break;
        }
        push_constant(c, (int64_t)r);
        return;
    }
    unsigned ra = into_gpr(c, a, c->depth);
    if (op == BVM_OP_ISHL || op == BVM_OP_ISHR) {
        x64_shift_op shift = op == BVM_OP_ISHL ? X64_SHL : X64_SAR;
        if (b.place == CONSTANT) {
            x64_shift_ri(&c->buf, shift, gpr(ra), (uint8_t)(b.bits & 63));
        } else {
            copy_to_scratch(c, b, c->depth + 1, X64_RCX); /* the CPU masks the count to 6 bits */
            release(c, b);
            x64_shift_rcl(&c->buf, shift, gpr(ra));
        }
        push_gpr(c, ra);
        return;
    }
    if (b.place == CONSTANT && fits_i32(b.bits)) {
        if (op == BVM_OP_IMUL)
            x64_imul_rri(&c->buf, gpr(ra), gpr(ra), (int32_t)b.bits);
        else
            x64_alu_ri(&c->buf, op == BVM_OP_IADD ? X64_ADD : op == BVM_OP_ISUB ? X64_SUB
                                : op == BVM_OP_IAND ? X64_AND : op == BVM_OP_IOR ? X64_OR : X64_XOR,
                       gpr(ra), (int32_t)b.bits);
    } else {
        unsigned rb = into_gpr(c, b, c->depth + 1);
        if (op == BVM_OP_IMUL)
            x64_imul_rr(&c->buf, gpr(ra), gpr(rb));
        else
            x64_alu_rr(&c->buf, op == BVM_OP_IADD ? X64_ADD : op == BVM_OP_ISUB ? X64_SUB
                                : op == BVM_OP_IAND ? X64_AND : op == BVM_OP_IOR ? X64_OR : X64_XOR,
                       gpr(ra), gpr(rb));
        release(c, (operand){ .place = IN_GPR, .reg = (uint8_t)rb });
    }
    push_gpr(c, ra);
}

/* The "magic number" of signed division by a constant d (|d| >= 2): with
 * M and s from here, n / d = hi64(M * n) (+ n if d > 0 and M < 0, - n if
 * d < 0 and M > 0), shifted right arithmetically by s, plus one when that
 * is negative.  A multiply is a few cycles where idiv is dozens.  The
 * method and this search for the smallest s are from Hacker's Delight
 * (Warren), section 10-4, for 64 bits. */
static void division_magic(int64_t d, int64_t *magic, unsigned *shift)
{
    const uint64_t two63 = 1ull << 63;
    uint64_t ad = d < 0 ? 0 - (uint64_t)d : (uint64_t)d;
    uint64_t t = two63 + ((uint64_t)d >> 63);
    uint64_t anc = t - 1 - t % ad;          /* |nc|, the largest n with n rem d = d - 1 */
    unsigned p = 63;
    uint64_t q1 = two63 / anc, r1 = two63 - q1 * anc;
    uint64_t q2 = two63 / ad, r2 = two63 - q2 * ad;
    uint64_t delta;
    do {
        p++;
        q1 *= 2;
        r1 *= 2;
        if (r1 >= anc) {
            q1++;
            r1 -= anc;
        }
        q2 *= 2;
        r2 *= 2;
        if (r2 >= ad) {
            q2++;
            r2 -= ad;
        }
        delta = ad - r2;
    } while (q1 < delta || (q1 == delta && r1 == 0));
    uint64_t m = q2 + 1;
    *magic = (int64_t)(d < 0 ? 0 - m : m);
    *shift = p - 64;
}

/* rax = n / d (n in rcx, clobbers rdx), for a constant |d| >= 2. */
static void divide_by_constant(compiler *c, int64_t d)
{
    int64_t magic;
    unsigned shift;
    division_magic(d, &magic, &shift);
    x64_mov_ri(&c->buf, X64_RAX, magic);
    x64_imul_wide(&c->buf, X64_RCX);               /* rdx = hi64(magic * n) */
    if (d > 0 && magic < 0)
        x64_alu_rr(&c->buf, X64_ADD, X64_RDX, X64_RCX);
    else if (d < 0 && magic > 0)
        x64_alu_rr(&c->buf, X64_SUB, X64_RDX, X64_RCX);
    if (shift)
        x64_shift_ri(&c->buf, X64_SAR, X64_RDX, (uint8_t)shift);
    x64_mov_rr(&c->buf, X64_RAX, X64_RDX);
    x64_shift_ri(&c->buf, X64_SHR, X64_RAX, 63);  /* 1 when negative: round toward zero */
    x64_alu_rr(&c->buf, X64_ADD, X64_RAX, X64_RDX);
}

/* Division by a constant other than 0, 1 and -1 cannot fail: a multiply by
 * its magic number (|d| < 2^31; idiv beyond).  Any other divisor goes
 * through the interpreter's code (the error, and INT64_MIN / -1). */
static bool divide(compiler *c, bvm_opcode op, uint32_t pc, uint32_t next_depth)
{
    operand b = c->stack[c->depth - 1];
    if (b.place != CONSTANT || b.bits == 0 || b.bits == -1 || b.bits == 1) {
        flush_all(c);
        run_generic(c, pc, next_depth);
        return true;
    }
    pop(c);
    operand a = pop(c);
    /* The result's register first: a spill it causes may use rax. */
    unsigned r = take_gpr(c);
    copy_to_scratch(c, a, c->depth, X64_RCX);      /* n */
    release(c, a);
    if (fits_i32(b.bits)) {
        divide_by_constant(c, b.bits);             /* rax = n / d */
        if (op == BVM_OP_IREM) {                   /* n - (n / d) * d */
            x64_imul_rri(&c->buf, X64_RAX, X64_RAX, (int32_t)b.bits);
            x64_alu_rr(&c->buf, X64_SUB, X64_RCX, X64_RAX);
            x64_mov_rr(&c->buf, X64_RAX, X64_RCX);
        }
    } else {
        x64_mov_rr(&c->buf, X64_RAX, X64_RCX);
        x64_cqo(&c->buf);
        x64_mov_ri(&c->buf, X64_RCX, b.bits);
        x64_idiv(&c->buf, X64_RCX);
        if (op == BVM_OP_IREM)
            x64_mov_rr(&c->buf, X64_RAX, X64_RDX);
    }
    x64_mov_rr(&c->buf, gpr(r), X64_RAX);
    push_gpr(c, r);
    return true;
}

static void float_binary(compiler *c, bvm_opcode op)
{
    operand b = pop(c), a = pop(c);
    unsigned xa = into_xmm(c, a, c->depth);
    x64_sse_op sse = op == BVM_OP_FADD ? X64_ADDSD : op == BVM_OP_FSUB ? X64_SUBSD
                   : op == BVM_OP_FMUL ? X64_MULSD : X64_DIVSD;
    if (b.place == IN_MEMORY) {
        x64_sse_rm(&c->buf, sse, (x64_xmm)xa, operand_slot(c, c->depth + 1));
    } else {
        unsigned xb = into_xmm(c, b, c->depth + 1);
        x64_sse_rr(&c->buf, sse, (x64_xmm)xa, (x64_xmm)xb);
        release(c, (operand){ .place = IN_XMM, .reg = (uint8_t)xb });
    }
    push_xmm(c, xa);
}

/* The condition an int compare opcode tests (signed). */
static bool int_compare_cond(bvm_opcode op, x64_cond *cc)
{
    switch (op) {
    case BVM_OP_ICMPEQ: case BVM_OP_BCMPEQ: case BVM_OP_RCMPEQ: case BVM_OP_JIEQ: *cc = X64_CC_E; return true;
    case BVM_OP_ICMPNE: case BVM_OP_BCMPNE: case BVM_OP_RCMPNE: case BVM_OP_JINE: *cc = X64_CC_NE; return true;
    case BVM_OP_ICMPLT: case BVM_OP_JILT: *cc = X64_CC_L; return true;
    case BVM_OP_ICMPLE: case BVM_OP_JILE: *cc = X64_CC_LE; return true;
    case BVM_OP_ICMPGT: case BVM_OP_JIGT: *cc = X64_CC_G; return true;
    case BVM_OP_ICMPGE: case BVM_OP_JIGE: *cc = X64_CC_GE; return true;
    default: return false;
    }
}

/* cmp a, b for the two operands on top (popped). */
static void compare_top_two(compiler *c)
{
    operand b = pop(c), a = pop(c);
    unsigned ra = into_gpr(c, a, c->depth);
    if (b.place == CONSTANT && fits_i32(b.bits)) {
        x64_alu_ri(&c->buf, X64_CMP, gpr(ra), (int32_t)b.bits);
    } else if (b.place == IN_MEMORY) {
        x64_alu_rm(&c->buf, X64_CMP, gpr(ra), operand_slot(c, c->depth + 1));
    } else {
        unsigned rb = into_gpr(c, b, c->depth + 1);
        x64_alu_rr(&c->buf, X64_CMP, gpr(ra), gpr(rb));
        release(c, (operand){ .place = IN_GPR, .reg = (uint8_t)rb });
    }
    release(c, (operand){ .place = IN_GPR, .reg = (uint8_t)ra });
}

/* A bool from the flags: setcc into a fresh operand register.  The
 * register is taken first: a spill is only moves (the flags survive), but
 * may use rax. */
static void push_flag(compiler *c, x64_cond cc)
{
    unsigned r = take_gpr(c);
    x64_setcc(&c->buf, cc, X64_RAX);
    x64_movzx8_rr(&c->buf, gpr(r), X64_RAX);
    push_gpr(c, r);
}

/* Float compares: ucomisd, with NaN compares false (true for !=). */
static void float_compare(compiler *c, bvm_opcode op)
{
    operand b = pop(c), a = pop(c);
    unsigned xa = into_xmm(c, a, c->depth);
    unsigned xb = into_xmm(c, b, c->depth + 1);
    release(c, (operand){ .place = IN_XMM, .reg = (uint8_t)xa });
    release(c, (operand){ .place = IN_XMM, .reg = (uint8_t)xb });
    /* a < b is b > a: "above" is false when unordered (CF = 1). */
    switch (op) {
    case BVM_OP_FCMPLT: x64_sse_rr(&c->buf, X64_UCOMISD, (x64_xmm)xb, (x64_xmm)xa); push_flag(c, X64_CC_A); return;
    case BVM_OP_FCMPLE: x64_sse_rr(&c->buf, X64_UCOMISD, (x64_xmm)xb, (x64_xmm)xa); push_flag(c, X64_CC_AE); return;
    case BVM_OP_FCMPGT: x64_sse_rr(&c->buf, X64_UCOMISD, (x64_xmm)xa, (x64_xmm)xb); push_flag(c, X64_CC_A); return;
    case BVM_OP_FCMPGE: x64_sse_rr(&c->buf, X64_UCOMISD, (x64_xmm)xa, (x64_xmm)xb); push_flag(c, X64_CC_AE); return;
    default: break;
    }
    /* == : ZF and not PF;  != : not ZF or PF. */
    bool equal = op == BVM_OP_FCMPEQ;
    unsigned r = take_gpr(c);
    x64_sse_rr(&c->buf, X64_UCOMISD, (x64_xmm)xa, (x64_xmm)xb);
    x64_setcc(&c->buf, equal ? X64_CC_E : X64_CC_NE, X64_RAX);
    x64_setcc(&c->buf, equal ? X64_CC_NP : X64_CC_P, X64_RCX);
    x64_movzx8_rr(&c->buf, X64_RAX, X64_RAX);
    x64_movzx8_rr(&c->buf, X64_RCX, X64_RCX);
    x64_alu_rr(&c->buf, equal ? X64_AND : X64_OR, X64_RAX, X64_RCX);
    x64_mov_rr(&c->buf, gpr(r), X64_RAX);
    push_gpr(c, r);
}

/* Store operand o (popped from depth d) into memory at m, and let it go. */
static void store_operand(compiler *c, operand o, uint32_t d, x64_mem m)
{
    emit_store(c, o, d, m, X64_RDX);
    release(c, o);
}

/* ==== Instructions that may fail: fast path inline, slow path aside =========== */

/* ALOAD, ASTORE, ALEN, GETFIELD and PUTFIELD fail only on a null or an
 * index out of bounds, which the fast path checks with a compare and a
 * branch.  The fast path keeps every operand where it is (registers
 * included).  Only the slow path, taken when a check fails, writes the
 * whole operand stack to the frame -- as it stood before the instruction,
 * from a snapshot -- runs the interpreter's code for the instruction (which
 * raises the error, or, should nothing be wrong after all, does the work),
 * and reloads the registers the fast path expects at the join.  No
 * garbage is collected on the fast path, so operands in registers are
 * never hidden from the collector. */


/* Before popping the instruction's operands: remember where each operand
 * is, for the slow path's flush. */
static void fallible_begin(compiler *c, fallible *f)
{
    memcpy(c->snapshot, c->stack, c->depth * sizeof *c->stack);
    c->snapshot_depth = c->depth;
    x64_label_init(&f->slow);
    x64_label_init(&f->join);
}

/* Store operand o to its slot d without changing the compile-time state. */
static void emit_store_copy(compiler *c, operand o, uint32_t d)
{
    if (o.place != IN_MEMORY)
        emit_store(c, o, d, operand_slot(c, d), X64_RAX);
}

/* Ends the fast path (the compile-time state is the fast path's, after the
 * instruction): the join is here; the slow path is emitted at the end of
 * the function (emit_slow_paths). */
static void defer_slow_path(compiler *c, fallible *f, uint32_t pc, bool leave);

static void fallible_end(compiler *c, fallible *f, uint32_t pc)
{
    defer_slow_path(c, f, pc, false);
}

static void defer_slow_path(compiler *c, fallible *f, uint32_t pc, bool leave)
{
    deferred_slow_path *d = NULL;
    if (c->ndeferred == c->deferred_capacity) {
        size_t grown = c->deferred_capacity ? 2 * c->deferred_capacity : 16;
        deferred_slow_path *bigger = realloc(c->deferred, grown * sizeof *bigger);
        if (bigger) {
            c->deferred = bigger;
            c->deferred_capacity = grown;
        }
    }
    operand *copies = malloc(((size_t)c->snapshot_depth + c->depth + 1) * sizeof *copies);
    if (c->ndeferred == c->deferred_capacity || !copies) {
        free(copies);
        c->why = "out of memory while compiling";
        return;
    }
    d = &c->deferred[c->ndeferred++];
    *d = (deferred_slow_path){
        .slow = f->slow, .pc = pc, .leave = leave, .snapshot_depth = c->snapshot_depth, .depth = c->depth,
        .snapshot = copies, .after = copies + c->snapshot_depth,
    };
    memcpy(d->snapshot, c->snapshot, c->snapshot_depth * sizeof *copies);
    memcpy(d->after, c->stack, c->depth * sizeof *copies);
    x64_label_init(&d->join);
    x64_label_bind(&c->buf, &d->join);
}

/* Each slow path: write the operand stack as it was before the
 * instruction, run the interpreter's code for it, reload the registers the
 * fast path's join expects (the C call clobbered them; the result is in its
 * slot), and jump back. */
static void emit_slow_paths(compiler *c)
{
    for (size_t i = 0; i < c->ndeferred; i++) {
        deferred_slow_path *d = &c->deferred[i];
        x64_label_bind(&c->buf, &d->slow);
        for (uint32_t k = 0; k < d->snapshot_depth; k++)
            emit_store_copy(c, d->snapshot[k], k);
        if (d->leave) {
            save_state(c, d->pc, d->snapshot_depth);
            exit_with(c, BVM_EXEC_DEOPT);
            continue;
        }
        emit_generic_call(c, d->pc, d->snapshot_depth);
        for (uint32_t k = 0; k < d->depth; k++) {
            if (d->after[k].place == IN_GPR)
                x64_mov_rm(&c->buf, gpr(d->after[k].reg), operand_slot(c, k));
            else if (d->after[k].place == IN_XMM)
                x64_movsd_rm(&c->buf, (x64_xmm)d->after[k].reg, operand_slot(c, k));
        }
        x64_jmp_label(&c->buf, &d->join);
    }
}

static void free_slow_paths(compiler *c)
{
    for (size_t i = 0; i < c->ndeferred; i++)
        free(c->deferred[i].snapshot);
    c->ndeferred = 0;
}

/* A register for the result, taken before the checks branch away (a spill
 * it causes must happen on both paths). */
static unsigned take_result(compiler *c, bool is_float)
{
    return is_float ? take_xmm(c) : take_gpr(c);
}

static void push_result(compiler *c, unsigned reg, bool is_float)
{
    if (is_float)
        push_xmm(c, reg);
    else
        push_gpr(c, reg);
}

static void release_gpr(compiler *c, unsigned reg)
{
    release(c, (operand){ .place = IN_GPR, .reg = (uint8_t)reg });
}

/* Load the 8 bytes at m into a result register of its class. */
static void load_into(compiler *c, unsigned reg, bool is_float, x64_mem m)
{
    if (is_float)
        x64_movsd_rm(&c->buf, (x64_xmm)reg, m);
    else
        x64_mov_rm(&c->buf, gpr(reg), m);
}

/* test ref; je slow -- and, with an index, cmp index, [ref + length]; jae
 * slow (unsigned: a negative index fails too). */
static void check_ref_and_index(compiler *c, fallible *f, unsigned ref, int index)
{
    x64_test_rr(&c->buf, gpr(ref), gpr(ref));
    x64_jcc_label(&c->buf, X64_CC_E, &f->slow);
    if (index >= 0) {
        x64_alu_rm(&c->buf, X64_CMP, gpr((unsigned)index), x64_mem_base(gpr(ref), offsetof(bvm_array, length)));
        x64_jcc_label(&c->buf, X64_CC_AE, &f->slow);
    }
}

static x64_mem element(unsigned array, unsigned index)
{
    return x64_mem_index(gpr(array), gpr(index), 8, offsetof(bvm_array, items));
}

static x64_mem field_of(unsigned record, uint16_t field)
{
    return x64_mem_base(gpr(record), (int32_t)(offsetof(bvm_record_obj, fields) + 8u * field));
}

static void array_load(compiler *c, uint32_t pc)
{
    bool is_float = is_float_type(c, stack_type(c, pc + BVM_LEN_ALOAD, c->depth - 2));
    fallible f;
    fallible_begin(c, &f);
    operand index = pop(c), array = pop(c);
    unsigned ra = into_gpr(c, array, c->depth);
    unsigned ri = into_gpr(c, index, c->depth + 1);
    unsigned result = take_result(c, is_float);
    check_ref_and_index(c, &f, ra, (int)ri);
    load_into(c, result, is_float, element(ra, ri));
    release_gpr(c, ra);
    release_gpr(c, ri);
    push_result(c, result, is_float);
    fallible_end(c, &f, pc);
}

static void array_store(compiler *c, uint32_t pc)
{
    fallible f;
    fallible_begin(c, &f);
    operand value = pop(c), index = pop(c), array = pop(c);
    unsigned ra = into_gpr(c, array, c->depth);
    unsigned ri = into_gpr(c, index, c->depth + 1);
    check_ref_and_index(c, &f, ra, (int)ri);
    emit_store(c, value, c->depth + 2, element(ra, ri), X64_RDX);
    release(c, value);
    release_gpr(c, ra);
    release_gpr(c, ri);
    fallible_end(c, &f, pc);
}

static void array_length(compiler *c, uint32_t pc)
{
    fallible f;
    fallible_begin(c, &f);
    operand array = pop(c);
    unsigned ra = into_gpr(c, array, c->depth);
    unsigned result = take_gpr(c);
    check_ref_and_index(c, &f, ra, -1);
    x64_mov_rm(&c->buf, gpr(result), x64_mem_base(gpr(ra), offsetof(bvm_array, length)));
    release_gpr(c, ra);
    push_gpr(c, result);
    fallible_end(c, &f, pc);
}

static void get_field(compiler *c, uint32_t pc)
{
    uint16_t field = bvm_read_u16(c->fn->code + pc + 3);
    bool is_float = is_float_type(c, stack_type(c, pc + BVM_LEN_GETFIELD, c->depth - 1));
    fallible f;
    fallible_begin(c, &f);
    operand record = pop(c);
    unsigned rr = into_gpr(c, record, c->depth);
    unsigned result = take_result(c, is_float);
    check_ref_and_index(c, &f, rr, -1);
    load_into(c, result, is_float, field_of(rr, field));
    release_gpr(c, rr);
    push_result(c, result, is_float);
    fallible_end(c, &f, pc);
}

static void put_field(compiler *c, uint32_t pc)
{
    uint16_t field = bvm_read_u16(c->fn->code + pc + 3);
    fallible f;
    fallible_begin(c, &f);
    operand value = pop(c), record = pop(c);
    unsigned rr = into_gpr(c, record, c->depth);
    check_ref_and_index(c, &f, rr, -1);
    emit_store(c, value, c->depth + 1, field_of(rr, field), X64_RDX);
    release(c, value);
    release_gpr(c, rr);
    fallible_end(c, &f, pc);
}

/* NEW: allocate the record in C (bvm_heap_record may collect garbage: the
 * state is saved first); a NULL (heap full) takes the slow path, where the
 * interpreter's code raises the error. */
static bvm_record_obj *jit_new_record(bvm_vm *vm, uint32_t record_type)
{
    return bvm_heap_record(vm, (uint16_t)record_type);
}

/* The heap's fields, from the vm in r12. */
#define HEAP_FIELD(field) x64_mem_base(R_VM, (int32_t)(offsetof(bvm_vm, heap) + offsetof(bvm_heap, field)))
#define CLASS_FIELD(index, field)                                                                  \
    x64_mem_base(R_VM, (int32_t)(offsetof(bvm_vm, heap) + offsetof(bvm_heap, classes) +             \
                                 (index) * sizeof(bvm_size_class) + offsetof(bvm_size_class, field)))

/* NEW, inline: take a cell as heap.c's allocate and small_cell would --
 * under the collection threshold and the limit, from the free list or the
 * bump range -- and fill in the header and null fields.  Anything else (a
 * collection due, a new page, a large record, GC stress) is the slow path:
 * the interpreter's code, which calls bvm_heap_record.  Under ASan the
 * heap poisons free cells, which only heap.c may unpoison: there every
 * record takes the slow path. */
static bool inline_record_allocation(compiler *c, uint32_t pc)
{
#if defined(__SANITIZE_ADDRESS__)
    return false;
#else
    uint16_t record = c->vm->module->types[bvm_read_u16(c->fn->code + pc + 1)].arg;
    uint32_t nfields = c->vm->records[record].nfields;
    size_t size = sizeof(bvm_record_obj) + 8u * nfields;
    if (c->vm->opt.gc_stress || size > BVM_SMALL_MAX)
        return false;
    size_t charged = bvm_heap_charge(size), sc = charged / 8;

    unsigned r = take_gpr(c); /* first: a spill may use rax */
    fallible f;
    fallible_begin(c, &f);
    x64_label from_bump, got;
    x64_label_init(&from_bump);
    x64_label_init(&got);
    x64_mov_rm(&c->buf, X64_RAX, HEAP_FIELD(live_bytes));
    x64_alu_ri(&c->buf, X64_ADD, X64_RAX, (int32_t)charged);
    x64_alu_rm(&c->buf, X64_CMP, X64_RAX, HEAP_FIELD(next_gc)); /* a collection is due */
    x64_jcc_label(&c->buf, X64_CC_A, &f.slow);
    x64_alu_rm(&c->buf, X64_CMP, X64_RAX, HEAP_FIELD(limit));
    x64_jcc_label(&c->buf, X64_CC_A, &f.slow);
    x64_mov_rm(&c->buf, X64_RCX, CLASS_FIELD(sc, free));
    x64_test_rr(&c->buf, X64_RCX, X64_RCX);
    x64_jcc_label(&c->buf, X64_CC_E, &from_bump);
    x64_mov_rm(&c->buf, X64_RDX, x64_mem_base(X64_RCX, sizeof(bvm_obj))); /* the free list's link */
    x64_mov_mr(&c->buf, CLASS_FIELD(sc, free), X64_RDX);
    x64_jmp_label(&c->buf, &got);
    x64_label_bind(&c->buf, &from_bump);
    x64_mov_rm(&c->buf, X64_RCX, CLASS_FIELD(sc, bump));
    x64_test_rr(&c->buf, X64_RCX, X64_RCX);
    x64_jcc_label(&c->buf, X64_CC_E, &f.slow);
    x64_lea(&c->buf, X64_RDX, x64_mem_base(X64_RCX, (int32_t)charged));
    x64_alu_rm(&c->buf, X64_CMP, X64_RDX, CLASS_FIELD(sc, bump_end));
    x64_jcc_label(&c->buf, X64_CC_A, &f.slow); /* the page is full */
    x64_mov_mr(&c->buf, CLASS_FIELD(sc, bump), X64_RDX);
    x64_label_bind(&c->buf, &got);

    /* rcx: the cell.  Header: kind, then zeros, then the record index. */
    x64_mov_mr(&c->buf, HEAP_FIELD(live_bytes), X64_RAX);
    x64_mov_ri(&c->buf, X64_RDX, (int64_t)((uint64_t)BVM_OBJ_RECORD | (uint64_t)record << 32));
    x64_mov_mr(&c->buf, x64_mem_base(X64_RCX, 0), X64_RDX);
    for (uint32_t i = 0; i < nfields; i++)
        x64_mov_mi(&c->buf, x64_mem_base(X64_RCX, (int32_t)(offsetof(bvm_record_obj, fields) + 8 * i)), 0);
    x64_alu_mi(&c->buf, X64_ADD, HEAP_FIELD(stats.bytes_allocated), (int32_t)charged);
    x64_alu_mi(&c->buf, X64_ADD, HEAP_FIELD(stats.objects_allocated), 1);
    x64_label no_peak;
    x64_label_init(&no_peak);
    x64_alu_rm(&c->buf, X64_CMP, X64_RAX, HEAP_FIELD(stats.peak_live_bytes));
    x64_jcc_label(&c->buf, X64_CC_BE, &no_peak);
    x64_mov_mr(&c->buf, HEAP_FIELD(stats.peak_live_bytes), X64_RAX);
    x64_label_bind(&c->buf, &no_peak);
    x64_mov_rr(&c->buf, gpr(r), X64_RCX);
    push_gpr(c, r);
    fallible_end(c, &f, pc);
    return true;
#endif
}

static void new_record(compiler *c, uint32_t pc)
{
    if (inline_record_allocation(c, pc))
        return;
    flush_all(c); /* a collection may run: every reference must be in the frame */
    fallible f;
    fallible_begin(c, &f);
    save_state(c, pc, c->depth);
    x64_mov_rr(&c->buf, X64_RDI, R_VM);
    x64_mov_ri(&c->buf, X64_RSI, bvm_read_u16(c->fn->code + pc + 1));
    x64_call_abs(&c->buf, (uint64_t)(uintptr_t)jit_new_record, X64_RAX);
    reload_caller_saved_locals(c); /* moves only: rax survives */
    unsigned r = take_gpr(c);
    x64_test_rr(&c->buf, X64_RAX, X64_RAX);
    x64_jcc_label(&c->buf, X64_CC_E, &f.slow);
    x64_mov_rr(&c->buf, gpr(r), X64_RAX);
    push_gpr(c, r);
    fallible_end(c, &f, pc);
}

/* A CALL whose callee would go past the depth limit or the value stack:
 * the interpreter's CALL raises the error.  Should it not (nothing is
 * wrong any more), the callee's frame is on top: hand it over.  The frame
 * is saved at the CALL, vm->sp is found from the verifier's depth there. */
static bvm_exec_status jit_call_overflow(bvm_vm *vm)
{
    bvm_frame *top = &vm->frames[vm->nframes - 1];
    const bvm_function *fn = top->fn->fn;
    vm->sp = top->base + fn->nlocals + fn->verified->depth[top->ip - fn->code];
    bvm_exec_status status = jit_generic(vm);
    return status == BVM_EXEC_ONE_DONE ? BVM_EXEC_DEOPT : status;
}

/* CALL: push the callee's frame -- only what a return, the collector and
 * the debugger read: fn, base, and the locals past the arguments zeroed --
 * and call its fast entry (compiled code, or bvm_jit_interpret_callee_fast,
 * which fills in the rest).  r13 and rbx move to the callee's frame and
 * base for the call and back after it; the cached locals, written back
 * before, are loaded again (docs/jit.md section 3). */
static void call(compiler *c, uint32_t pc, uint32_t next_depth)
{
    bvm_rt_function *callee = &c->vm->funcs[bvm_read_u16(c->fn->code + pc + 1)];
    const bvm_function *cf = callee->fn;
    flush_all(c);
    /* The caller's frame stays at this CALL while the callee runs (the
     * collector and the debugger read it there). */
    write_back_locals(c);
    x64_mov_ri(&c->buf, X64_RAX, (int64_t)(uintptr_t)(c->fn->code + pc));
    x64_mov_mr(&c->buf, FRAME_FIELD(ip), X64_RAX);

    /* The depth limit and room on the value stack for the callee's frame. */
    int32_t args = (int32_t)(8u * (c->fn->nlocals + c->depth - cf->nparams)); /* its base, from ours */
    x64_mov32_rm(&c->buf, X64_RAX, VM_FIELD(nframes));
    x64_mov32_rm(&c->buf, X64_RCX, VM_FIELD(max_frames));
    x64_alu_rr(&c->buf, X64_CMP, X64_RAX, X64_RCX);
    x64_jcc_label(&c->buf, X64_CC_AE, &c->call_overflow);
    x64_mov_rm(&c->buf, X64_RCX, VM_FIELD(stack_end));
    x64_alu_rr(&c->buf, X64_SUB, X64_RCX, R_LOCALS);
    x64_alu_ri(&c->buf, X64_CMP, X64_RCX, args + (int32_t)(8u * callee->frame_size));
    x64_jcc_label(&c->buf, X64_CC_B, &c->call_overflow);

    /* frames[nframes] = { callee, -, the arguments }; r13, rbx to them */
    x64_alu_ri(&c->buf, X64_ADD, X64_RAX, 1);
    x64_mov32_mr(&c->buf, VM_FIELD(nframes), X64_RAX);
    x64_alu_ri(&c->buf, X64_ADD, R_FRAME, (int32_t)sizeof(bvm_frame));
    x64_alu_ri(&c->buf, X64_ADD, R_LOCALS, args);
    x64_mov_ri(&c->buf, X64_RCX, (int64_t)(uintptr_t)callee);
    x64_mov_mr(&c->buf, FRAME_FIELD(fn), X64_RCX);
    x64_mov_mr(&c->buf, FRAME_FIELD(base), R_LOCALS);
    for (uint32_t j = cf->nparams; j < cf->nlocals; j++)
        x64_mov_mi(&c->buf, local_slot(c, j), 0);

    if (callee == c->rf) {
        x64_call_label(&c->buf, &c->fast_entry); /* a recursive call: direct */
    } else {
        x64_mov_rr(&c->buf, X64_RDI, R_VM);
        x64_mov_ri(&c->buf, X64_RAX, (int64_t)(uintptr_t)&callee->jit_fast_entry);
        x64_call_m(&c->buf, x64_mem_base(X64_RAX, 0));
    }
    /* Anything but a return: pass it up as it is (docs/jit.md). */
    x64_mov32_rr(&c->buf, X64_RAX, X64_RAX); /* the status is 32 bits: clear the rest */
    x64_test_rr(&c->buf, X64_RAX, X64_RAX);
    x64_jcc_label(&c->buf, X64_CC_NE, &c->exit);
    x64_alu_ri(&c->buf, X64_SUB, R_FRAME, (int32_t)sizeof(bvm_frame));
    x64_alu_ri(&c->buf, X64_SUB, R_LOCALS, args);
    load_cached_locals(c);
    c->depth = next_depth;
    for (uint32_t d = 0; d < c->depth; d++)
        c->stack[d].place = IN_MEMORY;
}

/* RET / RETV: the result (if any) replaces the arguments at base[0]; pop
 * the frame.  (Registers: nothing to restore, see the prologue.) */
static void do_return(compiler *c, bool with_value)
{
    if (with_value) {
        operand v = pop(c);
        store_operand(c, v, c->depth, local_slot(c, 0));
    }
    /* vm->sp matters only to the interpreter: the C entry sets it. */
    x64_mov32_rm(&c->buf, X64_RAX, VM_FIELD(nframes));
    x64_alu_ri(&c->buf, X64_SUB, X64_RAX, 1);
    x64_mov32_mr(&c->buf, VM_FIELD(nframes), X64_RAX);
    exit_with(c, BVM_EXEC_RETURNED);
}

/* One instruction.  Returns false (c->why set) to refuse the function. */
static bool compile_instruction(compiler *c, uint32_t pc, uint32_t *next_pc)
{
    const uint8_t *ip = c->fn->code + pc;
    bvm_opcode op = (bvm_opcode)ip[0];
    uint32_t len = bvm_op(op)->length;
    uint32_t next = pc + len;
    uint32_t next_depth = next < c->fn->code_len && c->ver->depth[next] != BVM_NOT_INSN ? c->ver->depth[next] : 0;
    *next_pc = next;

    switch (op) {
    case BVM_OP_NOP: case BVM_OP_B2I:
        break;
    case BVM_OP_ICONST: push_constant(c, bvm_read_i32(ip + 1)); break;
    case BVM_OP_BCONST: push_constant(c, ip[1]); break;
    case BVM_OP_NULL: push_constant(c, 0); break;
    case BVM_OP_LDC: push_constant(c, c->vm->consts[bvm_read_u16(ip + 1)].i); break;

    case BVM_OP_LOAD: {
        uint16_t i = bvm_read_u16(ip + 1);
        if (c->local_reg[i] >= 0) {
            unsigned r = take_gpr(c); /* a copy: a later STORE must not change it */
            x64_mov_rr(&c->buf, gpr(r), local_regs[c->local_reg[i]]);
            push_gpr(c, r);
        } else if (c->local_xmm[i] >= 0) {
            unsigned x = take_xmm(c);
            x64_movapd_rr(&c->buf, (x64_xmm)x, float_local_regs[c->local_xmm[i]]);
            push_xmm(c, x);
        } else {
            bool is_float = is_float_type(c, c->fn->local_types[i]);
            unsigned r = take_result(c, is_float);
            load_into(c, r, is_float, local_slot(c, i));
            push_result(c, r, is_float);
        }
        break;
    }
    case BVM_OP_STORE: {
        uint16_t i = bvm_read_u16(ip + 1);
        operand v = pop(c);
        if (c->local_reg[i] >= 0) {
            copy_to_scratch(c, v, c->depth, local_regs[c->local_reg[i]]);
            release(c, v);
        } else if (c->local_xmm[i] >= 0) {
            unsigned x = into_xmm(c, v, c->depth);
            x64_movapd_rr(&c->buf, float_local_regs[c->local_xmm[i]], (x64_xmm)x);
            release(c, (operand){ .place = IN_XMM, .reg = (uint8_t)x });
        } else {
            store_operand(c, v, c->depth, local_slot(c, i));
        }
        break;
    }
    case BVM_OP_IINC: {
        uint16_t i = bvm_read_u16(ip + 1);
        if (c->local_reg[i] >= 0)
            x64_alu_ri(&c->buf, X64_ADD, local_regs[c->local_reg[i]], bvm_read_i32(ip + 3));
        else
            x64_alu_mi(&c->buf, X64_ADD, local_slot(c, i), bvm_read_i32(ip + 3));
        break;
    }
    case BVM_OP_GLOAD: {
        uint16_t g = bvm_read_u16(ip + 1);
        bool is_float = is_float_type(c, c->vm->module->globals[g].type);
        unsigned r = take_result(c, is_float); /* first: a spill may use rax */
        x64_mov_ri(&c->buf, X64_RAX, (int64_t)(uintptr_t)&c->vm->globals[g]);
        load_into(c, r, is_float, x64_mem_base(X64_RAX, 0));
        push_result(c, r, is_float);
        break;
    }
    case BVM_OP_GSTORE: {
        operand v = pop(c);
        x64_mov_ri(&c->buf, X64_RCX, (int64_t)(uintptr_t)&c->vm->globals[bvm_read_u16(ip + 1)]);
        store_operand(c, v, c->depth, x64_mem_base(X64_RCX, 0));
        break;
    }

    case BVM_OP_POP: release(c, pop(c)); break;
    case BVM_OP_DUP: case BVM_OP_DUP2: {
        uint32_t n = op == BVM_OP_DUP ? 1 : 2;
        uint32_t first = c->depth - n;
        for (uint32_t k = 0; k < n; k++) {
            operand o = c->stack[first + k];
            if (o.place == CONSTANT) {
                push(c, o);
            } else if (o.place == IN_XMM) {
                unsigned x = take_xmm(c);
                x64_movapd_rr(&c->buf, (x64_xmm)x, (x64_xmm)o.reg);
                push_xmm(c, x);
            } else {
                unsigned r = take_gpr(c);
                copy_to_scratch(c, c->stack[first + k], first + k, gpr(r));
                push_gpr(c, r);
            }
        }
        break;
    }

    case BVM_OP_IADD: case BVM_OP_ISUB: case BVM_OP_IMUL: case BVM_OP_IAND: case BVM_OP_IOR:
    case BVM_OP_IXOR: case BVM_OP_ISHL: case BVM_OP_ISHR:
        int_binary(c, op);
        break;
    case BVM_OP_IDIV: case BVM_OP_IREM:
        return divide(c, op, pc, next_depth);
    case BVM_OP_INEG: case BVM_OP_INOT: {
        operand o = pop(c); /* before reading c->depth: argument order is unspecified */
        unsigned r = into_gpr(c, o, c->depth);
        if (op == BVM_OP_INEG)
            x64_neg(&c->buf, gpr(r));
        else
            x64_not(&c->buf, gpr(r));
        push_gpr(c, r);
        break;
    }
    case BVM_OP_NOT: {
        operand o = pop(c); /* before reading c->depth: argument order is unspecified */
        unsigned r = into_gpr(c, o, c->depth);
        x64_alu_ri(&c->buf, X64_XOR, gpr(r), 1);
        push_gpr(c, r);
        break;
    }

    case BVM_OP_FADD: case BVM_OP_FSUB: case BVM_OP_FMUL: case BVM_OP_FDIV:
        float_binary(c, op);
        break;
    case BVM_OP_FNEG: {
        operand o = pop(c);
        unsigned x = into_xmm(c, o, c->depth);
        x64_mov_ri(&c->buf, X64_RAX, INT64_MIN); /* the sign bit */
        x64_movq_xr(&c->buf, X64_XMM0, X64_RAX);
        x64_sse_rr(&c->buf, X64_XORPD, (x64_xmm)x, X64_XMM0);
        push_xmm(c, x);
        break;
    }
    case BVM_OP_I2F: {
        operand o = pop(c);
        copy_to_scratch(c, o, c->depth, X64_RAX);
        release(c, o);
        unsigned x = take_xmm(c);
        x64_sse_rr(&c->buf, X64_XORPD, (x64_xmm)x, (x64_xmm)x); /* no false dependency on old bits */
        x64_cvtsi2sd(&c->buf, (x64_xmm)x, X64_RAX);
        push_xmm(c, x);
        break;
    }

    case BVM_OP_ICMPEQ: case BVM_OP_ICMPNE: case BVM_OP_ICMPLT: case BVM_OP_ICMPLE: case BVM_OP_ICMPGT:
    case BVM_OP_ICMPGE: case BVM_OP_BCMPEQ: case BVM_OP_BCMPNE: case BVM_OP_RCMPEQ: case BVM_OP_RCMPNE: {
        x64_cond cc;
        int_compare_cond(op, &cc);
        /* Folded with a following JT / JF that nothing else jumps to. */
        if (next < c->fn->code_len && !c->is_target[next] &&
            (c->fn->code[next] == BVM_OP_JT || c->fn->code[next] == BVM_OP_JF)) {
            bool on_true = c->fn->code[next] == BVM_OP_JT;
            uint32_t target = target_of(c, next);
            compare_top_two(c); /* pops both; the flags hold the compare */
            flush_all(c);       /* only moves: the flags survive */
            branch_to(c, on_true ? cc : x64_cond_invert(cc), next, target);
            *next_pc = next + BVM_LEN_JT;
            break;
        }
        compare_top_two(c);
        push_flag(c, cc);
        break;
    }
    case BVM_OP_FCMPEQ: case BVM_OP_FCMPNE: case BVM_OP_FCMPLT: case BVM_OP_FCMPLE: case BVM_OP_FCMPGT:
    case BVM_OP_FCMPGE:
        float_compare(c, op);
        break;

    case BVM_OP_JMP:
        flush_all(c);
        jump_to(c, pc, target_of(c, pc));
        break;
    case BVM_OP_JT: case BVM_OP_JF: {
        operand cond = pop(c);
        unsigned r = into_gpr(c, cond, c->depth);
        release(c, (operand){ .place = IN_GPR, .reg = (uint8_t)r });
        flush_all(c);
        x64_test_rr(&c->buf, gpr(r), gpr(r));
        branch_to(c, op == BVM_OP_JT ? X64_CC_NE : X64_CC_E, pc, target_of(c, pc));
        break;
    }
    case BVM_OP_JIEQ: case BVM_OP_JINE: case BVM_OP_JILT: case BVM_OP_JILE: case BVM_OP_JIGT: case BVM_OP_JIGE: {
        x64_cond cc;
        int_compare_cond(op, &cc);
        compare_top_two(c);
        flush_all(c);
        branch_to(c, cc, pc, target_of(c, pc));
        break;
    }

    case BVM_OP_CALL: call(c, pc, next_depth); break;
    case BVM_OP_RET: do_return(c, false); break;
    case BVM_OP_RETV: do_return(c, true); break;

    case BVM_OP_ALOAD: array_load(c, pc); break;
    case BVM_OP_ASTORE: array_store(c, pc); break;
    case BVM_OP_ALEN: array_length(c, pc); break;
    case BVM_OP_GETFIELD: get_field(c, pc); break;
    case BVM_OP_PUTFIELD: put_field(c, pc); break;
    case BVM_OP_NEW: new_record(c, pc); break;

    default:
        /* Everything else -- strings, allocation, printing, throwing,
         * conversions with special cases -- is the interpreter's code. */
        flush_all(c);
        run_generic(c, pc, next_depth);
        break;
    }
    return true;
}

/* ==== Whole functions ========================================================= */

/* Jump targets (labels, where the virtual stack is flushed) and loop
 * headers (entries for on-stack replacement). */
static void find_targets(compiler *c)
{
    const bvm_function *fn = c->fn;
    for (uint32_t pc = 0; pc < fn->code_len; pc += bvm_op(fn->code[pc])->length) {
        if (c->ver->depth[pc] == BVM_NOT_INSN)
            continue;
        uint8_t op = fn->code[pc];
        if (bvm_op(op)->format != BVM_FMT_JUMP)
            continue;
        uint32_t target = target_of(c, pc);
        c->is_target[target] = 1;
        if (target <= pc) {
            bool known = false;
            for (uint32_t i = 0; i < c->nloop_headers; i++)
                known |= c->loop_headers[i] == target;
            if (!known)
                c->loop_headers[c->nloop_headers++] = target;
        }
    }
    for (uint32_t h = 0; h < fn->nhandlers; h++)
        c->is_target[fn->handlers[h].handler] = 1;
}

/* ==== Fuel ==================================================================== */

/* Instructions that never leave compiled code: they do not end a block. */
static bool stays_in_compiled_code(uint8_t op)
{
    switch (op) {
    case BVM_OP_NOP: case BVM_OP_B2I: case BVM_OP_ICONST: case BVM_OP_BCONST: case BVM_OP_NULL:
    case BVM_OP_LDC: case BVM_OP_LOAD: case BVM_OP_STORE: case BVM_OP_IINC: case BVM_OP_GLOAD:
    case BVM_OP_GSTORE: case BVM_OP_POP: case BVM_OP_DUP: case BVM_OP_DUP2: case BVM_OP_IADD:
    case BVM_OP_ISUB: case BVM_OP_IMUL: case BVM_OP_IAND: case BVM_OP_IOR: case BVM_OP_IXOR:
    case BVM_OP_ISHL: case BVM_OP_ISHR: case BVM_OP_INEG: case BVM_OP_INOT: case BVM_OP_NOT:
    case BVM_OP_FADD: case BVM_OP_FSUB: case BVM_OP_FMUL: case BVM_OP_FDIV: case BVM_OP_FNEG:
    case BVM_OP_I2F: case BVM_OP_ICMPEQ: case BVM_OP_ICMPNE: case BVM_OP_ICMPLT: case BVM_OP_ICMPLE:
    case BVM_OP_ICMPGT: case BVM_OP_ICMPGE: case BVM_OP_FCMPEQ: case BVM_OP_FCMPNE: case BVM_OP_FCMPLT:
    case BVM_OP_FCMPLE: case BVM_OP_FCMPGT: case BVM_OP_FCMPGE: case BVM_OP_BCMPEQ: case BVM_OP_BCMPNE:
    case BVM_OP_RCMPEQ: case BVM_OP_RCMPNE:
        return true;
    default:
        return false;
    }
}

/* With a fuel budget, compiled code counts instructions by blocks: a block
 * runs from a jump target, or from the instruction after one that may
 * leave compiled code (a jump, a call, anything that may raise), to the
 * next such instruction, which it includes.  Every instruction of a block
 * that starts runs, or the instruction that left ran (and counts, as in
 * the interpreter): charging the whole block at its start is exact. */
static void find_fuel_blocks(compiler *c)
{
    const bvm_function *fn = c->fn;
    bool start = true;
    for (uint32_t pc = 0; pc < fn->code_len; pc += bvm_op(fn->code[pc])->length) {
        if (c->ver->depth[pc] == BVM_NOT_INSN) {
            start = true;
            continue;
        }
        if (start || c->is_target[pc]) {
            uint32_t n = 0, q = pc;
            for (;;) {
                n++;
                uint32_t next = q + bvm_op(fn->code[q])->length;
                if (!stays_in_compiled_code(fn->code[q]) || next >= fn->code_len || c->is_target[next] ||
                    c->ver->depth[next] == BVM_NOT_INSN || n == UINT16_MAX)
                    break;
                q = next;
            }
            c->fuel_block[pc] = (uint16_t)n;
        }
        start = !stays_in_compiled_code(fn->code[pc]);
    }
}

/* At a block's start: take its instructions from vm->fuel_left, or, when
 * fewer are left, hand the frame to the interpreter here, which counts
 * them one by one and stops where the fuel runs out. */
static void charge_fuel(compiler *c, uint32_t pc, uint32_t n)
{
    flush_all(c);
    x64_label enough;
    x64_label_init(&enough);
    x64_mov_rm(&c->buf, X64_RAX, VM_FIELD(fuel_left));
    x64_alu_ri(&c->buf, X64_CMP, X64_RAX, (int32_t)n);
    x64_jcc_label(&c->buf, X64_CC_AE, &enough);
    save_state(c, pc, c->depth);
    exit_with(c, BVM_EXEC_DEOPT);
    x64_label_bind(&c->buf, &enough);
    x64_alu_ri(&c->buf, X64_SUB, X64_RAX, (int32_t)n);
    x64_mov_mr(&c->buf, VM_FIELD(fuel_left), X64_RAX);
    x64_alu_mi(&c->buf, X64_ADD, VM_FIELD(instructions), (int32_t)n);
}

/* The callee-saved registers compiled code uses, pushed in this order. */
static const x64_reg saved_regs[] = { X64_RBX, X64_RBP, X64_R12, X64_R13, X64_R14, X64_R15 };
#define SAVED_REGS (sizeof saved_regs / sizeof saved_regs[0])

/* Which locals live in registers: the most used, a use inside a loop
 * counting ten times one outside, each level of nesting ten times more
 * (loops are the backward jumps' ranges). */
static void choose_cached_locals(compiler *c)
{
    const bvm_function *fn = c->fn;
    uint64_t *weight = calloc(fn->nlocals ? fn->nlocals : 1, sizeof *weight);
    if (!weight)
        return;
    for (uint32_t pc = 0; pc < fn->code_len; pc += bvm_op(fn->code[pc])->length) {
        uint8_t op = fn->code[pc];
        if (c->ver->depth[pc] == BVM_NOT_INSN || (op != BVM_OP_LOAD && op != BVM_OP_STORE && op != BVM_OP_IINC))
            continue;
        uint64_t w = 1;
        for (uint32_t j = 0; j < fn->code_len; j += bvm_op(fn->code[j])->length) {
            if (c->ver->depth[j] == BVM_NOT_INSN || bvm_op(fn->code[j])->format != BVM_FMT_JUMP)
                continue;
            uint32_t target = target_of(c, j);
            if (target <= pc && pc <= j && w < UINT64_MAX / 10) /* inside the loop closed at j */
                w *= 10;
        }
        weight[bvm_read_u16(fn->code + pc + 1)] += w;
    }
    for (uint32_t k = 0; k < LOCAL_REGS; k++) {
        int best = -1;
        for (uint32_t i = 0; i < fn->nlocals; i++)
            if (c->local_reg[i] < 0 && !is_float_type(c, fn->local_types[i]) && weight[i] > 0 &&
                (best < 0 || weight[i] > weight[best]))
                best = (int)i;
        if (best < 0)
            break;
        c->local_reg[best] = (int8_t)k;
        c->cached[c->ncached++] = (uint16_t)best;
    }
    for (uint32_t k = 0; k < FLOAT_LOCAL_REGS; k++) {
        int best = -1;
        for (uint32_t i = 0; i < fn->nlocals; i++)
            if (c->local_xmm[i] < 0 && is_float_type(c, fn->local_types[i]) && weight[i] > 0 &&
                (best < 0 || weight[i] > weight[best]))
                best = (int)i;
        if (best < 0)
            break;
        c->local_xmm[best] = (int8_t)k;
        c->cached_float[c->ncached_float++] = (uint16_t)best;
    }
    free(weight);
    /* A cached local that nothing writes keeps its slot exact: it is never
     * written back (write_back_locals). */
    for (uint32_t pc = 0; pc < fn->code_len; pc += bvm_op(fn->code[pc])->length) {
        uint8_t op = fn->code[pc];
        if (c->ver->depth[pc] == BVM_NOT_INSN || (op != BVM_OP_STORE && op != BVM_OP_IINC))
            continue;
        uint16_t local = bvm_read_u16(fn->code + pc + 1);
        if (c->local_reg[local] >= 0)
            c->cached_written[c->local_reg[local]] = true;
        if (c->local_xmm[local] >= 0)
            c->cached_float_written[c->local_xmm[local]] = true;
    }
}

/* Hand the frame back at once when the C stack runs low, or when the
 * debugger wants it (vm->poll). */
static void hand_back_if_needed(compiler *c, x64_label *hand_back)
{
    x64_alu_rm(&c->buf, X64_CMP, X64_RSP, VM_FIELD(jit_stack_limit));
    x64_jcc_label(&c->buf, X64_CC_B, hand_back);
    x64_mov32_rm(&c->buf, X64_RAX, VM_FIELD(poll));
    x64_test_rr(&c->buf, X64_RAX, X64_RAX);
    x64_jcc_label(&c->buf, X64_CC_NE, hand_back);
}

/* Whether the function returns a value (RETV) or not (RET). */
static bool returns_value(const compiler *c) { return c->fn->ret_type != BVM_TYPE_VOID; }

/* Three ways in (docs/jit.md section 3):
 *
 *   the C entry (offset 0, the jit_entry the interpreter calls): saves the
 *     callee-saved registers, finds the top frame, calls the body at the
 *     frame's saved ip, and on a return sets vm->sp for the interpreter;
 *   the body at the saved ip: pc 0 or a loop header (on-stack replacement);
 *   the fast entry (jit_fast_entry, compiled callers): the frame was just
 *     pushed, r12, r13 and rbx are set; falls through into pc 0.
 *
 * The body is entered by a call and returns with return_from_body; inside
 * it rsp is 16-byte aligned, so it calls C and compiled code as it is. */
static void prologue(compiler *c)
{
    x64_label resume, hand_back, fast_hand_back;
    x64_label_init(&resume);
    x64_label_init(&hand_back);
    x64_label_init(&fast_hand_back);

    for (size_t i = 0; i < SAVED_REGS; i++)
        x64_push(&c->buf, saved_regs[i]);
    x64_alu_ri(&c->buf, X64_SUB, X64_RSP, 8); /* 6 pushes + 8: the call below enters as a call from C would */
    x64_mov_rr(&c->buf, R_VM, X64_RDI);
    /* r13 = &frames[nframes - 1] */
    x64_mov32_rm(&c->buf, X64_RAX, VM_FIELD(nframes));
    x64_imul_rri(&c->buf, X64_RAX, X64_RAX, (int32_t)sizeof(bvm_frame));
    x64_mov_rm(&c->buf, R_FRAME, VM_FIELD(frames));
    x64_lea(&c->buf, R_FRAME, x64_mem_index(R_FRAME, X64_RAX, 1, -(int32_t)sizeof(bvm_frame)));
    x64_mov_rm(&c->buf, R_LOCALS, FRAME_FIELD(base));
    x64_call_label(&c->buf, &resume);
    x64_label not_returned;
    x64_label_init(&not_returned);
    x64_test_rr(&c->buf, X64_RAX, X64_RAX);
    x64_jcc_label(&c->buf, X64_CC_NE, &not_returned);
    x64_lea(&c->buf, X64_RCX, local_slot(c, returns_value(c) ? 1 : 0)); /* just past the result */
    x64_mov_mr(&c->buf, VM_FIELD(sp), X64_RCX);
    x64_label_bind(&c->buf, &not_returned);
    x64_alu_ri(&c->buf, X64_ADD, X64_RSP, 8);
    for (size_t i = SAVED_REGS; i-- > 0;)
        x64_pop(&c->buf, saved_regs[i]);
    x64_ret(&c->buf);

    /* The body at the frame's saved ip: its first instruction or a loop
     * header; anything else is the interpreter's. */
    x64_label_bind(&c->buf, &resume);
    x64_alu_ri(&c->buf, X64_SUB, X64_RSP, 8);
    hand_back_if_needed(c, &hand_back);
    load_cached_locals(c);
    x64_mov_rm(&c->buf, X64_RAX, FRAME_FIELD(ip));
    x64_mov_ri(&c->buf, X64_RCX, (int64_t)(uintptr_t)c->fn->code);
    x64_alu_rr(&c->buf, X64_CMP, X64_RAX, X64_RCX);
    x64_jcc_label(&c->buf, X64_CC_E, &c->labels[0]);
    for (uint32_t i = 0; i < c->nloop_headers; i++) {
        x64_mov_ri(&c->buf, X64_RCX, (int64_t)(uintptr_t)(c->fn->code + c->loop_headers[i]));
        x64_alu_rr(&c->buf, X64_CMP, X64_RAX, X64_RCX);
        x64_jcc_label(&c->buf, X64_CC_E, &c->labels[c->loop_headers[i]]);
    }
    x64_label_bind(&c->buf, &hand_back);
    exit_with(c, BVM_EXEC_DEOPT);

    /* A frame handed back from the fast entry: complete it first (its ip
     * and vm->sp were left for the callee to write). */
    x64_label_bind(&c->buf, &fast_hand_back);
    x64_mov_ri(&c->buf, X64_RAX, (int64_t)(uintptr_t)c->fn->code);
    x64_mov_mr(&c->buf, FRAME_FIELD(ip), X64_RAX);
    x64_lea(&c->buf, X64_RAX, operand_slot(c, 0));
    x64_mov_mr(&c->buf, VM_FIELD(sp), X64_RAX);
    exit_with(c, BVM_EXEC_DEOPT);

    /* A CALL that would go too deep (call) ends here. */
    x64_label_bind(&c->buf, &c->call_overflow);
    x64_mov_rr(&c->buf, X64_RDI, R_VM);
    x64_call_abs(&c->buf, (uint64_t)(uintptr_t)jit_call_overflow, X64_RAX);
    return_from_body(c);

    x64_align(&c->buf, 16);
    x64_label_bind(&c->buf, &c->fast_entry);
    x64_alu_ri(&c->buf, X64_SUB, X64_RSP, 8);
    hand_back_if_needed(c, &fast_hand_back);
    load_cached_locals(c);
    /* ... and on into pc 0 */
}

/* Where calls pass a status other than a return up: eax holds it. */
static void epilogue(compiler *c)
{
    x64_label_bind(&c->buf, &c->exit);
    return_from_body(c);
}

static bool emit_function(compiler *c)
{
    prologue(c);
    c->is_target[0] = 1; /* the start is an entry */
    const bvm_function *fn = c->fn;
    bool reachable_fallthrough = false;
    for (uint32_t pc = 0; pc < fn->code_len;) {
        uint32_t next = pc + bvm_op(fn->code[pc])->length;
        if (c->ver->depth[pc] == BVM_NOT_INSN) {
            pc = next;           /* unreachable: nothing to compile */
            continue;
        }
        if (c->is_target[pc]) {
            if (reachable_fallthrough)
                flush_all(c);
            x64_label_bind(&c->buf, &c->labels[pc]);
            c->depth = c->ver->depth[pc];
            c->gpr_busy = c->xmm_busy = 0;
            for (uint32_t d = 0; d < c->depth; d++)
                c->stack[d].place = IN_MEMORY;
        }
        if (c->listing)
            c->listing->pc_offset[pc] = (uint32_t)c->buf.size;
        if (c->fuel_block && c->fuel_block[pc])
            charge_fuel(c, pc, c->fuel_block[pc]);
        if (!compile_instruction(c, pc, &next))
            return false;
        uint8_t op = fn->code[pc];
        /* After these, the next instruction is reached only by a jump. */
        reachable_fallthrough = !(op == BVM_OP_JMP || op == BVM_OP_RET || op == BVM_OP_RETV || op == BVM_OP_THROW);
        pc = next;
    }
    if (c->listing)
        c->listing->pc_offset[fn->code_len] = (uint32_t)c->buf.size;
    /* Running off the end cannot happen in verified code; trap if it does. */
    x64_ud2(&c->buf);
    emit_slow_paths(c);
    if (c->why)
        return false;
    epilogue(c);
    return true;
}

bool bvm_jit_compile(bvm_vm *vm, bvm_rt_function *rf, bvm_jit_listing *listing, const char **why)
{
    const bvm_function *fn = rf->fn;
    compiler c = {
        .vm = vm, .rf = rf, .fn = fn, .ver = fn->verified, .listing = listing,
    };
    c.labels = calloc(fn->code_len + 1, sizeof *c.labels);
    c.is_target = calloc(fn->code_len + 1, 1);
    c.loop_headers = calloc(fn->code_len + 1, sizeof *c.loop_headers);
    c.stack = calloc((size_t)fn->max_stack + 2, sizeof *c.stack);
    c.snapshot = calloc((size_t)fn->max_stack + 2, sizeof *c.snapshot);
    c.local_reg = malloc(fn->nlocals ? fn->nlocals : 1);
    c.local_xmm = malloc(fn->nlocals ? fn->nlocals : 1);
    bool ok = false;
    size_t fast_offset = 0;
    *why = "out of memory while compiling";
    if (c.labels && c.is_target && c.loop_headers && c.stack && c.snapshot && c.local_reg && c.local_xmm) {
        memset(c.local_reg, -1, fn->nlocals ? fn->nlocals : 1);
        memset(c.local_xmm, -1, fn->nlocals ? fn->nlocals : 1);
        find_targets(&c);
        choose_cached_locals(&c);
        bool counted = true; /* with a fuel budget, only code that counts it */
        if (vm->opt.fuel) {
            c.fuel_block = calloc(fn->code_len + 1, sizeof *c.fuel_block);
            if (c.fuel_block)
                find_fuel_blocks(&c);
            counted = c.fuel_block != NULL;
        }
        /* First measure, then emit into a buffer of the right size. */
        size_t capacity = 64 + (size_t)fn->code_len * 64;
        for (int attempt = 0; attempt < 2 && !ok && counted; attempt++) {
            uint8_t *memory = malloc(capacity);
            if (!memory)
                break;
            memset(c.labels, 0, (fn->code_len + 1) * sizeof *c.labels);
            if (listing)
                memset(listing->pc_offset, 0xFF, (fn->code_len + 1) * sizeof *listing->pc_offset);
            x64_buf_init(&c.buf, memory, capacity);
            x64_label_init(&c.exit);
            x64_label_init(&c.fast_entry);
            x64_label_init(&c.call_overflow);
            c.depth = 0;
            c.gpr_busy = c.xmm_busy = 0;
            free_slow_paths(&c);
            if (!emit_function(&c)) {
                *why = c.why;
                free(memory);
                break;
            }
            const char *error = x64_buf_error(&c.buf);
            if (c.buf.overflow) {
                capacity = c.buf.size + 64;
                free(memory);
                continue;
            }
            if (error) {
                *why = error;
                free(memory);
                break;
            }
            fast_offset = x64_label_offset(&c.fast_entry);
            ok = bvm_jit_code_install(&rf->jit_code, memory, c.buf.size, why);
            free(memory);
        }
    }
    free(c.labels);
    free(c.is_target);
    free(c.loop_headers);
    free(c.stack);
    free(c.snapshot);
    free_slow_paths(&c);
    free(c.deferred);
    free(c.local_reg);
    free(c.local_xmm);
    free(c.fuel_block);
    if (!ok)
        return false;
    bvm_jit_entry entry;
    memcpy(&entry, &rf->jit_code.entry, sizeof entry); /* object to function pointer */
    rf->jit_entry = entry;
    void *fast = (uint8_t *)rf->jit_code.entry + fast_offset;
    memcpy(&rf->jit_native_fast_entry, &fast, sizeof fast);
    return true;
}
