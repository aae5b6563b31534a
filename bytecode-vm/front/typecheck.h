/*
 * typecheck.h -- name resolution and type checking of a parsed Vela program.
 *
 * bvm_check walks the tree once per declaration kind:
 *   1. registers every struct, global and function name (so any of them can
 *      be used before its declaration), creating a module record and record
 *      type for every struct;
 *   2. resolves field types, global types and function signatures, adding
 *      the fields, globals and functions to the module in declaration order;
 *   3. checks global initializers and function bodies.
 *
 * It writes into the tree's annotation fields (ast.h): the type of every
 * expression, the slot or global index of every name, the function or
 * built-in of every call, the record and field of every field access, the
 * slot of every local, each function's local types, whether each statement
 * can complete normally and whether each loop has a break/continue.  Implicit
 * int->float promotions become explicit CONVERT nodes, and operators applied
 * to literals are folded into literals (int arithmetic as at run time,
 * comparisons, `!`, and `&&`/`||` with a literal left side), so "the
 * condition is the literal true" also covers `while (1 < 2)`.
 *
 * Error discipline: every error is reported once at its source position; a
 * sub-expression with an error gets the internal "error type", which every
 * rule accepts silently, so one mistake never produces a chain of messages.
 *
 * Invariants of a successful result (no errors reported):
 *   - the module has every record (with fields), global and function (name,
 *     nparams, ret_type, nlocals, local_types) of the program; functions are
 *     in declaration order and have no code yet; `entry` is main;
 *   - every type index in the tree is a real type of that module, or
 *     BVM_TYPE_NULL_LITERAL for a null literal not yet given a type;
 *   - every table fits its u16 index space (the limits are checked here).
 */
#ifndef BVM_TYPECHECK_H
#define BVM_TYPECHECK_H

#include "ast.h"
#include "diag.h"
#include "module.h"

/* Largest number of types (built-in, record and array) a program may have:
 * 0xFFFE and 0xFFFF are kept for the null literal and the error type. */
#define BVM_CHECK_MAX_TYPES 0xFFFEu
/* Largest number of user functions (one index is left for $init). */
#define BVM_CHECK_MAX_FUNCTIONS 0xFFFEu

/* Check the program; on success return its module (declarations only, see
 * above), else NULL with every error appended to diags.  Arena: the one
 * holding prog, for the annotations. */
bvm_module *bvm_check(bvm_program *prog, const char *file, bvm_arena *arena, bvm_diags *diags);

#endif
