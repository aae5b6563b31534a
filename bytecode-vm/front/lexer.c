/*
 * lexer.c -- Vela source text to tokens (see lexer.h).
 *
 * A single forward scan over the bytes.  The scanner is deliberately
 * strict about the bytes it accepts, because the language is small and a
 * precise message at the right column helps a student more than leniency:
 *
 *   - outside string literals, character literals and comments only
 *     printable ASCII, spaces, tabs, carriage returns and newlines may
 *     appear; a run of other bytes (UTF-8 letters, control characters) is
 *     reported once, as one error token;
 *   - a NUL byte is rejected everywhere, even in comments and literals;
 *   - numbers are checked for range here, with the single exception of the
 *     decimal 9223372036854775808, which is valid only after a unary minus
 *     (the parser knows whether one is there).
 */
#include "lexer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vmlab_chars.h"

typedef struct {
    const char *src;
    size_t len;
    size_t pos;              /* next byte to read                      */
    int line;
    size_t line_start;       /* offset of the first byte of this line  */
    const char *file;
    bvm_arena *arena;
    bvm_diags *diags;
    bvm_token *toks;
    size_t count, cap;
    bvm_buf scratch;         /* decoded bytes of the current literal   */
} lexer;

static const char *const token_names[BVM_TOK__COUNT] = {
#define X(name, text) [BVM_TOK_##name] = text,
    BVM_TOKENS(X)
#undef X
};

const char *bvm_token_kind_name(bvm_token_kind kind)
{
    return (unsigned)kind < BVM_TOK__COUNT ? token_names[kind] : "?";
}

bvm_token_kind bvm_keyword_kind(const char *word, size_t len)
{
    /* The keywords are the token kinds spelled with a lower-case letter. */
    for (int k = BVM_TOK_BOOL; k <= BVM_TOK_WHILE; k++)
        if (strlen(token_names[k]) == len && memcmp(token_names[k], word, len) == 0)
            return (bvm_token_kind)k;
    return BVM_TOK_IDENT;
}

/* ---- helpers -------------------------------------------------------------- */

static int peek_at(const lexer *lx, size_t ahead)
{
    size_t p = lx->pos + ahead;
    return p < lx->len ? (unsigned char)lx->src[p] : -1;
}

static int peek(const lexer *lx) { return peek_at(lx, 0); }

static int col_of(const lexer *lx, size_t offset) { return (int)(offset - lx->line_start) + 1; }

static void newline(lexer *lx)
{
    lx->line++;
    lx->line_start = lx->pos; /* pos is just past the '\n' */
}

/* Report an error at byte `offset` of the current line. */
static void error_at(lexer *lx, size_t offset, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void error_at(lexer *lx, size_t offset, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bvm_diag_vat(lx->diags, BVM_DIAG_ERROR, lx->file, lx->line, col_of(lx, offset), fmt, ap);
    va_end(ap);
}

static bvm_token *push_token(lexer *lx, bvm_token_kind kind, size_t start, int line, int col)
{
    BVM_GROW(lx->toks, lx->count, lx->cap);
    bvm_token *t = &lx->toks[lx->count++];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->line = line;
    t->col = col;
    t->text = lx->src + start;
    t->len = (uint32_t)(lx->pos - start);
    return t;
}

static bool is_ident_start(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool is_ident_char(int c) { return is_ident_start(c) || is_digit(c); }


/* Printable description of one byte for messages: 'q' or 0xC3. */
static void describe_byte(int c, char *buf, size_t size)
{
    if (c >= 0x21 && c < 0x7f)
        snprintf(buf, size, "'%c'", c);
    else
        snprintf(buf, size, "byte 0x%02X", (unsigned)c);
}

/* ---- comments and white space --------------------------------------------- */

static void skip_space_and_comments(lexer *lx)
{
    for (;;) {
        int c = peek(lx);
        if (c == ' ' || c == '\t' || c == '\r') {
            lx->pos++;
        } else if (c == '\n') {
            lx->pos++;
            newline(lx);
        } else if (c == '/' && peek_at(lx, 1) == '/') {
            while (peek(lx) != -1 && peek(lx) != '\n') {
                if (peek(lx) == 0)
                    error_at(lx, lx->pos, "NUL byte in source");
                lx->pos++;
            }
        } else if (c == '/' && peek_at(lx, 1) == '*') {
            size_t start = lx->pos;
            int start_line = lx->line;
            size_t start_line_start = lx->line_start;
            lx->pos += 2;
            for (;;) {
                int d = peek(lx);
                if (d == -1) {
                    int col = (int)(start - start_line_start) + 1;
                    bvm_diag_at(lx->diags, BVM_DIAG_ERROR, lx->file, start_line, col, "unterminated comment");
                    push_token(lx, BVM_TOK_ERROR, start, start_line, col); /* silences the parser at EOF */
                    return;
                }
                lx->pos++;
                if (d == '*' && peek(lx) == '/') {
                    lx->pos++;
                    break;
                }
                if (d == '\n')
                    newline(lx);
                else if (d == 0)
                    error_at(lx, lx->pos - 1, "NUL byte in source");
            }
        } else {
            return;
        }
    }
}

/* ---- numbers -------------------------------------------------------------- */

/* Report and consume letters or digits glued to the end of a number. */
static bool reject_suffix(lexer *lx)
{
    if (!is_ident_char(peek(lx)))
        return false;
    size_t start = lx->pos;
    while (is_ident_char(peek(lx)))
        lx->pos++;
    error_at(lx, start, "invalid suffix '%.*s' on number", (int)(lx->pos - start), lx->src + start);
    return true;
}

static void lex_hex(lexer *lx, size_t start, int line, int col)
{
    lx->pos += 2; /* 0x */
    uint64_t value = 0;
    int digits = 0; /* significant digits: leading zeros do not count */
    bool any = false;
    while (vmlab_digit_value(peek(lx)) >= 0) {
        int d = vmlab_digit_value(peek(lx));
        any = true;
        if (digits > 0 || d != 0)
            digits++;
        if (digits <= 16)
            value = value << 4 | (uint64_t)d;
        lx->pos++;
    }
    if (!any && !is_ident_char(peek(lx)))
        error_at(lx, start, "hexadecimal literal needs at least one digit after '0x'");
    else if (digits > 16)
        error_at(lx, start, "hexadecimal literal %.*s does not fit in 64 bits", (int)(lx->pos - start),
                 lx->src + start);
    reject_suffix(lx);
    bvm_token *t = push_token(lx, BVM_TOK_INT, start, line, col);
    t->as.int_value = digits > 16 ? 0 : value;
}

static void lex_number(lexer *lx)
{
    size_t start = lx->pos;
    int line = lx->line, col = col_of(lx, start);
    if (peek(lx) == '0' && (peek_at(lx, 1) == 'x' || peek_at(lx, 1) == 'X')) {
        lex_hex(lx, start, line, col);
        return;
    }
    while (is_digit(peek(lx)))
        lx->pos++;
    bool is_float = false, bad = false;
    if (peek(lx) == '.') {
        is_float = true;
        lx->pos++;
        if (!is_digit(peek(lx))) {
            error_at(lx, start, "a digit must follow '.' in a float literal (write %.*s0)",
                     (int)(lx->pos - start), lx->src + start);
            while (is_ident_char(peek(lx))) /* the rest of the malformed literal */
                lx->pos++;
            bad = true;
        }
        while (is_digit(peek(lx)))
            lx->pos++;
    }
    if (!bad && (peek(lx) == 'e' || peek(lx) == 'E')) {
        int after = peek_at(lx, 1);
        int sign = after == '+' || after == '-';
        if (is_digit(peek_at(lx, 1 + (size_t)sign))) {
            is_float = true;
            lx->pos += 1 + (size_t)sign;
            while (is_digit(peek(lx)))
                lx->pos++;
        } else if (sign || !is_ident_char(after)) {
            /* "1e", "1e+": an exponent with no digits */
            error_at(lx, start, "the exponent of float literal '%.*s' needs digits",
                     (int)(lx->pos + 1 + (size_t)sign - start), lx->src + start);
            lx->pos += 1 + (size_t)sign;
            bad = true;
            is_float = true;
        }
    }
    size_t end = lx->pos;
    bad |= reject_suffix(lx);

    if (is_float) {
        double value = 0.0;
        if (!bad) {
            /* strtod needs a NUL-terminated copy; literals are short. */
            char *copy = bvm_xstrndup(lx->src + start, end - start);
            value = strtod(copy, NULL);
            free(copy);
            if (isinf(value)) {
                error_at(lx, start, "float literal %.*s is too large", (int)(end - start), lx->src + start);
                value = 0.0;
            }
        }
        bvm_token *t = push_token(lx, BVM_TOK_FLOAT, start, line, col);
        t->as.float_value = value;
        return;
    }

    uint64_t value = 0;
    bool too_large = false;
    for (size_t i = start; i < end; i++) {
        unsigned d = (unsigned)(lx->src[i] - '0');
        if (value > (UINT64_MAX - d) / 10)
            too_large = true;
        else
            value = value * 10 + d;
    }
    if (!bad && end - start > 1 && lx->src[start] == '0') {
        error_at(lx, start,
                 "integer literal %.*s starts with 0 (octal is not supported; write it without leading zeros)",
                 (int)(end - start), lx->src + start);
        value = 0;
    } else if (!bad && (too_large || value > (uint64_t)INT64_MAX + 1)) {
        error_at(lx, start, "integer literal %.*s is too large (the largest int is 9223372036854775807)",
                 (int)(end - start), lx->src + start);
        value = 0;
    }
    bvm_token *t = push_token(lx, BVM_TOK_INT, start, line, col);
    t->decimal = true;
    t->as.int_value = bad ? 0 : value;
}

/* ---- strings and characters ----------------------------------------------- */

/* Decode one escape sequence after the backslash at lx->pos - 1.  Appends
 * the byte to scratch; reports a bad escape and appends nothing. */
static void lex_escape(lexer *lx)
{
    size_t backslash = lx->pos - 1;
    int c = peek(lx);
    uint8_t byte;
    switch (c) {
    case 'n': byte = '\n'; break;
    case 't': byte = '\t'; break;
    case 'r': byte = '\r'; break;
    case '0': byte = '\0'; break;
    case '\\': byte = '\\'; break;
    case '"': byte = '"'; break;
    case '\'': byte = '\''; break;
    case 'x': {
        int hi = vmlab_digit_value(peek_at(lx, 1)), lo = vmlab_digit_value(peek_at(lx, 2));
        if (hi < 0 || lo < 0) {
            error_at(lx, backslash, "escape sequence '\\x' needs two hexadecimal digits");
            lx->pos++;
            return;
        }
        lx->pos += 3;
        bvm_buf_u8(&lx->scratch, (uint8_t)(hi << 4 | lo));
        return;
    }
    default: {
        if (c == -1 || c == '\n')
            return; /* the caller reports the unterminated literal */
        char what[16];
        describe_byte(c, what, sizeof what);
        if (c >= 0x21 && c < 0x7f)
            error_at(lx, backslash, "unknown escape sequence '\\%c'", c);
        else
            error_at(lx, backslash, "unknown escape sequence: backslash followed by %s", what);
        lx->pos++;
        return;
    }
    }
    lx->pos++;
    bvm_buf_u8(&lx->scratch, byte);
}

/* The bytes between a quote at `start` and its closing twin, escapes
 * decoded, into lx->scratch.  False (error reported, error token pushed)
 * when the line ends first. */
static bool lex_quoted(lexer *lx, size_t start, int line, int col, char quote, const char *unterminated)
{
    lx->pos++; /* opening quote */
    lx->scratch.len = 0;
    for (;;) {
        int c = peek(lx);
        if (c == -1 || c == '\n') {
            error_at(lx, start, "%s", unterminated);
            push_token(lx, BVM_TOK_ERROR, start, line, col); /* the rest of the line is lost */
            return false;
        }
        lx->pos++;
        if (c == quote)
            return true;
        if (c == '\\') {
            lex_escape(lx);
        } else {
            if (c == 0)
                error_at(lx, lx->pos - 1, "NUL byte in source");
            bvm_buf_u8(&lx->scratch, (uint8_t)c);
        }
    }
}

static void lex_string(lexer *lx)
{
    size_t start = lx->pos;
    int line = lx->line, col = col_of(lx, start);
    if (!lex_quoted(lx, start, line, col, '"',
                    "unterminated string literal (strings must end on the line they start)"))
        return;
    bvm_token *t = push_token(lx, BVM_TOK_STRING, start, line, col);
    t->as.string.chars = bvm_arena_strndup(lx->arena, (const char *)lx->scratch.data, lx->scratch.len);
    t->as.string.len = (uint32_t)lx->scratch.len;
}

static void lex_char(lexer *lx)
{
    size_t start = lx->pos;
    int line = lx->line, col = col_of(lx, start);
    size_t errors_before = (size_t)lx->diags->errors;
    if (!lex_quoted(lx, start, line, col, '\'', "unterminated character literal"))
        return;
    if ((size_t)lx->diags->errors == errors_before) {
        if (lx->scratch.len == 0)
            error_at(lx, start, "empty character literal");
        else if (lx->scratch.len > 1)
            error_at(lx, start,
                     "character literal %.*s must hold exactly one byte (use a string for more)",
                     (int)(lx->pos - start), lx->src + start);
    }
    bvm_token *t = push_token(lx, BVM_TOK_INT, start, line, col);
    t->as.int_value = lx->scratch.len == 1 ? lx->scratch.data[0] : 0;
}

/* ---- punctuation ---------------------------------------------------------- */

/* Longest-match table: three-byte operators first, then two, then one. */
static const struct {
    const char *text;
    bvm_token_kind kind;
} punctuation[] = {
    {"<<=", BVM_TOK_SHL_EQ}, {">>=", BVM_TOK_SHR_EQ},
    {"<<", BVM_TOK_SHL},     {">>", BVM_TOK_SHR},       {"&&", BVM_TOK_AND_AND}, {"||", BVM_TOK_OR_OR},
    {"==", BVM_TOK_EQ_EQ},   {"!=", BVM_TOK_BANG_EQ},   {"<=", BVM_TOK_LT_EQ},   {">=", BVM_TOK_GT_EQ},
    {"+=", BVM_TOK_PLUS_EQ}, {"-=", BVM_TOK_MINUS_EQ},  {"*=", BVM_TOK_STAR_EQ}, {"/=", BVM_TOK_SLASH_EQ},
    {"%=", BVM_TOK_PERCENT_EQ}, {"&=", BVM_TOK_AMP_EQ}, {"|=", BVM_TOK_PIPE_EQ}, {"^=", BVM_TOK_CARET_EQ},
    {"++", BVM_TOK_PLUS_PLUS}, {"--", BVM_TOK_MINUS_MINUS},
    {"+", BVM_TOK_PLUS},     {"-", BVM_TOK_MINUS},      {"*", BVM_TOK_STAR},     {"/", BVM_TOK_SLASH},
    {"%", BVM_TOK_PERCENT},  {"&", BVM_TOK_AMP},        {"|", BVM_TOK_PIPE},     {"^", BVM_TOK_CARET},
    {"~", BVM_TOK_TILDE},    {"!", BVM_TOK_BANG},       {"<", BVM_TOK_LT},       {">", BVM_TOK_GT},
    {"=", BVM_TOK_EQ},       {"?", BVM_TOK_QUESTION},   {":", BVM_TOK_COLON},    {";", BVM_TOK_SEMI},
    {",", BVM_TOK_COMMA},    {".", BVM_TOK_DOT},        {"(", BVM_TOK_LPAREN},   {")", BVM_TOK_RPAREN},
    {"[", BVM_TOK_LBRACKET}, {"]", BVM_TOK_RBRACKET},   {"{", BVM_TOK_LBRACE},   {"}", BVM_TOK_RBRACE},
};

static bool lex_punctuation(lexer *lx)
{
    size_t left = lx->len - lx->pos;
    for (size_t i = 0; i < sizeof punctuation / sizeof punctuation[0]; i++) {
        size_t n = strlen(punctuation[i].text);
        if (n <= left && memcmp(lx->src + lx->pos, punctuation[i].text, n) == 0) {
            size_t start = lx->pos;
            lx->pos += n;
            push_token(lx, punctuation[i].kind, start, lx->line, col_of(lx, start));
            return true;
        }
    }
    return false;
}

/* A run of bytes that cannot start a token: one error, one ERROR token. */
static void lex_invalid(lexer *lx)
{
    size_t start = lx->pos;
    int c = peek(lx);
    if (c == 0) {
        error_at(lx, start, "NUL byte in source");
        while (peek(lx) == 0)
            lx->pos++;
    } else if (c >= 0x80) {
        error_at(lx, start,
                 "unexpected byte 0x%02X (non-ASCII characters are only allowed in strings and comments)",
                 (unsigned)c);
        while (peek(lx) >= 0x80)
            lx->pos++;
    } else if (c < 0x20 || c == 0x7f) {
        error_at(lx, start, "unexpected control character 0x%02X", (unsigned)c);
        lx->pos++;
    } else {
        error_at(lx, start, "unexpected character '%c'", c);
        lx->pos++;
    }
    push_token(lx, BVM_TOK_ERROR, start, lx->line, col_of(lx, start));
}

/* ---- driver --------------------------------------------------------------- */

void bvm_lex(const char *source, size_t len, const char *file, bvm_arena *arena, bvm_diags *diags,
             bvm_token_list *out)
{
    lexer lx = {.src = source, .len = len, .line = 1, .file = file, .arena = arena, .diags = diags};
    for (;;) {
        skip_space_and_comments(&lx);
        int c = peek(&lx);
        if (c == -1)
            break;
        size_t start = lx.pos;
        if (is_ident_start(c)) {
            while (is_ident_char(peek(&lx)))
                lx.pos++;
            bvm_token_kind kind = bvm_keyword_kind(source + start, lx.pos - start);
            push_token(&lx, kind, start, lx.line, col_of(&lx, start));
        } else if (is_digit(c)) {
            lex_number(&lx);
        } else if (c == '"') {
            lex_string(&lx);
        } else if (c == '\'') {
            lex_char(&lx);
        } else if (!lex_punctuation(&lx)) {
            lex_invalid(&lx);
        }
    }
    push_token(&lx, BVM_TOK_EOF, lx.pos, lx.line, col_of(&lx, lx.pos));
    bvm_buf_free(&lx.scratch);
    out->items = lx.toks;
    out->count = lx.count;
}

void bvm_token_list_free(bvm_token_list *list)
{
    free(list->items);
    list->items = NULL;
    list->count = 0;
}
