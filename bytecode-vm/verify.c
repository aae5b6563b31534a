/*
 * verify.c -- the bytecode verifier (see verify.h).  Work in progress.
 */
#include "verify.h"

#include <stdlib.h>

bool bvm_verify_module(bvm_module *m, const char *file, bvm_diags *diags)
{
    (void)m;
    bvm_diag_file(diags, file, "verifier not implemented yet");
    return false;
}

void bvm_verified_free(bvm_verified *v)
{
    if (!v)
        return;
    free(v->depth);
    free(v->stack_types);
    free(v);
}

bool bvm_verified_slot_is_ref(const bvm_module *m, const bvm_function *f, uint32_t pc, uint16_t slot)
{
    const bvm_verified *v = f->verified;
    if (!v || pc >= v->code_len || v->depth[pc] == BVM_NOT_INSN || slot >= v->depth[pc])
        return false;
    uint16_t t = v->stack_types[(size_t)pc * v->max_stack + slot];
    return t != BVM_VT_NULL && bvm_type_is_ref(m, t);
}
