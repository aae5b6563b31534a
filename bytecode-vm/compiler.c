/*
 * compiler.c -- the Vela compiler pipeline (see compiler.h):
 *
 *     source --lexer.c--> tokens --parser.c--> tree --check.c--> annotated
 *     tree + module declarations --codegen.c--> module with code
 *
 * The lexer and the parser always run to the end of the file, so one
 * compilation reports every syntax error.  Names and types are checked only
 * when the program parsed cleanly (as Go does): checking a tree with holes
 * would mostly produce follow-on messages about the holes.  Code is
 * generated only when checking found nothing.
 *
 * Everything but the module lives in one arena freed on the way out.
 */
#include "compiler.h"

#include <stdlib.h>

#include "ast.h"
#include "check.h"
#include "codegen.h"
#include "lexer.h"
#include "parser.h"
#include "util.h"

bvm_module *bvm_compile(const char *source, size_t len, const char *file, bvm_diags *diags)
{
    if (len > BVM_MAX_SOURCE_BYTES) {
        bvm_diag_file(diags, file, "source file is too large (%zu bytes; the limit is %u MiB)", len,
                      BVM_MAX_SOURCE_BYTES >> 20);
        return NULL;
    }
    int errors_before = diags->errors;
    bvm_arena arena;
    bvm_arena_init(&arena);
    bvm_token_list tokens;
    bvm_lex(source, len, file, &arena, diags, &tokens);
    bvm_program *prog = bvm_parse(&tokens, file, &arena, diags);

    bvm_module *m = NULL;
    if (diags->errors == errors_before) {
        m = bvm_check(prog, file, &arena, diags);
        if (m && !bvm_codegen(prog, m, file, diags)) {
            bvm_module_free(m);
            m = NULL;
        }
        if (m)
            m->source_file = file ? bvm_xstrdup(file) : NULL;
    }
    bvm_token_list_free(&tokens);
    bvm_arena_free(&arena);
    return m;
}
