/*
 * vmlab_assert.h -- invariants checked at run time in debug and sanitizer
 * builds, compiled out of the release build.
 *
 *     VMLAB_ASSERT(frame->base + frame->fn->frame_size <= vm->stack_end);
 *
 * Each component names it for itself (BVM_ASSERT, MHV_ASSERT, VDB_ASSERT in
 * its own header), so a failure says whose invariant broke.  The build turns
 * the checks on with -DVMLAB_ASSERTIONS: `make asan` and `make debug` do,
 * `make` (the release build, which `make bench` measures) does not.  Off,
 * the condition is still compiled -- it must stay valid C and its names in
 * scope -- but never evaluated: sizeof does not run its operand.
 *
 * An assertion states what the code relies on, never a condition the input
 * can bring about: bad programs, images and commands get error messages,
 * not assertion failures.  A failed one is a bug in vmlab: it prints the
 * condition and where it is, and aborts (a core, or the sanitizer's trace).
 */
#ifndef VMLAB_ASSERT_H
#define VMLAB_ASSERT_H

#ifdef VMLAB_ASSERTIONS
#define VMLAB_ASSERTIONS_ON 1
#define VMLAB_ASSERT(who, cond) \
    ((cond) ? (void)0 : vmlab_assert_failed(who, #cond, __FILE__, __LINE__, __func__))
#else
#define VMLAB_ASSERTIONS_ON 0
#define VMLAB_ASSERT(who, cond) ((void)sizeof(!(cond)))
#endif

/* Prints "WHO: FILE:LINE: FUNCTION: assertion 'COND' failed" on stderr and
 * aborts.  Defined in vmlab_assert.c, which every program links. */
_Noreturn void vmlab_assert_failed(const char *who, const char *condition, const char *file, int line,
                                   const char *function);

#endif
