/*
 * diag.c -- collecting and printing diagnostics (see diag.h).
 */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void bvm_diags_init(bvm_diags *d) { memset(d, 0, sizeof *d); }

void bvm_diags_free(bvm_diags *d)
{
    for (int i = 0; i < d->count; i++) {
        free(d->items[i].file);
        free(d->items[i].func);
        free(d->items[i].msg);
    }
    free(d->items);
    bvm_diags_init(d);
}

static bvm_diag *push(bvm_diags *d, bvm_diag_level level)
{
    if (level == BVM_DIAG_ERROR)
        d->errors++;
    if (d->count >= BVM_DIAG_MAX) {
        d->dropped++;
        return NULL;
    }
    BVM_GROW(d->items, d->count, d->cap);
    bvm_diag *g = &d->items[d->count++];
    memset(g, 0, sizeof *g);
    g->level = level;
    g->pc = -1;
    return g;
}

void bvm_diag_vat(bvm_diags *d, bvm_diag_level level, const char *file, int line, int col, const char *fmt,
                  va_list ap)
{
    bvm_diag *g = push(d, level);
    if (!g)
        return;
    g->file = file ? bvm_xstrdup(file) : NULL;
    g->line = line;
    g->col = col;
    g->msg = bvm_vformat(fmt, ap);
}

void bvm_diag_vcode(bvm_diags *d, const char *file, const char *func, int64_t pc, const char *fmt, va_list ap)
{
    bvm_diag *g = push(d, BVM_DIAG_ERROR);
    if (!g)
        return;
    g->file = file ? bvm_xstrdup(file) : NULL;
    g->func = bvm_xstrdup(func ? func : "?");
    g->pc = pc;
    g->msg = bvm_vformat(fmt, ap);
}

void bvm_diag_vfile(bvm_diags *d, const char *file, const char *fmt, va_list ap)
{
    bvm_diag *g = push(d, BVM_DIAG_ERROR);
    if (!g)
        return;
    g->file = file ? bvm_xstrdup(file) : NULL;
    g->msg = bvm_vformat(fmt, ap);
}

void bvm_diag_at(bvm_diags *d, bvm_diag_level level, const char *file, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bvm_diag_vat(d, level, file, line, col, fmt, ap);
    va_end(ap);
}

void bvm_diag_code(bvm_diags *d, const char *file, const char *func, int64_t pc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bvm_diag_vcode(d, file, func, pc, fmt, ap);
    va_end(ap);
}

void bvm_diag_file(bvm_diags *d, const char *file, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bvm_diag_vfile(d, file, fmt, ap);
    va_end(ap);
}

void bvm_diags_print(const bvm_diags *d, FILE *out)
{
    for (int i = 0; i < d->count; i++) {
        const bvm_diag *g = &d->items[i];
        const char *level = g->level == BVM_DIAG_NOTE ? "note" : "error";
        const char *file = g->file ? g->file : "<input>";
        if (g->line > 0)
            fprintf(out, "%s:%d:%d: %s: %s\n", file, g->line, g->col, level, g->msg);
        else if (g->func && g->pc >= 0)
            fprintf(out, "%s: function '%s' pc %lld: %s: %s\n", file, g->func, (long long)g->pc, level, g->msg);
        else if (g->func)
            fprintf(out, "%s: function '%s': %s: %s\n", file, g->func, level, g->msg);
        else
            fprintf(out, "%s: %s: %s\n", file, level, g->msg);
    }
    if (d->dropped)
        fprintf(out, "(%d more errors not shown)\n", d->dropped);
}
