/*
 * diag.h -- diagnostics: the one way every stage of libbvm reports errors.
 *
 * Library code never prints and never exits; it appends bvm_diag records to
 * a bvm_diags list that the caller owns, and returns failure.  The command
 * line (bvm.c) prints them.  Two shapes of location exist:
 *
 *   source errors    file:line:col: error: message          (line > 0)
 *   bytecode errors  file: function 'f' pc N: error: message (func != NULL)
 *   file errors      file: error: message                    (neither)
 *
 * Invariants: every string in a bvm_diag is owned by the list and freed by
 * bvm_diags_free; count never exceeds BVM_DIAG_MAX (further errors are
 * counted in `dropped`, so a flood of errors cannot exhaust memory).
 */
#ifndef BVM_DIAG_H
#define BVM_DIAG_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#define BVM_DIAG_MAX 100

typedef enum { BVM_DIAG_ERROR, BVM_DIAG_NOTE } bvm_diag_level;

typedef struct {
    bvm_diag_level level;
    char *file;      /* source or bytecode file name; may be NULL       */
    int line, col;   /* 1-based source position; 0 when not applicable */
    char *func;      /* function name for bytecode errors, else NULL    */
    int64_t pc;      /* bytecode offset within func; -1 when none       */
    char *msg;
} bvm_diag;

typedef struct {
    bvm_diag *items;
    int count, cap;
    int errors;      /* number of BVM_DIAG_ERROR items added (incl. dropped) */
    int dropped;
} bvm_diags;

void bvm_diags_init(bvm_diags *d);
void bvm_diags_free(bvm_diags *d);

/* Append a source-position diagnostic (line/col 1-based). */
void bvm_diag_at(bvm_diags *d, bvm_diag_level level, const char *file, int line, int col,
                 const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Append a bytecode-position diagnostic: function name and pc (pc may be -1). */
void bvm_diag_code(bvm_diags *d, const char *file, const char *func, int64_t pc,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Append a diagnostic about a whole file (bad magic, I/O error...). */
void bvm_diag_file(bvm_diags *d, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The same three with a va_list, for the stages' own error functions. */
void bvm_diag_vat(bvm_diags *d, bvm_diag_level level, const char *file, int line, int col, const char *fmt,
                  va_list ap);
void bvm_diag_vcode(bvm_diags *d, const char *file, const char *func, int64_t pc, const char *fmt, va_list ap);
void bvm_diag_vfile(bvm_diags *d, const char *file, const char *fmt, va_list ap);

/* Print every diagnostic, one per line, in the shapes described above. */
void bvm_diags_print(const bvm_diags *d, FILE *out);

#endif
