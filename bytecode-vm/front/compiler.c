/*
 * compiler.c -- the Vela compiler pipeline (see compiler.h):
 *
 *     source --lexer.c--> tokens --parser.c--> tree --typecheck.c--> annotated
 *     tree + module declarations --codegen.c--> module with code
 *
 * The lexer and the parser always run to the end of the file, so one
 * compilation reports every syntax error.  Names and types are checked only
 * when the program parsed cleanly (as Go does): checking a tree with holes
 * would mostly produce follow-on messages about the holes.  Code is
 * generated only when checking found nothing.
 *
 * Everything but the module lives in one arena freed on the way out.  The
 * messages are reported in source order, whichever stage found them.
 */
#include "compiler.h"

#include <limits.h>
#include <stdlib.h>

#include "ast.h"
#include "typecheck.h"
#include "codegen.h"
#include "lexer.h"
#include "parser.h"
#include "util.h"

/* Order the diagnostics from index `first` on by source position, whole-
 * file messages last, keeping the order of equal positions.  (The lexer
 * runs before the parser and the checker visits declarations in passes,
 * so their messages do not come out in source order by themselves.) */
static void sort_by_position(bvm_diags *diags, int first)
{
    for (int i = first + 1; i < diags->count; i++) {
        bvm_diag d = diags->items[i];
        long key = d.line > 0 ? (long)d.line << 20 | (d.col & 0xFFFFF) : LONG_MAX;
        int j = i;
        while (j > first) {
            const bvm_diag *p = &diags->items[j - 1];
            long pkey = p->line > 0 ? (long)p->line << 20 | (p->col & 0xFFFFF) : LONG_MAX;
            if (pkey <= key)
                break;
            diags->items[j] = *p;
            j--;
        }
        diags->items[j] = d;
    }
}

bvm_module *bvm_compile(const char *source, size_t len, const char *file, bvm_diags *diags)
{
    if (len > BVM_MAX_SOURCE_BYTES) {
        bvm_diag_file(diags, file, "source file is too large (%zu bytes; the limit is %u MiB)", len,
                      BVM_MAX_SOURCE_BYTES >> 20);
        return NULL;
    }
    int errors_before = diags->errors, count_before = diags->count;
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
    sort_by_position(diags, count_before);
    return m;
}
