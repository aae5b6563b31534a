/*
 * compiler.h -- Vela source to a bytecode module.
 *
 * The pipeline is lexer.c -> parser.c (AST, ast.h) -> typecheck.c (names
 * and types) -> codegen.c (bytecode).  Each stage reports every error it finds
 * as a file:line:col diagnostic and keeps going where that is sensible
 * (the parser resynchronises at statement and declaration boundaries, the
 * checker continues after a type error with an "error type" that does not
 * cascade into further messages).  Code is generated only for a program
 * with no errors.
 *
 * The module returned is not yet verified; callers run bvm_verify_module
 * (load.c does) like for any other module.
 */
#ifndef BVM_COMPILER_H
#define BVM_COMPILER_H

#include <stddef.h>

#include "diag.h"
#include "module.h"

/* Compile `len` bytes of source text named `file` (used in diagnostics and
 * recorded in the module for stack traces and `bvm dis`).  Returns NULL
 * when there were errors, all of them appended to diags. */
bvm_module *bvm_compile(const char *source, size_t len, const char *file, bvm_diags *diags);

#endif
