/*
 * test_lexer.c -- the Vela lexer (lexer.c): token kinds, values and
 * positions, every literal form, and every lexical error with its message
 * and location.  Tokens are compared through a compact text rendering
 * ("IDENT:x INT:3 ;") so each test reads like the source it checks.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "diag.h"
#include "lexer.h"
#include "util.h"

typedef struct {
    bvm_arena arena;
    bvm_diags diags;
    bvm_token_list toks;
} lexed;

static lexed *lex_n(const char *src, size_t len)
{
    lexed *l = calloc(1, sizeof *l);
    bvm_arena_init(&l->arena);
    bvm_diags_init(&l->diags);
    bvm_lex(src, len, "t.vela", &l->arena, &l->diags, &l->toks);
    return l;
}

static lexed *lex(const char *src) { return lex_n(src, strlen(src)); }

static void lexed_free(lexed *l)
{
    bvm_token_list_free(&l->toks);
    bvm_arena_free(&l->arena);
    bvm_diags_free(&l->diags);
    free(l);
}

/* One word per token, without the final EOF: IDENT:name, INT:value,
 * FLOAT:value, STRING:"decoded" (non-printables as \xHH), ERROR, and
 * keywords and punctuation as themselves. */
static char *render(const lexed *l)
{
    bvm_buf b = {0};
    for (size_t i = 0; i + 1 < l->toks.count; i++) {
        const bvm_token *t = &l->toks.items[i];
        if (i)
            bvm_buf_u8(&b, ' ');
        switch (t->kind) {
        case BVM_TOK_IDENT: bvm_buf_printf(&b, "IDENT:%.*s", (int)t->len, t->text); break;
        case BVM_TOK_INT: bvm_buf_printf(&b, "INT:%llu", (unsigned long long)t->as.int_value); break;
        case BVM_TOK_FLOAT: bvm_buf_printf(&b, "FLOAT:%g", t->as.float_value); break;
        case BVM_TOK_ERROR: bvm_buf_printf(&b, "ERROR"); break;
        case BVM_TOK_STRING:
            bvm_buf_printf(&b, "STRING:\"");
            for (uint32_t k = 0; k < t->as.string.len; k++) {
                unsigned char c = (unsigned char)t->as.string.chars[k];
                if (c >= 0x20 && c < 0x7f)
                    bvm_buf_u8(&b, c);
                else
                    bvm_buf_printf(&b, "\\x%02x", c);
            }
            bvm_buf_u8(&b, '"');
            break;
        default: bvm_buf_printf(&b, "%s", bvm_token_kind_name(t->kind)); break;
        }
    }
    bvm_buf_u8(&b, 0);
    return (char *)b.data;
}

/* The diagnostics as "line:col: message" lines joined with '\n'. */
static char *errors_of(const lexed *l)
{
    bvm_buf b = {0};
    for (int i = 0; i < l->diags.count; i++)
        bvm_buf_printf(&b, "%s%d:%d: %s", i ? "\n" : "", l->diags.items[i].line, l->diags.items[i].col,
                       l->diags.items[i].msg);
    bvm_buf_u8(&b, 0);
    return (char *)b.data;
}

#define ck_tokens(src, expected)                   \
    do {                                           \
        lexed *l_ = lex(src);                      \
        char *got_ = render(l_);                   \
        ck_assert_str_eq(got_, expected);          \
        ck_assert_int_eq(l_->diags.errors, 0);     \
        free(got_);                                \
        lexed_free(l_);                            \
    } while (0)

#define ck_lex_errors(src, len, expected)          \
    do {                                           \
        lexed *l_ = lex_n(src, len);               \
        char *got_ = errors_of(l_);                \
        ck_assert_str_eq(got_, expected);          \
        free(got_);                                \
        lexed_free(l_);                            \
    } while (0)

#define ck_error(src, expected) ck_lex_errors(src, strlen(src), expected)

/* ---- tokens and positions ------------------------------------------------- */

START_TEST(empty_source_is_just_eof)
{
    lexed *l = lex("");
    ck_assert_uint_eq(l->toks.count, 1);
    ck_assert_int_eq(l->toks.items[0].kind, BVM_TOK_EOF);
    ck_assert_int_eq(l->toks.items[0].line, 1);
    ck_assert_int_eq(l->toks.items[0].col, 1);
    lexed_free(l);
}
END_TEST

START_TEST(keywords_and_identifiers)
{
    ck_tokens("bool break catch continue else false float for if int new null return string struct throw true "
              "try void while",
              "bool break catch continue else false float for if int new null return string struct throw true "
              "try void while");
    ck_tokens("whilex _x x1 Int print", "IDENT:whilex IDENT:_x IDENT:x1 IDENT:Int IDENT:print");
}
END_TEST

START_TEST(punctuation_longest_match)
{
    ck_tokens("<<= >>= << >> <= >= < > == = != ! && & || | ++ += + -- -= - *= * /= / %= % ^= ^ &= |= ~ ? : ; , . "
              "( ) [ ] { }",
              "<<= >>= << >> <= >= < > == = != ! && & || | ++ += + -- -= - *= * /= / %= % ^= ^ &= |= ~ ? : ; , . "
              "( ) [ ] { }");
    ck_tokens("a<<=b>>c", "IDENT:a <<= IDENT:b >> IDENT:c");
    ck_tokens("i+++j", "IDENT:i ++ + IDENT:j");
}
END_TEST

START_TEST(positions_count_lines_and_bytes)
{
    lexed *l = lex("int x;\n\tfoo = 12;\r\n  // note\n/* a\nb */ y");
    const bvm_token *t = l->toks.items;
    ck_assert_int_eq(t[0].line, 1);
    ck_assert_int_eq(t[0].col, 1);
    ck_assert_int_eq(t[1].col, 5);
    ck_assert_int_eq(t[3].line, 2); /* foo after a tab: column 2 */
    ck_assert_int_eq(t[3].col, 2);
    ck_assert_int_eq(t[5].col, 8); /* 12 */
    ck_assert_int_eq(t[7].line, 5); /* y after the block comment */
    ck_assert_int_eq(t[7].col, 6);
    ck_assert_int_eq(t[8].kind, BVM_TOK_EOF);
    ck_assert_uint_eq(t[5].len, 2);
    ck_assert(memcmp(t[5].text, "12", 2) == 0);
    lexed_free(l);
}
END_TEST

START_TEST(comments_are_skipped)
{
    ck_tokens("a // b c\nd /* e\nf */ g /**/ h /* * / */ i", "IDENT:a IDENT:d IDENT:g IDENT:h IDENT:i");
    ck_tokens("x/y", "IDENT:x / IDENT:y");
}
END_TEST

/* ---- literals ------------------------------------------------------------- */

START_TEST(integer_literals)
{
    ck_tokens("0 7 123 9223372036854775807", "INT:0 INT:7 INT:123 INT:9223372036854775807");
    ck_tokens("0x0 0x7F 0Xff 0xFFFFFFFFFFFFFFFF 0x0000000000000000001",
              "INT:0 INT:127 INT:255 INT:18446744073709551615 INT:1");
    /* 2^63 passes the lexer; only the parser knows whether a minus precedes */
    lexed *l = lex("9223372036854775808 0x10");
    ck_assert_int_eq(l->diags.errors, 0);
    ck_assert_uint_eq(l->toks.items[0].as.int_value, 9223372036854775808ull);
    ck_assert(l->toks.items[0].decimal);
    ck_assert(!l->toks.items[1].decimal);
    lexed_free(l);
}
END_TEST

START_TEST(character_literals)
{
    ck_tokens("'a' '\\n' '\\t' '\\r' '\\0' '\\\\' '\\'' '\"' '\\x41' '\\xff'",
              "INT:97 INT:10 INT:9 INT:13 INT:0 INT:92 INT:39 INT:34 INT:65 INT:255");
    lexed *l = lex("'a'");
    ck_assert(!l->toks.items[0].decimal);
    lexed_free(l);
}
END_TEST

START_TEST(float_literals)
{
    ck_tokens("1.5 0.25 1e9 2.5e-3 1E+2 0.0", "FLOAT:1.5 FLOAT:0.25 FLOAT:1e+09 FLOAT:0.0025 FLOAT:100 FLOAT:0");
    ck_tokens("1.5.3", "FLOAT:1.5 . INT:3");
    ck_tokens("1e-400", "FLOAT:0"); /* underflow to zero is not an error */
}
END_TEST

START_TEST(string_literals)
{
    ck_tokens("\"\" \"abc\" \"a\\nb\\t\\\"q\\\"\\\\\" \"\\x41\\x7e\\0z\"",
              "STRING:\"\" STRING:\"abc\" STRING:\"a\\x0ab\\x09\"q\"\\\" STRING:\"A~\\x00z\"");
    ck_tokens("\"caf\xc3\xa9 // not a comment\"", "STRING:\"caf\\xc3\\xa9 // not a comment\"");
    lexed *l = lex("\"a\\0b\"");
    ck_assert_uint_eq(l->toks.items[0].as.string.len, 3);
    lexed_free(l);
}
END_TEST

/* ---- errors --------------------------------------------------------------- */

START_TEST(number_errors)
{
    ck_error("x = 99999999999999999999;",
             "1:5: integer literal 99999999999999999999 is too large (the largest int is 9223372036854775807)");
    ck_error("9223372036854775809", "1:1: integer literal 9223372036854775809 is too large (the largest int is "
                                    "9223372036854775807)");
    ck_error("  010", "1:3: integer literal 010 starts with 0 (octal is not supported; write it without leading zeros)");
    ck_error("0x1FFFFFFFFFFFFFFFF", "1:1: hexadecimal literal 0x1FFFFFFFFFFFFFFFF does not fit in 64 bits");
    ck_error("0x;", "1:1: hexadecimal literal needs at least one digit after '0x'");
    ck_error("12ab 0x1g", "1:3: invalid suffix 'ab' on number\n1:9: invalid suffix 'g' on number");
    ck_error("1. + 2.x", "1:1: a digit must follow '.' in a float literal (write 1.0)\n"
                         "1:6: a digit must follow '.' in a float literal (write 2.0)");
    ck_error("1e 1e+ 1e-;", "1:1: the exponent of float literal '1e' needs digits\n"
                            "1:4: the exponent of float literal '1e+' needs digits\n"
                            "1:8: the exponent of float literal '1e-' needs digits");
    ck_error("1e999", "1:1: float literal 1e999 is too large");
}
END_TEST

START_TEST(number_errors_still_give_a_token)
{
    /* so that the parser does not report the same mistake again */
    lexed *l = lex("010 + 1");
    ck_assert_int_eq(l->diags.errors, 1);
    char *r = render(l);
    ck_assert_str_eq(r, "INT:0 + INT:1");
    free(r);
    lexed_free(l);
}
END_TEST

START_TEST(string_errors)
{
    ck_error("x = \"abc\ny", "1:5: unterminated string literal (strings must end on the line they start)");
    ck_error("\"abc", "1:1: unterminated string literal (strings must end on the line they start)");
    ck_error("\"a\\qb\"", "1:3: unknown escape sequence '\\q'");
    ck_error("\"a\\\xc3\"", "1:3: unknown escape sequence: backslash followed by byte 0xC3");
    ck_error("\"\\x4\" \"\\xg0\"", "1:2: escape sequence '\\x' needs two hexadecimal digits\n"
                                   "1:8: escape sequence '\\x' needs two hexadecimal digits");
    /* an unterminated literal is an ERROR token: the rest of the line is lost */
    lexed *l = lex("f(\"abc);\ng();");
    char *r = render(l);
    ck_assert_str_eq(r, "IDENT:f ( ERROR IDENT:g ( ) ;");
    free(r);
    lexed_free(l);
}
END_TEST

START_TEST(character_errors)
{
    ck_error("''", "1:1: empty character literal");
    ck_error("'ab'", "1:1: character literal 'ab' must hold exactly one byte (use a string for more)");
    ck_error("x = 'a", "1:5: unterminated character literal");
    ck_error("'\xc3\xa9'", "1:1: character literal '\xc3\xa9' must hold exactly one byte (use a string for more)");
    ck_error("'\\z'", "1:2: unknown escape sequence '\\z'"); /* one message, not two */
}
END_TEST

START_TEST(comment_errors)
{
    ck_error("a\n  /* never\n closed", "2:3: unterminated comment");
    lexed *l = lex("a /* b");
    ck_assert_int_eq(l->toks.items[1].kind, BVM_TOK_ERROR);
    ck_assert_int_eq(l->toks.items[2].kind, BVM_TOK_EOF);
    lexed_free(l);
}
END_TEST

START_TEST(invalid_bytes)
{
    ck_error("a @ b # c $", "1:3: unexpected character '@'\n1:7: unexpected character '#'\n"
                            "1:11: unexpected character '$'");
    /* a run of non-ASCII bytes is one message and one ERROR token */
    ck_error("int caf\xc3\xa9\xc3\xa9 = 1;",
             "1:8: unexpected byte 0xC3 (non-ASCII characters are only allowed in strings and comments)");
    ck_error("x \x01 y \x7f", "1:3: unexpected control character 0x01\n1:7: unexpected control character 0x7F");
    static const char with_nuls[] = "a\0\0b // c\0\n\"s\0\" /*\0*/";
    ck_lex_errors(with_nuls, sizeof with_nuls - 1,
                  "1:2: NUL byte in source\n1:10: NUL byte in source\n2:3: NUL byte in source\n2:8: NUL byte in source");
    lexed *l = lex("x @ y");
    char *r = render(l);
    ck_assert_str_eq(r, "IDENT:x ERROR IDENT:y");
    free(r);
    lexed_free(l);
}
END_TEST

START_TEST(comments_and_strings_may_hold_any_byte)
{
    ck_tokens("// caf\xc3\xa9 \x01\n/* \xff */ \"\xe2\x82\xac\"", "STRING:\"\\xe2\\x82\\xac\"");
}
END_TEST

START_TEST(many_errors_are_all_reported)
{
    lexed *l = lex("@ 08 '' \"\\q\" 1. #");
    ck_assert_int_eq(l->diags.errors, 6);
    lexed_free(l);
}
END_TEST

START_TEST(token_kind_names_and_keyword_lookup)
{
    ck_assert_str_eq(bvm_token_kind_name(BVM_TOK_EOF), "end of file");
    ck_assert_str_eq(bvm_token_kind_name(BVM_TOK_SHL_EQ), "<<=");
    ck_assert_str_eq(bvm_token_kind_name(BVM_TOK_WHILE), "while");
    ck_assert_int_eq(bvm_keyword_kind("while", 5), BVM_TOK_WHILE);
    ck_assert_int_eq(bvm_keyword_kind("whilst", 6), BVM_TOK_IDENT);
    ck_assert_int_eq(bvm_keyword_kind("int", 3), BVM_TOK_INT_KW);
    ck_assert_int_eq(bvm_keyword_kind("in", 2), BVM_TOK_IDENT);
}
END_TEST

START_TEST(long_input_is_linear)
{
    /* 200000 tokens: the token array grows by doubling */
    bvm_buf b = {0};
    for (int i = 0; i < 100000; i++)
        bvm_buf_printf(&b, "x%d+", i);
    lexed *l = lex_n((const char *)b.data, b.len);
    ck_assert_uint_eq(l->toks.count, 200001);
    ck_assert_int_eq(l->diags.errors, 0);
    lexed_free(l);
    bvm_buf_free(&b);
}
END_TEST

static Suite *lexer_suite(void)
{
    Suite *s = suite_create("lexer");
    TCase *tc = tcase_create("tokens");
    tcase_add_test(tc, empty_source_is_just_eof);
    tcase_add_test(tc, keywords_and_identifiers);
    tcase_add_test(tc, punctuation_longest_match);
    tcase_add_test(tc, positions_count_lines_and_bytes);
    tcase_add_test(tc, comments_are_skipped);
    tcase_add_test(tc, token_kind_names_and_keyword_lookup);
    tcase_add_test(tc, long_input_is_linear);
    suite_add_tcase(s, tc);
    tc = tcase_create("literals");
    tcase_add_test(tc, integer_literals);
    tcase_add_test(tc, character_literals);
    tcase_add_test(tc, float_literals);
    tcase_add_test(tc, string_literals);
    tcase_add_test(tc, comments_and_strings_may_hold_any_byte);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_add_test(tc, number_errors);
    tcase_add_test(tc, number_errors_still_give_a_token);
    tcase_add_test(tc, string_errors);
    tcase_add_test(tc, character_errors);
    tcase_add_test(tc, comment_errors);
    tcase_add_test(tc, invalid_bytes);
    tcase_add_test(tc, many_errors_are_all_reported);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(lexer_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
