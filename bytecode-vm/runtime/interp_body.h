/*
 * interp_body.h -- THE body of instruction code, one case per opcode.
 *
 * interp.c includes this file four times to build four loops from one
 * body, in the manner of Lua's vmdispatch/vmcase:
 *
 *   INTERP_THREADED      0: `switch` dispatch      1: computed goto, one
 *                        indirect jump at the end of every instruction
 *   INTERP_INSTRUMENTED  0: nothing per instruction; polls vm->poll at
 *                        calls and backward jumps only, and enters
 *                        compiled code there when the JIT is on
 *                        1: counts fuel, checks steps and breakpoints
 *                        before every instruction; enters compiled code
 *                        (which counts fuel itself) only while no
 *                        debugger hook is armed: the debugger sees only
 *                        the interpreter
 *   INTERP_ONE           1: executes exactly one instruction and returns
 *                        BVM_EXEC_ONE_DONE (compiled code runs the opcodes it
 *                        does not compile itself through this, jit.c)
 *
 * A loop returns when the frame that was on top when it started returns
 * (nframes drops below vm->loop_entry_frames), so compiled code can run a
 * callee's frame in a loop of its own (docs/jit.md, section 2).
 *
 * Conventions inside the loop:
 *   ip      points at the opcode of the instruction being executed; an
 *           instruction reads its operands at ip[1..] and advances with
 *           NEXT(ITS_NAME), which adds the length from opcodes.def.
 *   sp      the next free operand slot: sp[-1] is the top of the stack.
 *   locals  the current frame's local slots (frame->base).
 * The verifier has proved the types, depths and indices; nothing here
 * checks them.  What remains is what only run time can know: null
 * references, array bounds, division by zero, limits.
 *
 * Before anything that may collect garbage or raise an exception, the loop
 * stores ip and sp into the VM (SAVE_STATE) with the instruction's inputs
 * still on the stack, so the collector's stack map for ip is exact.
 */

#if !defined(INTERP_NAME) || !defined(INTERP_THREADED) || !defined(INTERP_INSTRUMENTED)
#error "define INTERP_NAME, INTERP_THREADED and INTERP_INSTRUMENTED (and INTERP_ONE, INTERP_LINKAGE) before including interp_body.h"
#endif
#ifndef INTERP_ONE
#define INTERP_ONE 0
#endif
#ifndef INTERP_LINKAGE
#define INTERP_LINKAGE static
#endif

INTERP_LINKAGE bvm_exec_status INTERP_NAME(bvm_vm *vm)
{
    const uint32_t entry_frames = vm->loop_entry_frames;
    bvm_frame *frame = &vm->frames[vm->nframes - 1];
    const uint8_t *ip = frame->ip;
    bvm_value *locals = frame->base;
    bvm_value *sp = vm->sp;
    bvm_value *const consts = vm->consts;
    bvm_value *const globals = vm->globals;

#define SAVE_STATE() (frame->ip = ip, vm->sp = sp)
#define LOAD_STATE() (frame = &vm->frames[vm->nframes - 1], ip = frame->ip, locals = frame->base, sp = vm->sp)
#define U16(off) bvm_read_u16(ip + (off))
#define I32(off) bvm_read_i32(ip + (off))

/* After an exception was caught: frames[] end at the handler's frame.  A
 * handler in a frame this loop does not own (below where it started, or
 * any frame for the one-instruction loop) is the caller's to run. */
#define CONTINUE_AT_HANDLER()                                                   \
    do {                                                                        \
        if (INTERP_ONE || vm->nframes < entry_frames)                           \
            return BVM_EXEC_UNWIND;                                             \
        LOAD_STATE();                                                           \
        POLL(); /* a loop may run through a handler and no backward jump */     \
        DISPATCH();                                                             \
    } while (0)
/* Raise an exception whose message is the managed string `msg`. */
#define THROW_STRING(msg)                                                       \
    do {                                                                        \
        SAVE_STATE();                                                           \
        if (!bvm_vm_throw(vm, (msg)))                                           \
            return BVM_EXEC_UNCAUGHT;                                           \
        CONTINUE_AT_HANDLER();                                                  \
    } while (0)
/* Raise a run-time error with a printf-formatted message. */
#define THROW_ERROR(...)                                                        \
    do {                                                                        \
        SAVE_STATE();                                                           \
        if (!bvm_vm_throw_error(vm, __VA_ARGS__))                               \
            return BVM_EXEC_UNCAUGHT;                                           \
        CONTINUE_AT_HANDLER();                                                  \
    } while (0)
/* Push the string made from a scratch buffer, or raise out of memory. */
#define PUSH_NEW_STRING_FROM(buf, slot)                                         \
    do {                                                                        \
        bvm_string *made_ = bvm_heap_string(vm, (const char *)(buf)->data, (buf)->len); \
        (buf)->len = 0;                                                         \
        if (!made_)                                                             \
            THROW_STRING(vm->msg_out_of_memory);                                \
        (slot).ref = &made_->obj;                                               \
    } while (0)

#if INTERP_INSTRUMENTED
#define PRE_INSTRUCTION()                                                       \
    do {                                                                        \
        if (vm->step_mode != BVM_STEP_NONE || vm->breakpoints_armed ||         \
            vm->interrupt_requested || vm->skip_stop_once) {                    \
            SAVE_STATE();                                                       \
            if (bvm_vm_should_stop(vm))                                         \
                return BVM_EXEC_STOPPED;                                        \
        }                                                                       \
        if (vm->opt.fuel) {                                                     \
            if (vm->fuel_left == 0) {                                           \
                SAVE_STATE();                                                   \
                if (bvm_vm_fuel_stop(vm))                                       \
                    return BVM_EXEC_STOPPED;                                    \
                bvm_vm_fuel_exhausted(vm);                                      \
                return BVM_EXEC_FUEL;                                           \
            }                                                                   \
            vm->fuel_left--;                                                    \
        }                                                                       \
        vm->instructions++;                                                     \
    } while (0)
#define POLL() ((void)0)
/* Compiled code counts fuel too (jit_compile.c): with a fuel budget and no
 * debugger hook armed, this loop enters it as the plain one does. */
#define JIT_MAY_ENTER_FN(fn_) (bvm_vm_hooks_idle(vm) ? vm->jit_enabled : bvm_jit_may_enter(vm, (fn_)))
/* Where a hook keeps a function out of compiled code, its calls and loops
 * still count toward compiling: the debugger can show a hot function's
 * native code, and it runs compiled once the hooks are gone. */
#define JIT_MAY_COUNT() (vm->jit_enabled)
#elif INTERP_ONE
#define PRE_INSTRUCTION() ((void)0)
#define POLL() ((void)0)
#define JIT_MAY_ENTER_FN(fn_) false
#define JIT_MAY_COUNT() false
#else
#define PRE_INSTRUCTION() ((void)0)
/* At calls and backward jumps only: has the debugger armed something? */
#define POLL()                                                                  \
    do {                                                                        \
        if (vm->poll) {                                                         \
            SAVE_STATE();                                                       \
            return BVM_EXEC_SWITCH;                                             \
        }                                                                       \
    } while (0)
#define JIT_MAY_ENTER_FN(fn_) (vm->jit_enabled)
#define JIT_MAY_COUNT() false
#endif

/* At a call (the callee's frame pushed) or a backward jump: run the top
 * frame natively if its function has (or now gets) compiled code, then
 * continue from where the compiled code left the frames. */
#define ENTER_COMPILED(fn_, is_loop_)                                           \
    do {                                                                        \
        if (JIT_MAY_ENTER_FN(fn_) && (fn_)->jit_state != BVM_JIT_REFUSED) {     \
            bvm_exec_status native_;                                            \
            SAVE_STATE();                                                       \
            if (bvm_jit_try_enter(vm, (fn_), (is_loop_), &native_)) {           \
                switch (native_) {                                              \
                case BVM_EXEC_RETURNED: /* its frame returned: resume the caller */ \
                    if (vm->nframes < entry_frames)                             \
                        return BVM_EXEC_RETURNED;                               \
                    LOAD_STATE();                                               \
                    ip += BVM_LEN_CALL;                                         \
                    DISPATCH();                                                 \
                case BVM_EXEC_DEOPT: /* the top frame, at its saved ip */       \
                    LOAD_STATE();                                               \
                    DISPATCH();                                                 \
                case BVM_EXEC_UNWIND:                                           \
                    CONTINUE_AT_HANDLER();                                      \
                default:                                                        \
                    return native_;                                             \
                }                                                               \
            }                                                                   \
        } else if (JIT_MAY_COUNT() && (fn_)->jit_state == BVM_JIT_NOT_TRIED) {  \
            bvm_jit_count(vm, (fn_), (is_loop_));                               \
        }                                                                       \
    } while (0)

#if INTERP_THREADED
    static const void *const dispatch_table[BVM_OP__COUNT] = {
#define OP(name, mn, fmt, pops, pushes, flags, effect) [BVM_OP_##name] = &&op_##name,
#include "opcodes.def"
#undef OP
    };
#define DISPATCH()                                                              \
    do {                                                                        \
        PRE_INSTRUCTION();                                                      \
        goto *dispatch_table[*ip];                                              \
    } while (0)
#define CASE(name) op_##name:
#elif INTERP_ONE
    bool one_done = false;
#define DISPATCH()                                                              \
    do {                                                                        \
        if (one_done) {                                                         \
            SAVE_STATE();                                                       \
            return BVM_EXEC_ONE_DONE;                                           \
        }                                                                       \
        one_done = true;                                                        \
        goto dispatch;                                                          \
    } while (0)
#define CASE(name) case BVM_OP_##name:
#else
#define DISPATCH() goto dispatch
#define CASE(name) case BVM_OP_##name:
#endif
#define NEXT(name)                                                              \
    do {                                                                        \
        ip += BVM_LEN_##name;                                                   \
        DISPATCH();                                                             \
    } while (0)
/* Where a block begins (a branch target, the return point of a call), the
 * operand stack is as deep as the verifier's map says (checked builds). */
#define ASSERT_DEPTH_AT_IP()                                                    \
    BVM_ASSERT((uint32_t)(sp - locals - frame->fn->fn->nlocals) ==              \
               frame->fn->fn->verified->depth[ip - frame->fn->fn->code])
/* Taken branch: a backward one may close a loop, so poll there. */
#define BRANCH(offset)                                                          \
    do {                                                                        \
        int32_t off_ = (offset);                                                \
        ip += off_;                                                             \
        ASSERT_DEPTH_AT_IP();                                                   \
        if (off_ < 0) {                                                         \
            POLL();                                                             \
            ENTER_COMPILED(frame->fn, true);                                    \
        }                                                                       \
        DISPATCH();                                                             \
    } while (0)
/* Pop the current frame (sp already set for the caller) and resume the
 * caller after its CALL; the outermost frame returns from the loop. */
#define RETURN_TO_CALLER()                                                      \
    do {                                                                        \
        if (--vm->nframes < entry_frames) {                                     \
            vm->sp = sp;                                                        \
            return BVM_EXEC_RETURNED;                                           \
        }                                                                       \
        frame--;                                                                \
        locals = frame->base;                                                   \
        ip = frame->ip + BVM_LEN_CALL;                                          \
        ASSERT_DEPTH_AT_IP();                                                   \
        DISPATCH();                                                             \
    } while (0)
/* Wrapping int arithmetic without C's signed-overflow undefined behaviour. */
#define WRAP(a, op, b) ((int64_t)((uint64_t)(a) op (uint64_t)(b)))
#define INT_BINARY(name, expr)                                                  \
    CASE(name) {                                                                \
        int64_t a = sp[-2].i, b = sp[-1].i;                                     \
        sp[-2].i = (expr);                                                      \
        sp--;                                                                   \
        NEXT(name);                                                             \
    }
#define FLOAT_BINARY(name, op)                                                  \
    CASE(name) {                                                                \
        sp[-2].f = sp[-2].f op sp[-1].f;                                        \
        sp--;                                                                   \
        NEXT(name);                                                             \
    }
#define COMPARE(name, field, op)                                                \
    CASE(name) {                                                                \
        sp[-2].i = sp[-2].field op sp[-1].field;                                \
        sp--;                                                                   \
        NEXT(name);                                                             \
    }
#define INT_BRANCH(name, op)                                                    \
    CASE(name) {                                                                \
        sp -= 2;                                                                \
        if (sp[0].i op sp[1].i)                                                 \
            BRANCH(I32(1));                                                     \
        NEXT(name);                                                             \
    }

    DISPATCH();

#if !INTERP_THREADED
dispatch:
    PRE_INSTRUCTION();
    switch ((bvm_opcode)*ip) {
#endif

    /* ---- constants ------------------------------------------------------ */
    CASE(NOP) NEXT(NOP);
    CASE(ICONST) { (sp++)->i = I32(1); NEXT(ICONST); }
    CASE(LDC) { *sp++ = consts[U16(1)]; NEXT(LDC); }
    CASE(BCONST) { (sp++)->i = ip[1]; NEXT(BCONST); }
    CASE(NULL) { (sp++)->ref = NULL; NEXT(NULL); }

    /* ---- locals and globals --------------------------------------------- */
    CASE(LOAD) { *sp++ = locals[U16(1)]; NEXT(LOAD); }
    CASE(STORE) { locals[U16(1)] = *--sp; NEXT(STORE); }
    CASE(IINC) {
        bvm_value *v = &locals[U16(1)];
        v->i = WRAP(v->i, +, (int64_t)I32(3));
        NEXT(IINC);
    }
    CASE(GLOAD) { *sp++ = globals[U16(1)]; NEXT(GLOAD); }
    CASE(GSTORE) { globals[U16(1)] = *--sp; NEXT(GSTORE); }

    /* ---- operand stack -------------------------------------------------- */
    CASE(POP) { sp--; NEXT(POP); }
    CASE(DUP) { sp[0] = sp[-1]; sp++; NEXT(DUP); }
    CASE(DUP2) { sp[0] = sp[-2]; sp[1] = sp[-1]; sp += 2; NEXT(DUP2); }

    /* ---- int arithmetic ------------------------------------------------- */
    INT_BINARY(IADD, WRAP(a, +, b))
    INT_BINARY(ISUB, WRAP(a, -, b))
    INT_BINARY(IMUL, WRAP(a, *, b))
    CASE(IDIV) {
        int64_t a = sp[-2].i, b = sp[-1].i;
        if (b == 0)
            THROW_ERROR("division by zero");
        sp[-2].i = b == -1 ? WRAP(0, -, a) : a / b; /* INT_MIN / -1 wraps */
        sp--;
        NEXT(IDIV);
    }
    CASE(IREM) {
        int64_t a = sp[-2].i, b = sp[-1].i;
        if (b == 0)
            THROW_ERROR("division by zero");
        sp[-2].i = b == -1 ? 0 : a % b;
        sp--;
        NEXT(IREM);
    }
    CASE(INEG) { sp[-1].i = WRAP(0, -, sp[-1].i); NEXT(INEG); }
    INT_BINARY(IAND, a & b)
    INT_BINARY(IOR, a | b)
    INT_BINARY(IXOR, a ^ b)
    CASE(INOT) { sp[-1].i = ~sp[-1].i; NEXT(INOT); }
    INT_BINARY(ISHL, (int64_t)((uint64_t)a << (b & 63)))
    INT_BINARY(ISHR, a >> (b & 63)) /* gcc: arithmetic shift of negatives */

    /* ---- float arithmetic ----------------------------------------------- */
    FLOAT_BINARY(FADD, +)
    FLOAT_BINARY(FSUB, -)
    FLOAT_BINARY(FMUL, *)
    FLOAT_BINARY(FDIV, /)
    CASE(FNEG) { sp[-1].f = -sp[-1].f; NEXT(FNEG); }

    /* ---- comparisons ---------------------------------------------------- */
    COMPARE(ICMPEQ, i, ==)
    COMPARE(ICMPNE, i, !=)
    COMPARE(ICMPLT, i, <)
    COMPARE(ICMPLE, i, <=)
    COMPARE(ICMPGT, i, >)
    COMPARE(ICMPGE, i, >=)
    COMPARE(FCMPEQ, f, ==)
    COMPARE(FCMPNE, f, !=)
    COMPARE(FCMPLT, f, <)
    COMPARE(FCMPLE, f, <=)
    COMPARE(FCMPGT, f, >)
    COMPARE(FCMPGE, f, >=)
    COMPARE(BCMPEQ, i, ==)
    COMPARE(BCMPNE, i, !=)
    CASE(SCMPEQ) {
        sp[-2].i = bvm_strings_equal(sp[-2].ref, sp[-1].ref);
        sp--;
        NEXT(SCMPEQ);
    }
    CASE(SCMPNE) {
        sp[-2].i = !bvm_strings_equal(sp[-2].ref, sp[-1].ref);
        sp--;
        NEXT(SCMPNE);
    }
    COMPARE(RCMPEQ, ref, ==)
    COMPARE(RCMPNE, ref, !=)
    CASE(NOT) { sp[-1].i ^= 1; NEXT(NOT); }

    /* ---- conversions ---------------------------------------------------- */
    CASE(I2F) { sp[-1].f = (double)sp[-1].i; NEXT(I2F); }
    CASE(F2I) { sp[-1].i = bvm_float_to_int(sp[-1].f); NEXT(F2I); }
    CASE(B2I) NEXT(B2I); /* bools are already 0 / 1 */
    CASE(TOSTR) {
        SAVE_STATE();
        /* The text may not outgrow the heap room it is about to need: try
         * with the room there is, then once more after a collection. */
        if (!bvm_value_to_text(vm, U16(1), sp[-1], &vm->scratch, vm->heap.limit - vm->heap.live_bytes)) {
            vm->scratch.len = 0;
            bvm_heap_collect(vm);
            if (!bvm_value_to_text(vm, U16(1), sp[-1], &vm->scratch, vm->heap.limit - vm->heap.live_bytes)) {
                vm->scratch.len = 0;
                THROW_STRING(vm->msg_out_of_memory);
            }
        }
        PUSH_NEW_STRING_FROM(&vm->scratch, sp[-1]);
        NEXT(TOSTR);
    }

    /* ---- strings -------------------------------------------------------- */
    CASE(SCONCAT) {
        SAVE_STATE();
        bvm_string *s = bvm_concat(vm, sp[-2].ref, sp[-1].ref);
        if (!s)
            THROW_STRING(vm->msg_out_of_memory);
        sp[-2].ref = &s->obj;
        sp--;
        NEXT(SCONCAT);
    }
    CASE(SLEN) {
        if (!sp[-1].ref)
            THROW_ERROR("null reference: string");
        sp[-1].i = BVM_AS_STRING(sp[-1].ref)->length;
        NEXT(SLEN);
    }
    CASE(SCHAR) {
        bvm_string *s = BVM_AS_STRING(sp[-2].ref);
        int64_t i = sp[-1].i;
        if (!s)
            THROW_ERROR("null reference: string");
        if ((uint64_t)i >= (uint64_t)s->length)
            THROW_ERROR("index %lld out of bounds for length %lld", (long long)i, (long long)s->length);
        sp[-2].i = (unsigned char)s->chars[i];
        sp--;
        NEXT(SCHAR);
    }
    CASE(SFMT) {
        SAVE_STATE();
        bvm_format_spec(BVM_AS_STRING(consts[U16(1)].ref), sp[-1], &vm->scratch);
        PUSH_NEW_STRING_FROM(&vm->scratch, sp[-1]);
        NEXT(SFMT);
    }

    /* ---- arrays --------------------------------------------------------- */
    CASE(NEWARRAY) {
        int64_t n = sp[-1].i;
        if (n < 0)
            THROW_ERROR("negative array length %lld", (long long)n);
        SAVE_STATE();
        bvm_array *a = bvm_heap_array(vm, U16(1), n);
        if (!a)
            THROW_STRING(vm->msg_out_of_memory);
        sp[-1].ref = &a->obj;
        NEXT(NEWARRAY);
    }
    CASE(ALOAD) {
        bvm_array *a = BVM_AS_ARRAY(sp[-2].ref);
        int64_t i = sp[-1].i;
        if (!a)
            THROW_ERROR("null reference: array");
        if ((uint64_t)i >= (uint64_t)a->length)
            THROW_ERROR("index %lld out of bounds for length %lld", (long long)i, (long long)a->length);
        sp[-2] = a->items[i];
        sp--;
        NEXT(ALOAD);
    }
    CASE(ASTORE) {
        bvm_array *a = BVM_AS_ARRAY(sp[-3].ref);
        int64_t i = sp[-2].i;
        if (!a)
            THROW_ERROR("null reference: array");
        if ((uint64_t)i >= (uint64_t)a->length)
            THROW_ERROR("index %lld out of bounds for length %lld", (long long)i, (long long)a->length);
        a->items[i] = sp[-1];
        sp -= 3;
        NEXT(ASTORE);
    }
    CASE(ALEN) {
        if (!sp[-1].ref)
            THROW_ERROR("null reference: array");
        sp[-1].i = BVM_AS_ARRAY(sp[-1].ref)->length;
        NEXT(ALEN);
    }

    /* ---- records -------------------------------------------------------- */
    CASE(NEW) {
        SAVE_STATE();
        bvm_record_obj *r = bvm_heap_record(vm, U16(1));
        if (!r)
            THROW_STRING(vm->msg_out_of_memory);
        (sp++)->ref = &r->obj;
        NEXT(NEW);
    }
    CASE(GETFIELD) {
        bvm_record_obj *r = BVM_AS_RECORD(sp[-1].ref);
        if (!r)
            THROW_ERROR("null reference: field '%s' of %s", bvm_field_name(vm, U16(1), U16(3)),
                        vm->module->records[U16(1)].name);
        sp[-1] = r->fields[U16(3)];
        NEXT(GETFIELD);
    }
    CASE(PUTFIELD) {
        bvm_record_obj *r = BVM_AS_RECORD(sp[-2].ref);
        if (!r)
            THROW_ERROR("null reference: field '%s' of %s", bvm_field_name(vm, U16(1), U16(3)),
                        vm->module->records[U16(1)].name);
        r->fields[U16(3)] = sp[-1];
        sp -= 2;
        NEXT(PUTFIELD);
    }

    /* ---- control flow --------------------------------------------------- */
    CASE(JMP) BRANCH(I32(1));
    CASE(JT) {
        if ((--sp)->i)
            BRANCH(I32(1));
        NEXT(JT);
    }
    CASE(JF) {
        if (!(--sp)->i)
            BRANCH(I32(1));
        NEXT(JF);
    }
    INT_BRANCH(JIEQ, ==)
    INT_BRANCH(JINE, !=)
    INT_BRANCH(JILT, <)
    INT_BRANCH(JILE, <=)
    INT_BRANCH(JIGT, >)
    INT_BRANCH(JIGE, >=)
    CASE(CALL) {
        bvm_rt_function *callee = &vm->funcs[U16(1)];
        bvm_value *args = sp - callee->fn->nparams;
        frame->ip = ip; /* the caller resumes after this CALL */
        if (!bvm_vm_push_frame(vm, callee, args))
            THROW_STRING(bvm_vm_overflow_message(vm));
        frame = &vm->frames[vm->nframes - 1];
        locals = args;
        sp = vm->sp;
        ip = frame->ip;
        POLL();
        ENTER_COMPILED(callee, false);
        DISPATCH();
    }
    CASE(RET) {
        sp = frame->base; /* drop the arguments */
        RETURN_TO_CALLER();
    }
    CASE(RETV) {
        bvm_value result = sp[-1];
        sp = frame->base;
        *sp++ = result; /* the result replaces the arguments */
        RETURN_TO_CALLER();
    }
    CASE(THROW) {
        if (!sp[-1].ref)
            THROW_ERROR("null");
        THROW_STRING(BVM_AS_STRING(sp[-1].ref));
    }

    /* ---- output --------------------------------------------------------- */
    CASE(PRINT) {
        const bvm_string *s = BVM_AS_STRING(sp[-1].ref);
        if (s)
            fwrite(s->chars, 1, (size_t)s->length, vm->opt.out);
        else
            fputs("null", vm->opt.out);
        if (ferror(vm->opt.out)) { /* output lost: end the run, never go on silently */
            SAVE_STATE();
            return BVM_EXEC_OUTPUT_ERROR;
        }
        sp--;
        NEXT(PRINT);
    }

#if !INTERP_THREADED
    case BVM_OP__COUNT:
        break;
    }
    __builtin_unreachable(); /* the verifier admits only valid opcodes */
#endif

#undef SAVE_STATE
#undef LOAD_STATE
#undef U16
#undef I32
#undef CONTINUE_AT_HANDLER
#undef ENTER_COMPILED
#undef JIT_MAY_ENTER_FN
#undef JIT_MAY_COUNT
#undef THROW_STRING
#undef THROW_ERROR
#undef PUSH_NEW_STRING_FROM
#undef PRE_INSTRUCTION
#undef POLL
#undef DISPATCH
#undef CASE
#undef NEXT
#undef BRANCH
#undef RETURN_TO_CALLER
#undef ASSERT_DEPTH_AT_IP
#undef WRAP
#undef INT_BINARY
#undef FLOAT_BINARY
#undef COMPARE
#undef INT_BRANCH
}

#undef INTERP_NAME
#undef INTERP_THREADED
#undef INTERP_INSTRUMENTED
#undef INTERP_ONE
#undef INTERP_LINKAGE
