/*
 * parser.h -- tokens to the abstract syntax tree (ast.h).
 *
 * A hand-written recursive-descent parser; binary operators are parsed by
 * precedence climbing over one table.  The grammar it accepts is the one in
 * docs/language.md, which is kept identical to this parser.
 *
 * Error recovery: the first error of a statement is reported, further
 * errors are suppressed ("panic mode") until the parser resynchronises at
 * a statement boundary (after ';', before '}' or before a keyword that
 * starts a statement) or, at the top level, at the start of the next
 * declaration.  A missing ')' after a condition or a parameter list is
 * repaired on the spot.  Nesting deeper than BVM_MAX_NESTING stops the
 * parse with one error (no recursion can then overflow the C stack).
 *
 * Invariants of the result: see ast.h.  The tree is complete even when
 * there were errors (broken parts are BVM_EXPR_ERROR nodes or are left
 * out), but only an error-free tree may be checked and compiled.
 */
#ifndef BVM_PARSER_H
#define BVM_PARSER_H

#include "ast.h"
#include "diag.h"
#include "lexer.h"

/* Parse a whole program from tokens (bvm_lex's output).  Always returns a
 * program (allocated in arena); errors go to diags. */
bvm_program *bvm_parse(const bvm_token_list *tokens, const char *file, bvm_arena *arena, bvm_diags *diags);

#endif
