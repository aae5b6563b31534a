/*
 * lexer.h -- Vela source text to tokens.
 *
 * bvm_lex turns the whole source into an array of tokens at once (the
 * parser needs up to three tokens of look-ahead, and an array makes that
 * trivial).  Every error is reported as a file:line:col diagnostic and the
 * lexer keeps going, so one run finds all lexical errors.
 *
 * Invariants of the token array it produces:
 *   - it is never empty and ends with exactly one BVM_TOK_EOF token;
 *   - tokens are in source order; line and col are 1-based, col counting
 *     bytes (a tab is one column);
 *   - `text`/`len` point into the caller's source buffer, which must outlive
 *     the tokens; decoded string values live in the arena;
 *   - a BVM_TOK_ERROR token stands for bytes that could not start any token,
 *     or for an unterminated string, character literal or comment (which
 *     swallowed the rest of its line or file); its error was already
 *     reported, so the parser reports nothing for it.  A literal with a bad
 *     part (a bad escape, a number too large) is reported but still yields a
 *     well-formed literal token, so a single mistake does not cascade into
 *     parse errors.
 */
#ifndef BVM_LEXER_H
#define BVM_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "util.h"
#include "diag.h"

/* Every token kind: X(NAME, spelling).  Keywords and punctuation are
 * spelled as in the source; the others by what they are. */
#define BVM_TOKENS(X)                                            \
    X(EOF, "end of file")                                        \
    X(ERROR, "invalid character")                                \
    X(IDENT, "identifier")                                       \
    X(INT, "integer literal")                                    \
    X(FLOAT, "float literal")                                    \
    X(STRING, "string literal")                                  \
    /* keywords (keep in sync with BVM_TOK__FIRST_KEYWORD) */    \
    X(BOOL, "bool") X(BREAK, "break") X(CATCH, "catch")          \
    X(CONTINUE, "continue") X(ELSE, "else") X(FALSE, "false")    \
    X(FLOAT_KW, "float") X(FOR, "for") X(IF, "if")               \
    X(INT_KW, "int") X(NEW, "new") X(NULL, "null")               \
    X(RETURN, "return") X(STRING_KW, "string")                   \
    X(STRUCT, "struct") X(THROW, "throw") X(TRUE, "true")        \
    X(TRY, "try") X(VOID, "void") X(WHILE, "while")              \
    /* punctuation */                                            \
    X(PLUS, "+") X(MINUS, "-") X(STAR, "*") X(SLASH, "/")        \
    X(PERCENT, "%") X(AMP, "&") X(PIPE, "|") X(CARET, "^")       \
    X(TILDE, "~") X(SHL, "<<") X(SHR, ">>") X(BANG, "!")         \
    X(AND_AND, "&&") X(OR_OR, "||") X(EQ_EQ, "==")               \
    X(BANG_EQ, "!=") X(LT, "<") X(LT_EQ, "<=") X(GT, ">")        \
    X(GT_EQ, ">=") X(EQ, "=") X(PLUS_EQ, "+=")                   \
    X(MINUS_EQ, "-=") X(STAR_EQ, "*=") X(SLASH_EQ, "/=")         \
    X(PERCENT_EQ, "%=") X(AMP_EQ, "&=") X(PIPE_EQ, "|=")         \
    X(CARET_EQ, "^=") X(SHL_EQ, "<<=") X(SHR_EQ, ">>=")          \
    X(PLUS_PLUS, "++") X(MINUS_MINUS, "--") X(QUESTION, "?")     \
    X(COLON, ":") X(SEMI, ";") X(COMMA, ",") X(DOT, ".")         \
    X(LPAREN, "(") X(RPAREN, ")") X(LBRACKET, "[")               \
    X(RBRACKET, "]") X(LBRACE, "{") X(RBRACE, "}")

typedef enum {
#define X(name, text) BVM_TOK_##name,
    BVM_TOKENS(X)
#undef X
    BVM_TOK__COUNT
} bvm_token_kind;

typedef struct {
    bvm_token_kind kind;
    int line, col;
    const char *text;        /* the token's bytes in the source          */
    uint32_t len;
    bool decimal;            /* INT: written in decimal (hex and character
                                literals are bit patterns, any 64 bits) */
    union {
        /* INT: the magnitude as written.  A decimal literal may be 2^63
         * (only valid right after a unary minus: the parser decides);
         * a hexadecimal one is any 64-bit pattern. */
        uint64_t int_value;
        double float_value;  /* FLOAT */
        bvm_bytes string;   /* STRING: decoded bytes, in the arena      */
    } as;
} bvm_token;

typedef struct {
    bvm_token *items;        /* malloc'd; [count], last is BVM_TOK_EOF   */
    size_t count;
} bvm_token_list;

/* Largest source the compiler accepts; bounds every table it builds. */
#define BVM_MAX_SOURCE_BYTES (16u * 1024 * 1024)

/* Tokenize source[0..len).  Always fills *out (free it with
 * bvm_token_list_free); errors go to diags. */
void bvm_lex(const char *source, size_t len, const char *file, bvm_arena *arena, bvm_diags *diags,
             bvm_token_list *out);
void bvm_token_list_free(bvm_token_list *list);

/* "end of file", "identifier", "while", "<=" ... */
const char *bvm_token_kind_name(bvm_token_kind kind);

/* Keyword kind for an identifier-shaped word, or BVM_TOK_IDENT. */
bvm_token_kind bvm_keyword_kind(const char *word, size_t len);

#endif
