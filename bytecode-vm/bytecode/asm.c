/*
 * asm.c -- the assembler: .vasm text to a bytecode module (asm.h).
 *
 * docs/assembly.md documents the syntax.  A listing is line-oriented: each
 * line holds at most one statement -- a directive (`.func`, `.local`,
 * `.line`, ...) or an instruction, optionally preceded by a label `name:` --
 * and `;` starts a comment.  Every table entry is written out, in table
 * order, so the text says exactly what the module holds.
 *
 * Three passes.  Names may be used before they are declared (a type `Node`
 * before `.record Node`, a call to a later function), so the assembler
 * reads the text three times, tokenizing each line again every time:
 *
 *   pass 1  declare the names of records and their fields, of globals and
 *           of functions, so that later lookups can find them;
 *   pass 2  build the type and constant tables in declaration order (type
 *           declarations refer to records, hence after pass 1);
 *   pass 3  everything else: field and global types, module directives,
 *           and each function's signature, locals, code and tables.
 *
 * The passes agree on which declaration is which by counting: the k-th
 * well-formed `.func` line in pass 3 fills the k-th function pass 1 made.
 * Both parse the declaration with the same functions, so they agree on
 * which lines are well-formed.  Within a function, labels may be used
 * before they are defined; each use is a fixup, patched at `.end`.
 *
 * Symbolic operands name the first entry with that name or value
 * (asm_internal.h); names are looked up through hash maps, so assembling
 * stays linear in the size of the text however large the tables get.  For
 * convenience when writing by hand, an instruction operand or a local's
 * type that names a constant or an array/record type not declared yet adds
 * it to its table (after the declared ones); `bvm dis` output never relies
 * on that, since it declares every entry.
 *
 * Errors: a line's first error is reported as file:line:col and the rest
 * of the line is skipped; assembly goes on to find errors on later lines
 * and returns NULL if there was any.  Pass 1 reports only lexical errors;
 * a directive's other errors come from the pass that handles it, so none
 * is reported twice, and at the end they are sorted into text order.  The
 * statement handlers return false after an error, true otherwise.
 */
#include "asm.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmlab_chars.h"

#include "asm_internal.h"
#include "builder.h"
#include "opcodes.h"

/* ===== vocabulary shared with the disassembler (asm_internal.h) =========== */

const char *const asm_builtin_type_names[BVM_TYPE__FIRST_USER] = {"void", "int", "float", "bool", "string"};

static const char *const reserved_words[] = {"void", "int", "float", "bool", "string", "none", "inf", "nan"};

bool asm_is_reserved(const char *s, size_t len)
{
    for (size_t i = 0; i < sizeof reserved_words / sizeof reserved_words[0]; i++)
        if (strlen(reserved_words[i]) == len && memcmp(reserved_words[i], s, len) == 0)
            return true;
    return false;
}

bool asm_is_plain_name(const char *s, size_t len)
{
    if (len == 0 || !asm_is_ident_start((unsigned char)s[0]))
        return false;
    for (size_t i = 1; i < len; i++)
        if (!asm_is_ident_char((unsigned char)s[i]))
            return false;
    return !asm_is_reserved(s, len);
}

static bool is_digit(int c) { return c >= '0' && c <= '9'; }

bool asm_parse_float(const char *text, size_t len, double *out)
{
    size_t i = 0;
    bool negative = false;
    if (i < len && (text[i] == '+' || text[i] == '-'))
        negative = text[i++] == '-';
    if (len - i == 3 && memcmp(text + i, "inf", 3) == 0) {
        *out = negative ? -INFINITY : INFINITY;
        return true;
    }
    if (len - i == 3 && memcmp(text + i, "nan", 3) == 0) {
        /* The quiet NaN with no payload; other NaNs need `.const float bits`. */
        uint64_t bits = 0x7ff8000000000000ull | (negative ? 1ull << 63 : 0);
        memcpy(out, &bits, sizeof bits);
        return true;
    }
    size_t digits = 0;
    for (; i < len && is_digit(text[i]); i++)
        digits++;
    if (i < len && text[i] == '.')
        for (i++; i < len && is_digit(text[i]); i++)
            digits++;
    if (digits == 0)
        return false;
    if (i < len && (text[i] == 'e' || text[i] == 'E')) {
        i++;
        if (i < len && (text[i] == '+' || text[i] == '-'))
            i++;
        size_t exponent_digits = 0;
        for (; i < len && is_digit(text[i]); i++)
            exponent_digits++;
        if (exponent_digits == 0)
            return false;
    }
    if (i != len)
        return false;
    char *copy = bvm_xstrndup(text, len); /* strtod needs a terminator */
    double v = strtod(copy, NULL);
    free(copy);
    if (isinf(v))
        return false; /* a finite literal too large for a double */
    *out = v;
    return true;
}


/* ===== the assembler's state ============================================== */

typedef enum { TK_END, TK_IDENT, TK_DIRECTIVE, TK_NUMBER, TK_INDEX, TK_STRING, TK_PUNCT } token_kind;

typedef struct {
    token_kind kind;
    const char *text; /* in the source; a directive includes its '.', a string its quotes */
    size_t len;
    int col;          /* 1-based */
} token;

/* Where a label was used, for the message when it is never defined (the
 * tag of the builder's fixup). */
typedef struct {
    const char *label;
    size_t label_len;
    int line, col;
} label_use;

/* The function being assembled in pass 3. */
typedef struct {
    uint32_t index;        /* in m->funcs */
    int line;              /* of its .func */
    bvm_builder b;         /* its code and tables, with the labels (builder.h) */
    uint16_t nparams;
    uint16_t *local_types;
    uint32_t nlocals, locals_cap;
    bool has_max_stack;
    uint16_t max_stack;
    bool code_started;     /* an instruction or .byte was seen: no more .local */
    bvm_map labels;        /* label name -> the builder's label */
    label_use *uses;       /* [nuses]: each use of a label, by fixup tag */
    uint32_t nuses, uses_cap;
    bvm_map slots;         /* slot name -> slot */
} fn_state;

typedef enum { BLOCK_NONE, BLOCK_RECORD, BLOCK_FUNC } block_kind;

typedef struct {
    bvm_module *m;
    const char *file;
    bvm_diags *diags;
    const char *text;
    size_t text_len;
    bool failed;            /* some error was reported */

    int pass;               /* 1, 2 or 3 */
    bool report;            /* report errors now (else they are another pass's) */

    /* the line being assembled */
    int line_no;
    const char *line;
    size_t line_len;
    token *toks;
    uint32_t ntoks, toks_cap;
    uint32_t cur;           /* next token */
    const token *stmt;      /* the directive or mnemonic the line is about */
    bool line_error;        /* this line's error was reported: stay quiet */

    /* block structure, followed identically in every pass */
    block_kind block;
    int block_line;
    int32_t block_index;    /* record or function being filled; -1 if broken */

    /* declarations counted so far in this pass */
    uint32_t records_seen, fields_seen, globals_seen, funcs_seen;

    /* module directives (pass 3): the line that set each, 0 if none */
    int entry_line, init_line, source_line;

    /* name -> first index, kept in step with the module's tables */
    bvm_map funcs, records, globals;
    bvm_map fields;         /* scope: record index */
    bvm_map types;          /* scope: kind << 16 | arg; user types only */
    bvm_map consts;         /* scope: kind; key: the value's bytes */

    fn_state fn;            /* valid while block == BLOCK_FUNC in pass 3 */
} assembler;

/* ===== diagnostics ======================================================== */

static bool error_at_line(assembler *A, int line, int col, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static bool error_at_line(assembler *A, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bvm_diag_vat(A->diags, BVM_DIAG_ERROR, A->file, line, col, fmt, ap);
    va_end(ap);
    A->failed = true;
    return false;
}

/* Report an error at column col of the current line, unless this line has
 * had its error already or this pass is not the one to report it.
 * Always returns false, for `return error(...)`. */
static bool error(assembler *A, int col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool error(assembler *A, int col, const char *fmt, ...)
{
    if (A->report && !A->line_error) {
        va_list ap;
        va_start(ap, fmt);
        bvm_diag_vat(A->diags, BVM_DIAG_ERROR, A->file, A->line_no, col, fmt, ap);
        va_end(ap);
        A->failed = true;
    }
    A->line_error = true;
    return false;
}

/* A token as messages show it: 'text' (shortened), or "end of line". */
static const char *describe(const token *t, char *buf, size_t size)
{
    if (t->kind == TK_END)
        return "end of line";
    if (t->len > 40)
        snprintf(buf, size, "'%.37s...'", t->text);
    else
        snprintf(buf, size, "'%.*s'", (int)t->len, t->text);
    return buf;
}

/* "expected WHAT, found TOKEN" at the token. */
static bool expected(assembler *A, const token *t, const char *what)
{
    char b[64];
    return error(A, t->col, "expected %s, found %s", what, describe(t, b, sizeof b));
}

/* ===== tokens ============================================================= */

static bool is_hex_digit(int c) { return vmlab_digit_value(c) >= 0; }

static int hex_value(int c) { return is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10; }

/* Is the word w (and not a longer identifier) at s[i..n)? */
static bool word_at(const char *s, size_t i, size_t n, const char *w)
{
    size_t k = strlen(w);
    return n - i >= k && memcmp(s + i, w, k) == 0 && (i + k == n || !asm_is_ident_char((unsigned char)s[i + k]));
}

static void push_token(assembler *A, token t)
{
    BVM_PUSH(A->toks, A->ntoks, A->toks_cap, t);
}

/* Scan the quoted string that starts at line[*pos] == '"', checking its
 * escapes; on success *pos is just past the closing quote. */
static bool scan_string(assembler *A, size_t *pos)
{
    const char *s = A->line;
    size_t n = A->line_len, i;
    for (i = *pos + 1; i < n && s[i] != '"'; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\') {
            if (i + 1 >= n)
                break;
            if (s[i + 1] == 'x') {
                if (i + 3 >= n || !is_hex_digit((unsigned char)s[i + 2]) || !is_hex_digit((unsigned char)s[i + 3]))
                    return error(A, (int)i + 1, "\\x must be followed by two hex digits");
                i += 3;
            } else if (asm_unescape_letter(s[i + 1]) < 0) {
                unsigned char l = (unsigned char)s[i + 1];
                char shown[8];
                snprintf(shown, sizeof shown, l >= 0x20 && l < 0x7f ? "%c" : "\\x%02x", l);
                return error(A, (int)i + 1, "unknown escape '\\%s' (use \\n \\t \\r \\0 \\\\ \\\" or \\xHH)", shown);
            } else {
                i++;
            }
        } else if (c < 0x20 && c != '\t') {
            return error(A, (int)i + 1, "control character 0x%02x in a string; write it as an escape (\\xHH)", c);
        }
    }
    if (i >= n)
        return error(A, (int)n + 1, "unterminated string: the closing '\"' is missing");
    *pos = i + 1;
    return true;
}

/* Split the current line into tokens (ending with a TK_END).  Lexical
 * errors are reported in pass 1 only; every pass skips such a line. */
static bool tokenize(assembler *A)
{
    const char *s = A->line;
    size_t n = A->line_len, i = 0;
    A->ntoks = 0;
    for (;;) {
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i >= n || s[i] == ';')
            break;
        token t = {.text = s + i, .col = (int)i + 1};
        unsigned char c = (unsigned char)s[i];
        /* A directive can only begin a statement (after an optional label). */
        bool statement_start = A->ntoks == 0 || (A->ntoks == 2 && A->toks[1].kind == TK_PUNCT && A->toks[1].text[0] == ':');
        if (c == '"') {
            t.kind = TK_STRING;
            if (!scan_string(A, &i))
                return false;
        } else if (c == '#') {
            t.kind = TK_INDEX;
            for (i++; i < n && is_digit((unsigned char)s[i]); i++)
                ;
            if (i == (size_t)(t.text - s) + 1)
                return error(A, t.col, "'#' must be followed by an index number, as in #3");
        } else if (is_digit(c) ||
                   ((c == '+' || c == '-') && i + 1 < n &&
                    (is_digit((unsigned char)s[i + 1]) || word_at(s, i + 1, n, "inf") || word_at(s, i + 1, n, "nan")))) {
            /* A number; its form is checked where it is used (int, float...). */
            t.kind = TK_NUMBER;
            size_t digits_at = (c == '+' || c == '-') ? i + 1 : i;
            bool hex = n - digits_at >= 2 && s[digits_at] == '0' && (s[digits_at + 1] | 0x20) == 'x';
            for (i = digits_at + 1; i < n; i++) {
                unsigned char d = (unsigned char)s[i];
                bool exponent_sign = (d == '+' || d == '-') && !hex && (s[i - 1] | 0x20) == 'e';
                if (!(asm_is_ident_char(d) || d == '.' || exponent_sign))
                    break;
            }
        } else if (c == '.' && statement_start && i + 1 < n && asm_is_ident_start((unsigned char)s[i + 1])) {
            t.kind = TK_DIRECTIVE;
            for (i++; i < n && asm_is_ident_char((unsigned char)s[i]); i++)
                ;
        } else if (asm_is_ident_start(c)) {
            for (; i < n && asm_is_ident_char((unsigned char)s[i]); i++)
                ;
            bool float_word = word_at(t.text, 0, (size_t)(s + i - t.text), "inf") ||
                              word_at(t.text, 0, (size_t)(s + i - t.text), "nan");
            t.kind = float_word ? TK_NUMBER : TK_IDENT;
        } else if (c && strchr("(),[]:.", c)) {
            t.kind = TK_PUNCT;
            i++;
        } else if (c >= 0x20 && c < 0x7f) {
            return error(A, t.col, "unexpected character '%c'", c);
        } else {
            return error(A, t.col, "unexpected byte 0x%02x (outside strings and comments the text must be ASCII)", c);
        }
        t.len = (size_t)(s + i - t.text);
        push_token(A, t);
    }
    push_token(A, (token){.kind = TK_END, .text = s + i, .col = (int)i + 1});
    return true;
}

static const token *peek(const assembler *A) { return &A->toks[A->cur]; }

static const token *take(assembler *A)
{
    const token *t = &A->toks[A->cur];
    if (t->kind != TK_END)
        A->cur++;
    return t;
}

static bool is_punct(const token *t, char c) { return t->kind == TK_PUNCT && t->text[0] == c; }

static bool is_word(const token *t, const char *w)
{
    return t->kind == TK_IDENT && strlen(w) == t->len && memcmp(t->text, w, t->len) == 0;
}

static bool accept(assembler *A, char c)
{
    if (!is_punct(peek(A), c))
        return false;
    A->cur++;
    return true;
}

static bool expect(assembler *A, char c, const char *where)
{
    if (accept(A, c))
        return true;
    char what[64];
    snprintf(what, sizeof what, "'%c' %s", c, where);
    return expected(A, peek(A), what);
}

static bool expect_end(assembler *A, const char *statement)
{
    const token *t = peek(A);
    if (t->kind == TK_END)
        return true;
    char b[64];
    return error(A, t->col, "unexpected %s after the end of %s", describe(t, b, sizeof b), statement);
}

/* The bytes a string token stands for, malloc'd and NUL-terminated. */
static char *decode_string(const token *t, size_t *len_out)
{
    char *out = bvm_xmalloc(t->len);
    size_t n = 0;
    for (size_t i = 1; i + 1 < t->len; i++) {
        char c = t->text[i];
        if (c == '\\') {
            char l = t->text[++i];
            if (l == 'x') {
                out[n++] = (char)(hex_value((unsigned char)t->text[i + 1]) << 4 | hex_value((unsigned char)t->text[i + 2]));
                i += 2;
            } else {
                out[n++] = (char)asm_unescape_letter(l);
            }
        } else {
            out[n++] = c;
        }
    }
    out[n] = '\0';
    *len_out = n;
    return out;
}

/* ===== operands: numbers, names, types ==================================== */

/* Unsigned decimal or 0x-hex digits; false on anything else or overflow. */
static bool scan_u64(const char *s, size_t len, uint64_t *out)
{
    bool hex = len > 2 && s[0] == '0' && (s[1] | 0x20) == 'x';
    size_t i = hex ? 2 : 0;
    if (i == len)
        return false;
    uint64_t v = 0, base = hex ? 16 : 10;
    for (; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(hex ? is_hex_digit(c) : is_digit(c)))
            return false;
        uint64_t d = (uint64_t)hex_value(c);
        if (v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
    }
    *out = v;
    return true;
}

/* An integer operand in [min, max]: [+-] decimal or 0x-hex. */
static bool parse_int(assembler *A, int64_t min, int64_t max, const char *what, int64_t *out)
{
    const token *t = peek(A);
    if (t->kind != TK_NUMBER)
        return expected(A, t, what);
    const char *s = t->text;
    size_t len = t->len;
    bool negative = len > 0 && s[0] == '-';
    if (len > 0 && (s[0] == '-' || s[0] == '+'))
        s++, len--;
    uint64_t magnitude;
    char b[64];
    if (!scan_u64(s, len, &magnitude) || magnitude > (uint64_t)INT64_MAX + negative)
        return error(A, t->col, "%s is not a valid integer (%s)", describe(t, b, sizeof b), what);
    int64_t v = negative ? (int64_t)(0 - magnitude) : (int64_t)magnitude;
    if (v < min || v > max)
        return error(A, t->col, "%s %lld is out of range (%lld to %lld)", what, (long long)v, (long long)min,
                     (long long)max);
    A->cur++;
    *out = v;
    return true;
}

/* #N: a raw index into a u16-indexed table. */
static bool index_value(assembler *A, const token *t, uint16_t *out)
{
    uint64_t v;
    if (!scan_u64(t->text + 1, t->len - 1, &v) || v > 0xFFFF)
        return error(A, t->col, "index %.*s is out of range (indices are #0 to #65535)", (int)t->len, t->text);
    *out = (uint16_t)v;
    return true;
}

/* A name token (identifier or quoted string): its text, malloc'd.  A bare
 * reserved word or a NUL inside a quoted name is an error. */
static char *name_of(assembler *A, const token *t, const char *what, size_t *len_out)
{
    if (t->kind == TK_STRING) {
        size_t len;
        char *s = decode_string(t, &len);
        if (memchr(s, '\0', len)) {
            free(s);
            error(A, t->col, "a %s cannot contain a NUL byte", what);
            return NULL;
        }
        *len_out = len;
        return s;
    }
    if (t->kind == TK_IDENT && !asm_is_reserved(t->text, t->len)) {
        *len_out = t->len;
        return bvm_xstrndup(t->text, t->len);
    }
    if (t->kind == TK_IDENT || (t->kind == TK_NUMBER && asm_is_reserved(t->text, t->len))) {
        error(A, t->col, "'%.*s' is a reserved word; write \"%.*s\" (quoted) to use it as a %s", (int)t->len, t->text,
              (int)t->len, t->text, what);
        return NULL;
    }
    char what_b[64];
    snprintf(what_b, sizeof what_b, "a %s (a name or a quoted string)", what);
    expected(A, t, what_b);
    return NULL;
}

static char *parse_name(assembler *A, const char *what, size_t *len_out)
{
    char *name = name_of(A, peek(A), what, len_out);
    if (name)
        A->cur++;
    return name;
}

/* Look a name (or #N) up in one of the module tables.  `kind` names the
 * table in messages ("function"). */
static bool parse_ref(assembler *A, const bvm_map *map, uint32_t scope, const char *kind, uint16_t *out)
{
    const token *t = peek(A);
    if (t->kind == TK_INDEX) {
        A->cur++;
        return index_value(A, t, out);
    }
    size_t len;
    char *name = name_of(A, t, kind, &len);
    if (!name)
        return false;
    uint32_t v;
    bool found = bvm_map_get(map, scope, name, len, &v);
    if (!found)
        error(A, t->col, "unknown %s '%.*s'", kind, (int)t->len, t->text);
    free(name);
    if (!found)
        return false;
    A->cur++;
    *out = (uint16_t)v;
    return true;
}

/* A type as written: base (a built-in or record name, or #N) and [] pairs.
 * Parsed on its own first, since pass 1 needs only to skip over it. */
typedef struct {
    const token *base;
    uint32_t dims;
} type_syntax;

static bool parse_type_syntax(assembler *A, type_syntax *ts)
{
    const token *t = peek(A);
    if (t->kind != TK_IDENT && t->kind != TK_STRING && t->kind != TK_INDEX)
        return expected(A, t, "a type (such as int, Node, int[] or #5)");
    A->cur++;
    ts->base = t;
    ts->dims = 0;
    while (accept(A, '[')) {
        if (!expect(A, ']', "after '[' in a type"))
            return false;
        ts->dims++;
    }
    return true;
}

static uint32_t type_key(uint8_t kind, uint16_t arg) { return (uint32_t)kind << 16 | arg; }

static bool add_type(assembler *A, uint8_t kind, uint16_t arg, int col, uint16_t *out)
{
    if (A->m->ntypes >= BVM_MAX_TABLE)
        return error(A, col, "too many types (at most %u)", BVM_MAX_TABLE);
    uint16_t t = bvm_module_add_type(A->m, (bvm_type){.kind = kind, .arg = arg});
    bvm_map_add(&A->types, type_key(kind, arg), NULL, 0, t);
    *out = t;
    return true;
}

/* The first user type with this kind and argument; with `create`, one is
 * added if there is none. */
static bool find_type(assembler *A, uint8_t kind, uint16_t arg, bool create, int col, uint16_t *out)
{
    uint32_t t;
    if (bvm_map_get(&A->types, type_key(kind, arg), NULL, 0, &t)) {
        *out = (uint16_t)t;
        return true;
    }
    return create && add_type(A, kind, arg, col, out);
}

/* Resolve the base and the first `dims` array levels of a type spelling.
 * `create` adds missing array/record types (pass 3); without it (type
 * declarations, pass 2) only types declared so far count. */
static bool resolve_type(assembler *A, const type_syntax *ts, uint32_t dims, bool create, uint16_t *out)
{
    const token *b = ts->base;
    uint16_t t = 0;
    bool builtin = false;
    if (b->kind == TK_INDEX) {
        if (!index_value(A, b, &t))
            return false;
    } else {
        for (uint16_t i = 0; i < BVM_TYPE__FIRST_USER && b->kind == TK_IDENT; i++)
            if (strlen(asm_builtin_type_names[i]) == b->len && memcmp(asm_builtin_type_names[i], b->text, b->len) == 0) {
                t = i;
                builtin = true;
            }
        if (!builtin) {
            size_t len;
            char *name = name_of(A, b, "record name", &len);
            if (!name)
                return false;
            uint32_t record;
            bool found = bvm_map_get(&A->records, 0, name, len, &record);
            free(name);
            if (!found)
                return error(A, b->col, "unknown type '%.*s' (not a built-in type or a record)", (int)b->len, b->text);
            if (!find_type(A, BVM_TK_RECORD, (uint16_t)record, create, b->col, &t))
                return error(A, b->col, "no type for record '%.*s' is declared before this line", (int)b->len, b->text);
        }
    }
    for (uint32_t d = 0; d < dims; d++)
        if (!find_type(A, BVM_TK_ARRAY, t, create, b->col, &t)) {
            bvm_buf spelling = {0};
            bvm_buf_put(&spelling, b->text, b->len);
            for (uint32_t i = 0; i <= d; i++)
                bvm_buf_put(&spelling, "[]", 2);
            error(A, b->col,
                  "type '%.*s' is not declared before this line (a type declaration can only use types declared "
                  "before it)",
                  (int)spelling.len, (const char *)spelling.data);
            bvm_buf_free(&spelling);
            return false;
        }
    *out = t;
    return true;
}

/* A type operand or declaration type, created if missing (pass 3). */
static bool parse_type(assembler *A, uint16_t *out)
{
    type_syntax ts;
    return parse_type_syntax(A, &ts) && resolve_type(A, &ts, ts.dims, true, out);
}

/* ===== pass 1: declare names ============================================== */

static bool declare_record(assembler *A)
{
    size_t len;
    char *name = parse_name(A, "record name", &len);
    if (!name)
        return false;
    A->records_seen++;
    if (A->m->nrecords < BVM_MAX_TABLE) {
        A->block_index = bvm_module_add_record(A->m, name);
        bvm_map_add(&A->records, 0, name, len, (uint32_t)A->block_index);
    }
    free(name);
    return true;
}

/* A declaration, TYPE NAME: the type's syntax into *ts (pass 1 declares
 * the name, pass 3 resolves the type once every record is known), and the
 * name, malloc'd, or NULL after an error. */
static char *parse_declaration(assembler *A, const char *what, type_syntax *ts, size_t *len)
{
    return parse_type_syntax(A, ts) ? parse_name(A, what, len) : NULL;
}

static bool declare_field(assembler *A)
{
    type_syntax ts;
    size_t len;
    char *name = A->block_index < 0 ? NULL : parse_declaration(A, "field name", &ts, &len);
    if (!name)
        return false;
    bvm_record *r = &A->m->records[A->block_index];
    if (r->nfields < BVM_MAX_TABLE) {
        bvm_map_add(&A->fields, (uint32_t)A->block_index, name, len, r->nfields);
        bvm_module_add_field(A->m, (uint16_t)A->block_index, name, BVM_TYPE_VOID); /* typed in pass 3 */
    }
    free(name);
    return true;
}

static bool declare_global(assembler *A)
{
    type_syntax ts;
    size_t len;
    char *name = parse_declaration(A, "global name", &ts, &len);
    if (!name)
        return false;
    if (A->m->nglobals < BVM_MAX_TABLE) {
        uint16_t g = bvm_module_add_global(A->m, name, BVM_TYPE_VOID); /* typed in pass 3 */
        bvm_map_add(&A->globals, 0, name, len, g);
    }
    free(name);
    return true;
}

static bool declare_function(assembler *A)
{
    type_syntax ts;
    size_t len;
    char *name = parse_declaration(A, "function name", &ts, &len);
    if (!name)
        return false;
    if (A->m->nfuncs < BVM_MAX_TABLE) {
        A->block_index = bvm_module_add_function(A->m, name);
        bvm_map_add(&A->funcs, 0, name, len, (uint32_t)A->block_index);
    }
    free(name);
    return true;
}

/* ===== pass 2: types and constants ======================================== */

/* .type T[]           an array of T (T declared before)
 * .type Name          the record type of record Name
 * .type record #N     the record type of record N, raw */
static bool define_type(assembler *A)
{
    const token *first = peek(A);
    uint16_t t, arg;
    const token *after = first->kind == TK_END ? first : &A->toks[A->cur + 1];
    if (is_word(first, "record") &&
        (after->kind == TK_INDEX || after->kind == TK_IDENT || after->kind == TK_STRING)) {
        A->cur++;
        if (!parse_ref(A, &A->records, 0, "record", &arg) || !add_type(A, BVM_TK_RECORD, arg, first->col, &t))
            return false;
    } else {
        type_syntax ts;
        if (!parse_type_syntax(A, &ts))
            return false;
        if (ts.dims > 0) {
            if (!resolve_type(A, &ts, ts.dims - 1, false, &arg) || !add_type(A, BVM_TK_ARRAY, arg, first->col, &t))
                return false;
        } else {
            size_t len;
            bool builtin = ts.base->kind == TK_IDENT && asm_is_reserved(ts.base->text, ts.base->len);
            if (ts.base->kind == TK_INDEX || builtin)
                return error(A, first->col, "'.type' declares an array type (such as int[]) or a record type (a "
                                            "record name); the built-in types need no declaration");
            char *name = name_of(A, ts.base, "record name", &len);
            if (!name)
                return false;
            uint32_t record;
            bool found = bvm_map_get(&A->records, 0, name, len, &record);
            free(name);
            if (!found)
                return error(A, first->col, "unknown record '%.*s'", (int)ts.base->len, ts.base->text);
            if (!add_type(A, BVM_TK_RECORD, (uint16_t)record, first->col, &t))
                return false;
        }
    }
    return expect_end(A, "the type declaration");
}

static bool add_const(assembler *A, bvm_const c, int col, uint16_t *out)
{
    if (A->m->nconsts >= BVM_MAX_TABLE) {
        if (c.kind == BVM_CONST_STRING)
            free(c.as.s.chars);
        return error(A, col, "too many constants (at most %u)", BVM_MAX_TABLE);
    }
    uint16_t k = bvm_module_add_const(A->m, c);
    const bvm_const *stored = &A->m->consts[k];
    if (c.kind == BVM_CONST_STRING)
        bvm_map_add(&A->consts, c.kind, stored->as.s.chars, stored->as.s.len, k);
    else
        bvm_map_add(&A->consts, c.kind, &stored->as, 8, k);
    *out = k;
    return true;
}

static bool float_literal(assembler *A, double *out)
{
    const token *t = peek(A);
    char b[64];
    if (t->kind != TK_NUMBER)
        return expected(A, t, "a float (such as 1.5, 2e-3, inf or nan)");
    if (!asm_parse_float(t->text, t->len, out))
        return error(A, t->col, "%s is not a valid float (such as 1.5, 2e-3, inf or nan)", describe(t, b, sizeof b));
    A->cur++;
    return true;
}

/* .const int N | .const float X | .const float bits 0xHHHH | .const string "..." */
static bool define_const(assembler *A)
{
    const token *kind = take(A);
    bvm_const c = {0};
    uint16_t k;
    int64_t i;
    if (is_word(kind, "int")) {
        if (!parse_int(A, INT64_MIN, INT64_MAX, "int constant", &i))
            return false;
        c = (bvm_const){.kind = BVM_CONST_INT, .as.i = i};
    } else if (is_word(kind, "float") && is_word(peek(A), "bits")) {
        const token *t = &A->toks[++A->cur];
        uint64_t bits;
        if (t->kind != TK_NUMBER || !scan_u64(t->text, t->len, &bits))
            return expected(A, t, "the float's IEEE 754 bits as a 64-bit number (such as 0x7ff8000000000001)");
        A->cur++;
        c.kind = BVM_CONST_FLOAT;
        memcpy(&c.as.f, &bits, sizeof bits);
    } else if (is_word(kind, "float")) {
        c.kind = BVM_CONST_FLOAT;
        if (!float_literal(A, &c.as.f))
            return false;
    } else if (is_word(kind, "string")) {
        const token *t = take(A);
        if (t->kind != TK_STRING)
            return expected(A, t, "a quoted string");
        size_t len;
        c.kind = BVM_CONST_STRING;
        c.as.s.chars = decode_string(t, &len);
        c.as.s.len = (uint32_t)len;
    } else {
        return expected(A, kind, "a constant kind: int, float or string");
    }
    if (add_const(A, c, kind->col, &k))
        expect_end(A, "the constant");
    return true;
}

/* ===== pass 3: module directives, fields, globals ========================= */

static bool define_source(assembler *A)
{
    const token *t = take(A);
    if (t->kind != TK_STRING)
        return expected(A, t, "the source file name as a quoted string");
    if (A->source_line)
        return error(A, t->col, "duplicate .source (the first is on line %d)", A->source_line);
    A->source_line = A->line_no;
    size_t len;
    char *s = decode_string(t, &len);
    if (memchr(s, '\0', len)) {
        free(s);
        return error(A, t->col, "a file name cannot contain a NUL byte");
    }
    free(A->m->source_file);
    A->m->source_file = len ? s : NULL; /* "" means none, as in files */
    if (!len)
        free(s);
    return expect_end(A, ".source");
}

/* .entry NAME|#N|none and .init NAME|#N|none */
static bool define_entry_or_init(assembler *A, const char *directive, int *seen_line, uint16_t *field)
{
    const token *t = peek(A);
    if (*seen_line)
        return error(A, t->col, "duplicate %s (the first is on line %d)", directive, *seen_line);
    *seen_line = A->line_no;
    uint16_t f;
    if (t->kind == TK_IDENT && t->len == 4 && memcmp(t->text, "none", 4) == 0) {
        A->cur++;
        f = BVM_NO_FUNC;
    } else if (!parse_ref(A, &A->funcs, 0, "function", &f)) {
        return false;
    }
    *field = f;
    return expect_end(A, directive);
}

static bool define_entry(assembler *A) { return define_entry_or_init(A, ".entry", &A->entry_line, &A->m->entry); }
static bool define_init(assembler *A) { return define_entry_or_init(A, ".init", &A->init_line, &A->m->init); }

static bool define_record(assembler *A)
{
    size_t len;
    char *name = parse_name(A, "record name", &len);
    if (!name)
        return false;
    free(name);
    uint32_t r = A->records_seen++;
    if (r >= A->m->nrecords)
        return error(A, A->stmt->col, "too many records (at most %u)", BVM_MAX_TABLE);
    A->block_index = (int32_t)r;
    return expect_end(A, "the record header");
}

static bool define_field(assembler *A)
{
    type_syntax ts;
    size_t len;
    char *name = parse_declaration(A, "field name", &ts, &len);
    if (!name)
        return false;
    free(name);
    uint32_t k = A->fields_seen++;
    if (A->block_index < 0)
        return false; /* the record's header was in error */
    bvm_record *r = &A->m->records[A->block_index];
    if (k >= r->nfields)
        return error(A, A->stmt->col, "too many fields in record '%s' (at most %u)", r->name, BVM_MAX_TABLE);
    uint16_t type;
    if (resolve_type(A, &ts, ts.dims, true, &type))
        r->fields[k].type = type;
    return expect_end(A, "the field");
}

static bool define_global(assembler *A)
{
    type_syntax ts;
    size_t len;
    char *name = parse_declaration(A, "global name", &ts, &len);
    if (!name)
        return false;
    free(name);
    uint32_t g = A->globals_seen++;
    if (g >= A->m->nglobals)
        return error(A, A->stmt->col, "too many globals (at most %u)", BVM_MAX_TABLE);
    uint16_t type;
    if (resolve_type(A, &ts, ts.dims, true, &type))
        A->m->globals[g].type = type;
    return expect_end(A, "the global");
}

/* ===== pass 3: functions ================================================== */

static bool add_slot(assembler *A, uint16_t type, const token *name_tok)
{
    fn_state *fn = &A->fn;
    if (fn->nlocals >= BVM_MAX_TABLE)
        return error(A, name_tok ? name_tok->col : 1, "too many locals (at most %u)", BVM_MAX_TABLE);
    if (name_tok) {
        size_t len;
        char *name = name_of(A, name_tok, "local name", &len);
        if (!name)
            return false;
        uint32_t other = 0;
        bool taken = bvm_map_get(&fn->slots, 0, name, len, &other);
        if (!taken)
            bvm_map_add(&fn->slots, 0, name, len, fn->nlocals);
        free(name);
        if (taken)
            return error(A, name_tok->col, "local name '%.*s' is already slot %u", (int)name_tok->len, name_tok->text,
                         other);
    }
    BVM_PUSH(fn->local_types, fn->nlocals, fn->locals_cap, type);
    return true;
}

/* .func RET NAME(TYPE [NAME], ...) */
static bool begin_function(assembler *A)
{
    type_syntax ret;
    size_t len;
    char *name = NULL;
    if (!parse_type_syntax(A, &ret) || !(name = parse_name(A, "function name", &len)))
        return false;
    free(name);
    uint32_t index = A->funcs_seen++;
    if (index >= A->m->nfuncs)
        return error(A, A->stmt->col, "too many functions (at most %u)", BVM_MAX_TABLE);
    A->block_index = (int32_t)index;
    A->fn = (fn_state){.index = index, .line = A->line_no};
    bvm_function *f = &A->m->funcs[index];
    if (!resolve_type(A, &ret, ret.dims, true, &f->ret_type) || !expect(A, '(', "after the function name"))
        return false;
    if (!accept(A, ')')) {
        do {
            uint16_t type;
            if (!parse_type(A, &type))
                return false;
            const token *param_name = NULL;
            if (!is_punct(peek(A), ',') && !is_punct(peek(A), ')'))
                param_name = take(A);
            if (!add_slot(A, type, param_name))
                return false;
            A->fn.nparams++;
        } while (accept(A, ','));
        if (!expect(A, ')', "after the parameters"))
            return false;
    }
    return expect_end(A, "the function header");
}

/* The builder's label for a name, made at its first use or definition. */
static uint32_t label_named(fn_state *fn, const token *name)
{
    uint32_t label;
    if (!bvm_map_get(&fn->labels, 0, name->text, name->len, &label)) {
        label = bvm_builder_new_label(&fn->b);
        bvm_map_add(&fn->labels, 0, name->text, name->len, label);
    }
    return label;
}

static bool add_fixup(assembler *A, bvm_fixup_kind kind, uint32_t index, const token *label)
{
    fn_state *fn = &A->fn;
    label_use use = {label->text, label->len, A->line_no, label->col};
    BVM_PUSH(fn->uses, fn->nuses, fn->uses_cap, use);
    bvm_builder_use_label(&fn->b, kind, index, label_named(fn, label), fn->nuses - 1);
    return true;
}

/* A pc in a table (line, handler, var): a label or a number. */
static bool parse_pc(assembler *A, bvm_fixup_kind kind, uint32_t index, uint32_t *out)
{
    accept(A, ','); /* commas between operands are optional */
    const token *t = peek(A);
    if (t->kind == TK_IDENT) {
        A->cur++;
        *out = 0; /* set by the fixup */
        return add_fixup(A, kind, index, t);
    }
    int64_t v;
    if (t->kind != TK_NUMBER)
        return expected(A, t, "a pc (a label or a number)");
    if (!parse_int(A, 0, UINT32_MAX, "pc", &v))
        return false;
    *out = (uint32_t)v;
    return true;
}

static bool define_local(assembler *A)
{
    const token *dir = A->stmt;
    if (A->fn.code_started)
        return error(A, dir->col, "'.local' must come before the function's first instruction");
    uint16_t type;
    if (!parse_type(A, &type))
        return false;
    const token *name = peek(A)->kind == TK_END ? NULL : take(A);
    return add_slot(A, type, name) && expect_end(A, "the local");
}

static bool define_max_stack(assembler *A)
{
    const token *dir = A->stmt;
    if (A->fn.has_max_stack)
        return error(A, dir->col, "duplicate .max_stack");
    int64_t v;
    if (!parse_int(A, 0, 0xFFFF, "max_stack", &v))
        return false;
    A->fn.has_max_stack = true;
    A->fn.max_stack = (uint16_t)v;
    return expect_end(A, ".max_stack");
}

/* .line N        line N from the current pc on
 * .line N PC     a line table entry with an explicit pc */
static bool define_line(assembler *A)
{
    fn_state *fn = &A->fn;
    int64_t line;
    if (!parse_int(A, 0, UINT32_MAX, "line number", &line))
        return false;
    bvm_line entry = {.pc = bvm_builder_pc(&fn->b), .line = (uint32_t)line};
    uint32_t fixups = fn->b.nfixups;
    if (peek(A)->kind != TK_END && !parse_pc(A, BVM_FIX_LINE, fn->b.nlines, &entry.pc)) {
        fn->b.nfixups = fixups;
        return false;
    }
    BVM_PUSH(fn->b.lines, fn->b.nlines, fn->b.lines_cap, entry);
    return expect_end(A, ".line");
}

/* .handler START END TARGET */
static bool define_handler(assembler *A)
{
    fn_state *fn = &A->fn;
    bvm_handler h;
    uint32_t i = fn->b.nhandlers, fixups = fn->b.nfixups;
    if (!parse_pc(A, BVM_FIX_HANDLER_START, i, &h.start) || !parse_pc(A, BVM_FIX_HANDLER_END, i, &h.end) ||
        !parse_pc(A, BVM_FIX_HANDLER_TARGET, i, &h.handler)) {
        fn->b.nfixups = fixups; /* no entry i: forget the labels it used */
        return false;
    }
    BVM_PUSH(fn->b.handlers, fn->b.nhandlers, fn->b.handlers_cap, h);
    return expect_end(A, ".handler");
}

/* A local operand: a slot name or #N. */
static bool parse_slot(assembler *A, uint16_t *out)
{
    const token *t = peek(A);
    if (t->kind == TK_INDEX) {
        A->cur++;
        return index_value(A, t, out);
    }
    if (t->kind != TK_IDENT && t->kind != TK_STRING)
        return expected(A, t, "a local (a slot name or #N)");
    return parse_ref(A, &A->fn.slots, 0, "local", out);
}

/* .var NAME [SLOT] START END -- a debug name for SLOT over pcs [START, END);
 * without SLOT, the slot whose assembly name is NAME. */
static bool define_var(assembler *A)
{
    fn_state *fn = &A->fn;
    const token *name_tok = peek(A);
    size_t len;
    char *name = parse_name(A, "variable name", &len);
    if (!name)
        return false;
    bvm_local_name v = {.name = name};
    uint32_t fixups = fn->b.nfixups, operands_left = 0;
    for (uint32_t i = A->cur; A->toks[i].kind != TK_END; i++)
        operands_left += !is_punct(&A->toks[i], ',');
    bool ok;
    if (operands_left == 2) {
        uint32_t slot;
        ok = bvm_map_get(&fn->slots, 0, name, len, &slot);
        if (!ok)
            error(A, name_tok->col, "no local is named '%.*s'; name its slot: .var NAME SLOT START END",
                  (int)name_tok->len, name_tok->text);
        v.slot = (uint16_t)slot;
    } else {
        accept(A, ',');
        ok = parse_slot(A, &v.slot);
    }
    ok = ok && parse_pc(A, BVM_FIX_NAME_START, fn->b.nnames, &v.start) &&
         parse_pc(A, BVM_FIX_NAME_END, fn->b.nnames, &v.end);
    if (!ok) {
        fn->b.nfixups = fixups;
        free(name);
        return false;
    }
    BVM_PUSH(fn->b.names, fn->b.nnames, fn->b.names_cap, v);
    return expect_end(A, ".var");
}

/* .byte B, B, ... -- raw code bytes, for code no instruction spells. */
static bool define_byte(assembler *A)
{
    bvm_buf bytes = {0};
    do {
        int64_t v;
        if (!parse_int(A, 0, 255, "byte", &v)) {
            bvm_buf_free(&bytes);
            return false;
        }
        bvm_buf_u8(&bytes, (uint8_t)v);
    } while (accept(A, ',') || peek(A)->kind == TK_NUMBER);
    bool ok = expect_end(A, ".byte");
    if (ok) {
        bvm_buf_put(&A->fn.b.code, bytes.data, bytes.len);
        A->fn.code_started = true;
    }
    bvm_buf_free(&bytes);
    return ok;
}

static bool define_label(assembler *A, const token *t)
{
    fn_state *fn = &A->fn;
    uint32_t label = label_named(fn, t);
    if (fn->b.label_pc[label] != BVM_LABEL_UNPLACED)
        return error(A, t->col, "duplicate label '%.*s'", (int)t->len, t->text);
    bvm_builder_place_label(&fn->b, label);
    return true;
}

/* ---- instructions --------------------------------------------------------- */

/* What each operand format expects, for messages. */
static const char *const operand_help[BVM_FMT__COUNT] = {
    [BVM_FMT_NONE] = "no operands",
    [BVM_FMT_U8] = "a byte operand (true, false or 0 to 255)",
    [BVM_FMT_I32] = "a 32-bit int operand",
    [BVM_FMT_CONST] = "a constant operand (a literal such as 42, 1.5 or \"text\", or #N)",
    [BVM_FMT_LOCAL] = "a local operand (a slot name or #N)",
    [BVM_FMT_LOCAL_I32] = "a local and a 32-bit int (such as: i, 1)",
    [BVM_FMT_GLOBAL] = "a global operand (a name or #N)",
    [BVM_FMT_FUNC] = "a function operand (a name or #N)",
    [BVM_FMT_TYPE] = "a type operand (such as int[], Node or #N)",
    [BVM_FMT_FIELD] = "a field operand (Record.field, or #R.#F)",
    [BVM_FMT_JUMP] = "a jump target (a label, or an offset such as +5 or -12)",
};

static bool is_float_text(const token *t)
{
    const char *s = t->text;
    size_t len = t->len;
    if (len && (s[0] == '+' || s[0] == '-'))
        s++, len--;
    if (len >= 2 && s[0] == '0' && (s[1] | 0x20) == 'x')
        return false;
    return memchr(s, '.', len) || memchr(s, 'e', len) || memchr(s, 'E', len) || memchr(s, 'n', len);
}

/* ldc / sfmt operand: #N, or a literal naming the first equal constant
 * (added to the table when there is none). */
static bool parse_const(assembler *A, uint16_t *out)
{
    const token *t = peek(A);
    bvm_const c = {0};
    if (t->kind == TK_INDEX) {
        A->cur++;
        return index_value(A, t, out);
    } else if (t->kind == TK_STRING) {
        A->cur++;
        size_t len;
        c.kind = BVM_CONST_STRING;
        c.as.s.chars = decode_string(t, &len);
        c.as.s.len = (uint32_t)len;
    } else if (t->kind == TK_NUMBER && is_float_text(t)) {
        c.kind = BVM_CONST_FLOAT;
        if (!float_literal(A, &c.as.f))
            return false;
    } else if (t->kind == TK_NUMBER) {
        int64_t v;
        if (!parse_int(A, INT64_MIN, INT64_MAX, "int constant", &v))
            return false;
        c = (bvm_const){.kind = BVM_CONST_INT, .as.i = v};
    } else {
        return expected(A, t, operand_help[BVM_FMT_CONST]);
    }
    uint32_t k;
    bool found = c.kind == BVM_CONST_STRING ? bvm_map_get(&A->consts, c.kind, c.as.s.chars, c.as.s.len, &k)
                                            : bvm_map_get(&A->consts, c.kind, &c.as, 8, &k);
    if (found) {
        if (c.kind == BVM_CONST_STRING)
            free(c.as.s.chars);
        *out = (uint16_t)k;
        return true;
    }
    return add_const(A, c, t->col, out);
}

/* getfield / putfield operand: RECORD.FIELD, each part a name or #N. */
static bool parse_field(assembler *A, uint16_t *record, uint16_t *field)
{
    if (!parse_ref(A, &A->records, 0, "record", record) || !expect(A, '.', "between the record and the field"))
        return false;
    const token *t = peek(A);
    if (t->kind == TK_INDEX) {
        A->cur++;
        return index_value(A, t, field);
    }
    if (*record >= A->m->nrecords)
        return error(A, t->col, "record #%u does not exist, so its fields can only be given as #N", *record);
    size_t len;
    char *name = name_of(A, t, "field name", &len);
    if (!name)
        return false;
    uint32_t v;
    bool found = bvm_map_get(&A->fields, *record, name, len, &v);
    free(name);
    if (!found)
        return error(A, t->col, "record '%s' has no field '%.*s'", A->m->records[*record].name, (int)t->len, t->text);
    A->cur++;
    *field = (uint16_t)v;
    return true;
}

static bool assemble_instruction(assembler *A)
{
    fn_state *fn = &A->fn;
    const token *mn = take(A);
    char mnemonic[16] = "";
    if (mn->kind == TK_IDENT && mn->len < sizeof mnemonic)
        memcpy(mnemonic, mn->text, mn->len);
    int op = mn->kind == TK_IDENT ? bvm_op_by_mnemonic(mnemonic) : -1;
    if (op < 0) {
        char b[64];
        if (mn->kind == TK_IDENT)
            return error(A, mn->col, "unknown instruction %s", describe(mn, b, sizeof b));
        return expected(A, mn, "an instruction or a directive");
    }
    const bvm_op_info *info = bvm_op((unsigned)op);
    uint8_t enc[8] = {(uint8_t)op};
    uint32_t pc = bvm_builder_pc(&fn->b);
    const token *label = NULL;
    uint16_t a = 0, b = 0;
    int64_t v = 0;
    bool ok = true;
    if (info->format != BVM_FMT_NONE && peek(A)->kind == TK_END)
        ok = error(A, peek(A)->col, "'%s' needs %s", info->mnemonic, operand_help[info->format]);
    else
        switch (info->format) {
        case BVM_FMT_NONE:
            break;
        case BVM_FMT_U8:
            if (is_word(peek(A), "true") || is_word(peek(A), "false"))
                v = is_word(take(A), "true");
            else
                ok = parse_int(A, 0, 255, "byte", &v);
            enc[1] = (uint8_t)v;
            break;
        case BVM_FMT_I32:
            ok = parse_int(A, INT32_MIN, INT32_MAX, "int operand", &v);
            bvm_write_i32(enc + 1, (int32_t)v);
            break;
        case BVM_FMT_CONST:
            ok = parse_const(A, &a);
            bvm_write_u16(enc + 1, a);
            break;
        case BVM_FMT_LOCAL:
            ok = parse_slot(A, &a);
            bvm_write_u16(enc + 1, a);
            break;
        case BVM_FMT_LOCAL_I32:
            ok = parse_slot(A, &a);
            accept(A, ',');
            ok = ok && parse_int(A, INT32_MIN, INT32_MAX, "int operand", &v);
            bvm_write_u16(enc + 1, a);
            bvm_write_i32(enc + 3, (int32_t)v);
            break;
        case BVM_FMT_GLOBAL:
            ok = parse_ref(A, &A->globals, 0, "global", &a);
            bvm_write_u16(enc + 1, a);
            break;
        case BVM_FMT_FUNC:
            ok = parse_ref(A, &A->funcs, 0, "function", &a);
            bvm_write_u16(enc + 1, a);
            break;
        case BVM_FMT_TYPE:
            ok = parse_type(A, &a);
            bvm_write_u16(enc + 1, a);
            break;
        case BVM_FMT_FIELD:
            ok = parse_field(A, &a, &b);
            bvm_write_u16(enc + 1, a);
            bvm_write_u16(enc + 3, b);
            break;
        case BVM_FMT_JUMP:
            if (peek(A)->kind == TK_IDENT)
                label = take(A);
            else
                ok = parse_int(A, INT32_MIN, INT32_MAX, "jump offset", &v);
            bvm_write_i32(enc + 1, (int32_t)v);
            break;
        case BVM_FMT__COUNT:
            break;
        }
    if (!ok)
        return false;
    if (peek(A)->kind != TK_END) {
        char b2[64];
        return error(A, peek(A)->col, "unexpected %s: '%s' takes %s", describe(peek(A), b2, sizeof b2),
                     info->mnemonic, operand_help[info->format]);
    }
    if (label)
        add_fixup(A, BVM_FIX_JUMP, pc, label);
    bvm_buf_put(&fn->b.code, enc, info->length);
    fn->code_started = true;
    return true;
}

static void report_unknown_label(void *context, const bvm_fixup *fixup)
{
    assembler *A = context;
    const label_use *use = &A->fn.uses[fixup->tag];
    error_at_line(A, use->line, use->col, "unknown label '%.*s' in function '%s'", (int)use->label_len, use->label,
                  A->m->funcs[A->fn.index].name);
}

/* The function's `.end`: patch label uses, move everything into the module. */
static void finish_function(assembler *A)
{
    fn_state *fn = &A->fn;
    bvm_function *f = &A->m->funcs[fn->index];
    bvm_builder_resolve(&fn->b, report_unknown_label, A);
    if (!fn->has_max_stack)
        error_at_line(A, fn->line, 1, "function '%s' has no .max_stack (the deepest its operand stack gets)", f->name);
    if (fn->b.code.len > UINT32_MAX / 2)
        error_at_line(A, fn->line, 1, "function '%s' has too much code", f->name);

    f->nparams = fn->nparams;
    f->nlocals = (uint16_t)fn->nlocals;
    f->local_types = fn->local_types;
    f->max_stack = fn->max_stack;
    bvm_builder_finish(&fn->b, f);
    free(fn->uses);
    bvm_map_free(&fn->labels);
    bvm_map_free(&fn->slots);
    *fn = (fn_state){0};
}

/* ===== lines, blocks and passes =========================================== */

static const char *block_name(block_kind b) { return b == BLOCK_RECORD ? ".record" : ".func"; }

static void close_block(assembler *A)
{
    if (A->pass == 3 && A->block == BLOCK_FUNC && A->block_index >= 0)
        finish_function(A);
    A->block = BLOCK_NONE;
    A->block_index = -1;
}

/* .record / .func / .end: the block structure, followed alike in every
 * pass so that the passes agree on what belongs to which block. */
static bool block_directive(assembler *A, const token *dir)
{
    bool is_end = dir->len == 4 && memcmp(dir->text, ".end", 4) == 0;
    A->report = A->pass == 3; /* structure errors are pass 3's to report */
    if (A->block != BLOCK_NONE && !is_end) {
        error(A, dir->col, "'%s' block opened on line %d has no '.end'", block_name(A->block), A->block_line);
        A->line_error = false; /* still report this line's own errors */
    }
    if (is_end) {
        if (A->block == BLOCK_NONE)
            error(A, dir->col, "'.end' without a '.record' or '.func' to end");
        close_block(A);
        return expect_end(A, ".end");
    }
    close_block(A);
    A->block = dir->text[1] == 'r' ? BLOCK_RECORD : BLOCK_FUNC;
    A->block_line = A->line_no;
    A->fields_seen = 0;
    bool record = A->block == BLOCK_RECORD;
    if (A->pass == 1) {
        A->report = false;
        return record ? declare_record(A) : declare_function(A);
    }
    if (A->pass == 3) {
        A->report = true;
        return record ? define_record(A) : begin_function(A);
    }
    return true;
}

typedef enum { AT_TOP, AT_RECORD, AT_FUNC } placement;

static const struct {
    const char *name;
    placement where;
    int pass;                          /* the pass that handles it...        */
    bool (*handle)(assembler *A);
    bool (*declare)(assembler *A);     /* ...and what pass 1 does, if any    */
} directives[] = {
    {".source", AT_TOP, 3, define_source, NULL},
    {".entry", AT_TOP, 3, define_entry, NULL},
    {".init", AT_TOP, 3, define_init, NULL},
    {".type", AT_TOP, 2, define_type, NULL},
    {".const", AT_TOP, 2, define_const, NULL},
    {".global", AT_TOP, 3, define_global, declare_global},
    {".field", AT_RECORD, 3, define_field, declare_field},
    {".local", AT_FUNC, 3, define_local, NULL},
    {".max_stack", AT_FUNC, 3, define_max_stack, NULL},
    {".line", AT_FUNC, 3, define_line, NULL},
    {".handler", AT_FUNC, 3, define_handler, NULL},
    {".var", AT_FUNC, 3, define_var, NULL},
    {".byte", AT_FUNC, 3, define_byte, NULL},
};

static bool placed_right(assembler *A, placement where, const token *t, const char *what)
{
    block_kind need = where == AT_TOP ? BLOCK_NONE : where == AT_RECORD ? BLOCK_RECORD : BLOCK_FUNC;
    if (A->block == need)
        return true;
    if (where == AT_TOP)
        return error(A, t->col, "%s must be outside any '.record' or '.func' block (missing '.end'?)", what);
    return error(A, t->col, "%s must be inside a '%s' block", what, where == AT_RECORD ? ".record" : ".func");
}

static bool assemble_directive(assembler *A, const token *dir)
{
    static const char *const block_directives[] = {".record", ".func", ".end"};
    for (size_t i = 0; i < 3; i++)
        if (strlen(block_directives[i]) == dir->len && memcmp(block_directives[i], dir->text, dir->len) == 0)
            return block_directive(A, dir);
    for (size_t i = 0; i < sizeof directives / sizeof directives[0]; i++) {
        if (strlen(directives[i].name) != dir->len || memcmp(directives[i].name, dir->text, dir->len) != 0)
            continue;
        bool (*handler)(assembler *) = A->pass == directives[i].pass ? directives[i].handle
                                       : A->pass == 1               ? directives[i].declare
                                                                    : NULL;
        if (!handler)
            return true; /* another pass's business */
        A->report = A->pass != 1;
        char what[40];
        snprintf(what, sizeof what, "'%s'", directives[i].name);
        if (!placed_right(A, directives[i].where, dir, what))
            return false;
        /* Inside a function or record whose header was in error, keep quiet. */
        if (directives[i].where != AT_TOP && A->block_index < 0)
            return true;
        return handler(A);
    }
    A->report = A->pass == 3;
    return error(A, dir->col, "unknown directive '%.*s'", (int)dir->len, dir->text);
}

static void assemble_line(assembler *A)
{
    A->cur = 0;
    A->line_error = false;
    A->report = A->pass == 1; /* lexical errors: pass 1 */
    if (!tokenize(A) || peek(A)->kind == TK_END)
        return;
    const token *label = NULL;
    if (peek(A)->kind == TK_IDENT && is_punct(&A->toks[1], ':')) {
        label = peek(A);
        A->cur = 2;
    }
    const token *t = peek(A);
    if (A->pass == 3 && label) {
        A->report = true;
        if (placed_right(A, AT_FUNC, label, "a label") && A->block_index >= 0)
            define_label(A, label);
        A->line_error = false;
    }
    if (t->kind == TK_DIRECTIVE) {
        A->stmt = take(A);
        assemble_directive(A, t);
        return;
    }
    if (t->kind == TK_END || A->pass != 3)
        return;
    A->report = true;
    A->stmt = t;
    if (placed_right(A, AT_FUNC, t, "an instruction") && A->block_index >= 0)
        assemble_instruction(A);
}

static void run_pass(assembler *A, int pass)
{
    A->pass = pass;
    A->block = BLOCK_NONE;
    A->block_index = -1;
    A->records_seen = A->globals_seen = A->funcs_seen = 0;
    A->line_no = 0;
    const char *p = A->text, *end = A->text + A->text_len;
    while (p < end) {
        const char *newline = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = newline ? newline : end;
        A->line_no++;
        A->line = p;
        A->line_len = (size_t)(line_end - p);
        if (A->line_len && A->line[A->line_len - 1] == '\r')
            A->line_len--;
        assemble_line(A);
        p = newline ? newline + 1 : end;
    }
    if (A->block != BLOCK_NONE && pass == 3)
        error_at_line(A, A->block_line, 1, "'%s' block has no '.end' before the end of the file", block_name(A->block));
    close_block(A);
}

/* The passes find errors pass by pass; show them in the order of the text.
 * A stable insertion sort of the diagnostics this call added (at most
 * BVM_DIAG_MAX of them). */
static void sort_diagnostics(bvm_diags *d, int first)
{
    for (int i = first + 1; i < d->count; i++) {
        bvm_diag item = d->items[i];
        int j = i;
        while (j > first && (d->items[j - 1].line > item.line ||
                             (d->items[j - 1].line == item.line && d->items[j - 1].col > item.col))) {
            d->items[j] = d->items[j - 1];
            j--;
        }
        d->items[j] = item;
    }
}

bvm_module *bvm_assemble(const char *text, size_t len, const char *file, bvm_diags *diags)
{
    int first_diag = diags->count;
    assembler A = {.m = bvm_module_new(), .file = file, .diags = diags, .text = text, .text_len = len};
    if (len > INT_MAX) {
        bvm_diag_file(diags, file, "assembly text of %zu bytes is too large", len);
        bvm_module_free(A.m);
        return NULL;
    }
    for (int pass = 1; pass <= 3; pass++)
        run_pass(&A, pass);
    /* Without .entry / .init: the functions named as the compiler names them. */
    uint32_t f;
    if (!A.entry_line && bvm_map_get(&A.funcs, 0, "main", 4, &f))
        A.m->entry = (uint16_t)f;
    if (!A.init_line && bvm_map_get(&A.funcs, 0, "$init", 5, &f))
        A.m->init = (uint16_t)f;

    free(A.toks);
    bvm_map_free(&A.funcs);
    bvm_map_free(&A.records);
    bvm_map_free(&A.globals);
    bvm_map_free(&A.fields);
    bvm_map_free(&A.types);
    bvm_map_free(&A.consts);
    if (A.failed) {
        sort_diagnostics(diags, first_diag);
        bvm_module_free(A.m);
        return NULL;
    }
    return A.m;
}
