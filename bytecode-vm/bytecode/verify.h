/*
 * verify.h -- the bytecode verifier.
 *
 * bvm_verify_module runs on every module before any of its code executes or
 * is compiled (bvm run, bvm verify, the debugger, the JIT).  It proves, by
 * abstract interpretation over types in the manner of the JVM's type-checking
 * verifier, that:
 *
 *   - every table index (types, constants, records, fields, globals,
 *     functions, locals) is in range and names an entry of the right kind;
 *   - every jump and handler lands on the first byte of an instruction
 *     inside its function, and no instruction runs off the end of the code;
 *   - the operand stack never underflows and never exceeds max_stack;
 *   - at every pc reached along several paths, the stack has the same
 *     depth and compatible types (a null merged with a reference type
 *     gives that type; anything else must be equal);
 *   - each instruction finds the types it needs (opcodes.def's pops column
 *     or the special rules in verify.c), calls pass the callee's parameter
 *     types in number and kind, stores fit the declared types, returns
 *     match the function's return type;
 *   - exception handler ranges are well-formed and handlers start with
 *     exactly one string on the stack;
 *   - line tables are sorted and within the code; local debug names name
 *     real slots.
 *
 * Only after it succeeds may the interpreter run the module, trusting all of
 * the above without checking again.
 *
 * On success each function's `verified` holds the facts the runtime needs:
 * which pcs start instructions, the stack depth there, and the type of every
 * stack slot there (precise GC stack maps, debugger display, JIT).
 */
#ifndef BVM_VERIFY_H
#define BVM_VERIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "module.h"

/* Special verifier type values beside real type indices. */
#define BVM_VT_NULL 0xFFFEu /* the null literal: fits any reference type */
#define BVM_VT_TOP 0xFFFFu  /* unknown / no value                        */

typedef struct bvm_verified {
    uint32_t code_len;
    uint16_t max_stack;
    /* depth[pc]: operand stack depth before the instruction at pc, or
     * BVM_NOT_INSN when pc does not start a reachable instruction. */
    uint16_t *depth;          /* [code_len] */
    /* stack_types[pc * max_stack + i]: type of slot i (0 = bottom) before
     * the instruction at pc, for i < depth[pc]. */
    uint16_t *stack_types;    /* [code_len * max_stack] */
} bvm_verified;

#define BVM_NOT_INSN 0xFFFFu

/* Verify the whole module; on failure append diagnostics naming the
 * function and pc (file is used in messages) and return false.  On success
 * every function's `verified` is set. */
bool bvm_verify_module(bvm_module *m, const char *file, bvm_diags *diags);

void bvm_verified_free(bvm_verified *v);

/* Does slot i of the stack before pc hold a reference the GC must trace? */
bool bvm_verified_slot_is_ref(const bvm_module *m, const bvm_function *f, uint32_t pc, uint16_t slot);

#endif
