/*
 * codegen.h -- bytecode generation from a checked tree.
 *
 * bvm_codegen fills in the code of every function the checker declared in
 * the module, adds the `$init` function when globals have initializers, and
 * builds the constant pool.  It relies on the checker's annotations (ast.h,
 * typecheck.h) and never sees a tree with errors.
 *
 * Guarantees about the code it emits (the conventions the verifier checks):
 *   - every reachable path ends in ret/retv/throw or jumps; code that control
 *     cannot reach (after return, throw, break or continue, the branch of an
 *     `if` on a constant condition) is not emitted;
 *   - every jump targets an instruction start inside the function;
 *   - max_stack is the exact maximum depth over the reachable code;
 *   - line table entries have strictly increasing pcs, one per change of
 *     source line; handler entries list inner try blocks before outer ones;
 *     every local has a debug name valid over its scope;
 *   - each local slot has one declared type; a local declared without an
 *     initializer inside a loop is re-zeroed at its declaration (the VM
 *     zeroes locals only once, at function entry).
 * Instruction selection: fused compare-and-branch for int comparisons in
 * conditions, iinc for ++, --, += and -= of an int local by a constant,
 * iconst for 32-bit ints (ldc otherwise), loops with the test at the bottom
 * (one branch per iteration), printf lowered to sfmt/tostr/sconcat/print.
 */
#ifndef BVM_CODEGEN_H
#define BVM_CODEGEN_H

#include <stdbool.h>

#include "ast.h"
#include "diag.h"
#include "module.h"

/* Generate code for every function of prog into m (bvm_check's result).
 * Returns false, with diagnostics, only when a table limit of the bytecode
 * is exceeded (constants, operand stack depth). */
bool bvm_codegen(const bvm_program *prog, bvm_module *m, const char *file, bvm_diags *diags);

#endif
