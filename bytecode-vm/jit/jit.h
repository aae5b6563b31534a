/*
 * jit.h -- inside the JIT: what its runtime (jit.c), its compiler
 * (jit_compile.c) and its listing (jit_dump.c) share.  The interface the
 * interpreter sees is runtime/tier.h; the public switches are in vm.h.
 */
#ifndef BVM_JIT_H
#define BVM_JIT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vm_state.h"

/* What the compiler records for --jit-dump: the offset in the code where
 * each pc's instructions begin (UINT32_MAX: none), and the code's size. */
typedef struct {
    uint32_t *pc_offset;     /* [code_len + 1] */
} bvm_jit_listing;

/* Compiles one function (jit_compile.c).  Returns false, with a static
 * reason in *why, when it cannot: the function then stays interpreted. */
bool bvm_jit_compile(bvm_vm *vm, bvm_rt_function *fn, bvm_jit_listing *listing, const char **why);

/* Prints fn's bytecode interleaved with the x86-64 it became
 * (jit_dump.c, Capstone). */
void bvm_jit_dump(const bvm_vm *vm, const bvm_rt_function *fn, const bvm_jit_listing *listing,
                  uint64_t compile_ns, FILE *out);

#endif
