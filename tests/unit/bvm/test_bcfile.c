/*
 * test_bcfile.c -- the binary bytecode file format (bcfile.h).
 *
 * Round trips: module -> bytes -> module -> bytes gives the same bytes, for
 * a small real program and for a module holding every table and every
 * instruction format (sample_modules.h).
 *
 * Rejection: every malformed file named in docs/bytecode-format.md -- bad
 * magic, unsupported version or flags, truncation at EVERY byte offset of a
 * valid file, sections overrunning the file or with bytes left over, wrong
 * or missing section tags, counts too large for the bytes left or over the
 * table limit, NUL bytes in names, unknown kinds, trailing garbage -- must
 * give NULL and exactly one diagnostic that says what is wrong, never a
 * crash (the tests run under ASan in `make asan`).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "bcfile.h"
#include "sample_modules.h"

/* ===== helpers ============================================================ */

/* memcmp that allows NULL for empty arrays. */
static bool same_bytes(const void *a, const void *b, size_t n) { return n == 0 || memcmp(a, b, n) == 0; }

/* Read bytes that must be rejected; returns the one error message (owned by
 * the caller), after checking there is exactly one. */
static char *reject(const uint8_t *data, size_t len)
{
    bvm_diags d;
    bvm_diags_init(&d);
    bvm_module *m = bvm_read_module(data, len, "bad.vbc", &d);
    ck_assert_msg(m == NULL, "a malformed file of %zu bytes was accepted", len);
    ck_assert_int_eq(d.errors, 1);
    ck_assert_int_eq(d.count, 1);
    ck_assert_str_eq(d.items[0].file, "bad.vbc");
    ck_assert_msg(strlen(d.items[0].msg) > 10, "message too short: %s", d.items[0].msg);
    char *msg = bvm_xstrdup(d.items[0].msg);
    bvm_diags_free(&d);
    return msg;
}

static void assert_rejected_with(const uint8_t *data, size_t len, const char *expected_part)
{
    char *msg = reject(data, len);
    ck_assert_msg(strstr(msg, expected_part), "message '%s' should contain '%s'", msg, expected_part);
    free(msg);
}

/* A hand-made file: each section's payload written by the test. */
typedef struct {
    bvm_buf out;
    size_t length_at;
} file_maker;

static void fm_header(file_maker *fm)
{
    bvm_buf_put(&fm->out, BVM_MAGIC, BVM_MAGIC_LEN);
    bvm_buf_u16(&fm->out, BVM_VERSION_MAJOR);
    bvm_buf_u16(&fm->out, BVM_VERSION_MINOR);
    bvm_buf_u32(&fm->out, 0);
}

static void fm_begin(file_maker *fm, const char *tag)
{
    bvm_buf_put(&fm->out, tag, 4);
    fm->length_at = fm->out.len;
    bvm_buf_u32(&fm->out, 0);
}

static void fm_end(file_maker *fm)
{
    bvm_write_i32(fm->out.data + fm->length_at, (int32_t)(fm->out.len - fm->length_at - 4));
}

static void fm_string(file_maker *fm, const char *s, uint32_t len)
{
    bvm_buf_u32(&fm->out, len);
    bvm_buf_put(&fm->out, s, len);
}

/* Header and the sections before `upto` with empty tables. */
static void fm_empty_sections_before(file_maker *fm, const char *upto)
{
    fm_header(fm);
    if (strcmp(upto, "INFO") == 0)
        return;
    fm_begin(fm, "INFO");
    fm_string(fm, "x.vela", 6);
    bvm_buf_u16(&fm->out, BVM_NO_FUNC);
    bvm_buf_u16(&fm->out, BVM_NO_FUNC);
    fm_end(fm);
    static const char *const rest[] = {"TYPE", "CNST", "RECD", "GLOB", "FUNC"};
    for (int i = 0; i < 5 && strcmp(rest[i], upto) != 0; i++) {
        fm_begin(fm, rest[i]);
        bvm_buf_u32(&fm->out, 0);
        fm_end(fm);
    }
}

/* The empty sections after `from`, to finish the file. */
static void fm_empty_sections_after(file_maker *fm, const char *from)
{
    static const char *const all[] = {"INFO", "TYPE", "CNST", "RECD", "GLOB", "FUNC"};
    bool after = false;
    for (int i = 0; i < 6; i++) {
        if (after) {
            fm_begin(fm, all[i]);
            bvm_buf_u32(&fm->out, 0);
            fm_end(fm);
        }
        after = after || strcmp(all[i], from) == 0;
    }
}

/* Offset of section `tag` in a file the writer produced. */
static size_t section_offset(const bvm_buf *b, const char *tag)
{
    size_t at = 12;
    while (at + 8 <= b->len) {
        if (memcmp(b->data + at, tag, 4) == 0)
            return at;
        at += 8 + (uint32_t)bvm_read_i32(b->data + at + 4);
    }
    ck_abort_msg("section %s not found", tag);
    return 0;
}

/* ===== round trips ======================================================== */

static void assert_bytes_round_trip(bvm_module *m)
{
    bvm_buf first = bytes_of(m);
    bvm_diags d;
    bvm_diags_init(&d);
    bvm_module *back = bvm_read_module(first.data, first.len, "rt.vbc", &d);
    ck_assert_msg(back != NULL, "the writer's output was rejected: %s", d.count ? d.items[0].msg : "?");
    bvm_buf second = bytes_of(back);
    ck_assert_uint_eq(first.len, second.len);
    ck_assert_int_eq(memcmp(first.data, second.data, first.len), 0);
    bvm_buf_free(&first);
    bvm_buf_free(&second);
    bvm_module_free(back);
    bvm_diags_free(&d);
}

START_TEST(test_hello_round_trip)
{
    bvm_module *m = sample_hello_module();
    assert_bytes_round_trip(m);
    bvm_module_free(m);
}
END_TEST

START_TEST(test_full_round_trip)
{
    bvm_module *m = sample_full_module();
    assert_bytes_round_trip(m);
    bvm_module_free(m);
}
END_TEST

/* The read module holds exactly what was written, field by field. */
START_TEST(test_read_gives_the_same_module)
{
    bvm_module *m = sample_full_module();
    bvm_buf b = bytes_of(m);
    bvm_diags d;
    bvm_diags_init(&d);
    bvm_module *r = bvm_read_module(b.data, b.len, "x.vbc", &d);
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(r->source_file, m->source_file);
    ck_assert_uint_eq(r->entry, m->entry);
    ck_assert_uint_eq(r->init, m->init);
    ck_assert_uint_eq(r->ntypes, m->ntypes);
    for (uint32_t i = 0; i < m->ntypes; i++) {
        ck_assert_uint_eq(r->types[i].kind, m->types[i].kind);
        ck_assert_uint_eq(r->types[i].arg, m->types[i].arg);
    }
    ck_assert_uint_eq(r->nconsts, m->nconsts);
    for (uint32_t i = 0; i < m->nconsts; i++) {
        ck_assert_uint_eq(r->consts[i].kind, m->consts[i].kind);
        if (m->consts[i].kind == BVM_CONST_STRING) {
            ck_assert_uint_eq(r->consts[i].as.s.len, m->consts[i].as.s.len);
            ck_assert(same_bytes(r->consts[i].as.s.chars, m->consts[i].as.s.chars, m->consts[i].as.s.len));
            ck_assert_int_eq(r->consts[i].as.s.chars[r->consts[i].as.s.len], '\0');
        } else {
            ck_assert_int_eq(memcmp(&r->consts[i].as, &m->consts[i].as, 8), 0);
        }
    }
    ck_assert_uint_eq(r->nrecords, m->nrecords);
    for (uint32_t i = 0; i < m->nrecords; i++) {
        ck_assert_str_eq(r->records[i].name, m->records[i].name);
        ck_assert_uint_eq(r->records[i].nfields, m->records[i].nfields);
        for (uint32_t j = 0; j < m->records[i].nfields; j++) {
            ck_assert_str_eq(r->records[i].fields[j].name, m->records[i].fields[j].name);
            ck_assert_uint_eq(r->records[i].fields[j].type, m->records[i].fields[j].type);
        }
    }
    ck_assert_uint_eq(r->nglobals, m->nglobals);
    for (uint32_t i = 0; i < m->nglobals; i++) {
        ck_assert_str_eq(r->globals[i].name, m->globals[i].name);
        ck_assert_uint_eq(r->globals[i].type, m->globals[i].type);
    }
    ck_assert_uint_eq(r->nfuncs, m->nfuncs);
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        const bvm_function *a = &r->funcs[i], *e = &m->funcs[i];
        ck_assert_str_eq(a->name, e->name);
        ck_assert_uint_eq(a->ret_type, e->ret_type);
        ck_assert_uint_eq(a->nparams, e->nparams);
        ck_assert_uint_eq(a->nlocals, e->nlocals);
        ck_assert(same_bytes(a->local_types, e->local_types, e->nlocals * 2u));
        ck_assert_uint_eq(a->max_stack, e->max_stack);
        ck_assert_uint_eq(a->code_len, e->code_len);
        ck_assert(same_bytes(a->code, e->code, e->code_len));
        ck_assert_uint_eq(a->nlines, e->nlines);
        ck_assert(same_bytes(a->lines, e->lines, e->nlines * sizeof *e->lines));
        ck_assert_uint_eq(a->nhandlers, e->nhandlers);
        ck_assert(same_bytes(a->handlers, e->handlers, e->nhandlers * sizeof *e->handlers));
        ck_assert_uint_eq(a->nlocal_names, e->nlocal_names);
        for (uint32_t j = 0; j < e->nlocal_names; j++) {
            ck_assert_str_eq(a->local_names[j].name, e->local_names[j].name);
            ck_assert_uint_eq(a->local_names[j].slot, e->local_names[j].slot);
            ck_assert_uint_eq(a->local_names[j].start, e->local_names[j].start);
            ck_assert_uint_eq(a->local_names[j].end, e->local_names[j].end);
        }
        ck_assert_ptr_null(a->verified);
    }
    bvm_module_free(r);
    bvm_module_free(m);
    bvm_buf_free(&b);
    bvm_diags_free(&d);
}
END_TEST

START_TEST(test_no_source_file)
{
    bvm_module *m = sample_hello_module();
    free(m->source_file);
    m->source_file = NULL;
    bvm_buf b = bytes_of(m);
    bvm_diags d;
    bvm_diags_init(&d);
    bvm_module *r = bvm_read_module(b.data, b.len, "x.vbc", &d);
    ck_assert_ptr_nonnull(r);
    ck_assert_ptr_null(r->source_file);
    bvm_module_free(r);
    bvm_module_free(m);
    bvm_buf_free(&b);
}
END_TEST

/* The exact bytes of the smallest program, as docs/bytecode-format.md shows
 * them: if this test changes, the document's hex dump must change too. */
START_TEST(test_hello_exact_bytes)
{
    static const uint8_t expected[] = {
        0x7f, 'V', 'B', 'C', 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* header */
        'I', 'N', 'F', 'O', 0x12, 0x00, 0x00, 0x00,                           /* INFO, 18 bytes */
        0x0a, 0x00, 0x00, 0x00, 'h', 'e', 'l', 'l', 'o', '.', 'v', 'e', 'l', 'a',
        0x00, 0x00, 0xff, 0xff,                                               /* entry 0, init none */
        'T', 'Y', 'P', 'E', 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,   /* no user types */
        'C', 'N', 'S', 'T', 0x0c, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,   /* 1 constant: */
        0x02, 0x03, 0x00, 0x00, 0x00, 'h', 'i', '\n',                         /* string "hi\n" */
        'R', 'E', 'C', 'D', 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        'G', 'L', 'O', 'B', 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        'F', 'U', 'N', 'C', 0x31, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,   /* 1 function: */
        0x04, 0x00, 0x00, 0x00, 'm', 'a', 'i', 'n',                           /* name */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,                       /* void, 0 params, 0 locals, max_stack 1 */
        0x05, 0x00, 0x00, 0x00, BVM_OP_LDC, 0x00, 0x00, BVM_OP_PRINT, BVM_OP_RET,
        0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, /* line 1 from pc 0 */
        0x00, 0x00, 0x00, 0x00,                                               /* no handlers */
        0x00, 0x00, 0x00, 0x00,                                               /* no local names */
    };
    bvm_module *m = sample_hello_module();
    bvm_buf b = bytes_of(m);
    ck_assert_uint_eq(b.len, sizeof expected);
    ck_assert_int_eq(memcmp(b.data, expected, sizeof expected), 0);
    ck_assert(bvm_is_bytecode(b.data, b.len));
    ck_assert(!bvm_is_bytecode(b.data, 3));
    ck_assert(!bvm_is_bytecode((const uint8_t *)"void main", 9));
    bvm_buf_free(&b);
    bvm_module_free(m);
}
END_TEST

/* ===== rejection ========================================================== */

START_TEST(test_truncated_at_every_offset)
{
    bvm_module *m = sample_full_module();
    bvm_buf b = bytes_of(m);
    for (size_t len = 0; len < b.len; len++) {
        /* A copy of exactly len bytes, so ASan sees any read past it. */
        uint8_t *copy = bvm_xmalloc(len ? len : 1);
        memcpy(copy, b.data, len);
        char *msg = reject(copy, len);
        if (len >= BVM_MAGIC_LEN)
            ck_assert_msg(strstr(msg, "truncated") || strstr(msg, "only"), "at %zu: '%s'", len, msg);
        else
            ck_assert_msg(strstr(msg, "bad magic"), "at %zu: '%s'", len, msg);
        free(msg);
        free(copy);
    }
    bvm_buf_free(&b);
    bvm_module_free(m);
}
END_TEST

START_TEST(test_bad_magic)
{
    bvm_module *m = sample_hello_module();
    bvm_buf b = bytes_of(m);
    for (int i = 0; i < BVM_MAGIC_LEN; i++) {
        b.data[i] ^= 0x20;
        assert_rejected_with(b.data, b.len, "not a bytecode file: bad magic");
        b.data[i] ^= 0x20;
    }
    assert_rejected_with((const uint8_t *)"", 0, "found nothing");
    bvm_buf_free(&b);
    bvm_module_free(m);
}
END_TEST

START_TEST(test_unsupported_version_and_flags)
{
    bvm_module *m = sample_hello_module();
    bvm_buf b = bytes_of(m);
    b.data[4] = 2; /* major 2 */
    assert_rejected_with(b.data, b.len, "unsupported bytecode version 2.0 (this bvm reads version 1.0)");
    b.data[4] = 0;
    assert_rejected_with(b.data, b.len, "unsupported bytecode version 0.0");
    b.data[4] = 1;
    b.data[6] = 3; /* minor 3: newer than this reader */
    assert_rejected_with(b.data, b.len, "version 1.3");
    b.data[6] = 0;
    b.data[11] = 0x80;
    assert_rejected_with(b.data, b.len, "unsupported header flags 0x80000000");
    bvm_buf_free(&b);
    bvm_module_free(m);
}
END_TEST

START_TEST(test_section_overruns_file)
{
    bvm_module *m = sample_full_module();
    bvm_buf b = bytes_of(m);
    size_t func = section_offset(&b, "FUNC");
    bvm_write_i32(b.data + func + 4, (int32_t)0xFFFFFFF0u);
    assert_rejected_with(b.data, b.len, "section 'FUNC' is 4294967280 bytes long, but only");
    bvm_buf_free(&b);
    bvm_module_free(m);
}
END_TEST

START_TEST(test_section_with_bytes_left_over)
{
    /* A GLOB section one byte longer than its entries need. */
    file_maker fm = {0};
    fm_empty_sections_before(&fm, "GLOB");
    fm_begin(&fm, "GLOB");
    bvm_buf_u32(&fm.out, 0);
    bvm_buf_u8(&fm.out, 0xAA);
    fm_end(&fm);
    fm_empty_sections_after(&fm, "GLOB");
    assert_rejected_with(fm.out.data, fm.out.len, "section 'GLOB', offset");
    assert_rejected_with(fm.out.data, fm.out.len, "1 bytes left over after the section's last entry");
    bvm_buf_free(&fm.out);

    /* A real file whose INFO length is one too large: the extra byte is the
     * first byte of the TYPE section's tag. */
    bvm_module *m = sample_hello_module();
    bvm_buf b = bytes_of(m);
    size_t info = section_offset(&b, "INFO");
    b.data[info + 4]++;
    assert_rejected_with(b.data, b.len, "left over");
    b.data[info + 4] -= 2; /* one too small: init is cut short */
    assert_rejected_with(b.data, b.len, "initializer function needs 2 bytes but only 1 remain");
    bvm_buf_free(&b);
    bvm_module_free(m);
}
END_TEST

START_TEST(test_wrong_and_missing_tags)
{
    bvm_module *m = sample_hello_module();
    bvm_buf b = bytes_of(m);
    size_t type = section_offset(&b, "TYPE");
    b.data[type + 3] = 'X';
    assert_rejected_with(b.data, b.len, "expected section 'TYPE' after section 'INFO', found 'TYPX'");
    b.data[type + 3] = 0x01;
    assert_rejected_with(b.data, b.len, "found bytes 54 59 50 01");
    b.data[type + 3] = 'E';
    memcpy(b.data + 12, "FUNC", 4);
    assert_rejected_with(b.data, b.len, "expected section 'INFO' after the header, found 'FUNC'");
    bvm_buf_free(&b);
    bvm_module_free(m);

    /* Sections in the wrong order. */
    file_maker fm = {0};
    fm_empty_sections_before(&fm, "CNST");
    fm_begin(&fm, "RECD");
    bvm_buf_u32(&fm.out, 0);
    fm_end(&fm);
    assert_rejected_with(fm.out.data, fm.out.len, "expected section 'CNST' after section 'TYPE', found 'RECD'");
    bvm_buf_free(&fm.out);

    /* A file that stops after a whole section. */
    fm = (file_maker){0};
    fm_empty_sections_before(&fm, "RECD");
    assert_rejected_with(fm.out.data, fm.out.len, "truncated file: section 'RECD' is missing");
    bvm_buf_free(&fm.out);
}
END_TEST

START_TEST(test_trailing_garbage)
{
    bvm_module *m = sample_hello_module();
    bvm_buf b = bytes_of(m);
    bvm_buf_put(&b, "junk", 4);
    assert_rejected_with(b.data, b.len, "offset 151: 4 bytes of trailing garbage after the last section");
    char *msg = reject(b.data, b.len);
    ck_assert_ptr_null(strstr(msg, "section 'FUNC'")); /* not inside a section any more */
    free(msg);
    bvm_buf_free(&b);
    bvm_module_free(m);
}
END_TEST

/* Counts that would make a naive reader allocate gigabytes. */
START_TEST(test_huge_counts)
{
    static const struct {
        const char *tag;
        uint32_t count;
        const char *message;
    } cases[] = {
        {"TYPE", 0xFFFFFFFFu, "type count 4294967295 is over the limit of 65530"},
        {"TYPE", 1000, "type count 1000 is too large: it needs at least 3000 more bytes, only 0 remain"},
        {"CNST", 0x10000, "constant count 65536 is over the limit of 65535"},
        {"CNST", 65535, "constant count 65535 is too large"},
        {"RECD", 0x7FFFFFFF, "record count 2147483647 is over the limit"},
        {"RECD", 2, "record count 2 is too large"},
        {"GLOB", 65535, "global count 65535 is too large"},
        {"FUNC", 65535, "function count 65535 is too large"},
        {"FUNC", 0x10000, "function count 65536 is over the limit of 65535"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        file_maker fm = {0};
        fm_empty_sections_before(&fm, cases[i].tag);
        fm_begin(&fm, cases[i].tag);
        bvm_buf_u32(&fm.out, cases[i].count);
        fm_end(&fm);
        fm_empty_sections_after(&fm, cases[i].tag);
        char *msg = reject(fm.out.data, fm.out.len);
        ck_assert_msg(strstr(msg, cases[i].message), "'%s' should contain '%s'", msg, cases[i].message);
        ck_assert_msg(strstr(msg, cases[i].tag), "'%s' should name section %s", msg, cases[i].tag);
        free(msg);
        bvm_buf_free(&fm.out);
    }
}
END_TEST

/* A FUNC section holding one function, written by `body` after its name. */
static bvm_buf file_with_function(const char *name, void (*body)(bvm_buf *))
{
    file_maker fm = {0};
    fm_empty_sections_before(&fm, "FUNC");
    fm_begin(&fm, "FUNC");
    bvm_buf_u32(&fm.out, 1);
    fm_string(&fm, name, (uint32_t)strlen(name));
    body(&fm.out);
    fm_end(&fm);
    return fm.out;
}

static void body_huge_code(bvm_buf *b)
{
    bvm_buf_u16(b, 0);            /* ret */
    bvm_buf_u16(b, 0);            /* params */
    bvm_buf_u16(b, 0);            /* locals */
    bvm_buf_u16(b, 0);            /* max_stack */
    bvm_buf_u32(b, 0xFFFFFFF0u);  /* code length */
    bvm_buf_u32(b, 0);
    bvm_buf_u32(b, 0);
    bvm_buf_u32(b, 0);
}

static void body_huge_lines(bvm_buf *b)
{
    bvm_buf_put(b, "\0\0\0\0\0\0\0\0", 8);
    bvm_buf_u32(b, 1);
    bvm_buf_u8(b, BVM_OP_RET);
    bvm_buf_u32(b, 0x20000000u); /* line entries */
    bvm_buf_u32(b, 0);
    bvm_buf_u32(b, 0);
}

static void body_huge_handlers(bvm_buf *b)
{
    bvm_buf_put(b, "\0\0\0\0\0\0\0\0", 8);
    bvm_buf_u32(b, 0);
    bvm_buf_u32(b, 0);
    bvm_buf_u32(b, 100000000u); /* handlers */
    bvm_buf_u32(b, 0);
}

static void body_huge_names(bvm_buf *b)
{
    bvm_buf_put(b, "\0\0\0\0\0\0\0\0", 8);
    bvm_buf_u32(b, 0);
    bvm_buf_u32(b, 0);
    bvm_buf_u32(b, 0);
    bvm_buf_u32(b, 5); /* local names */
}

static void body_huge_locals(bvm_buf *b)
{
    bvm_buf_u16(b, 0);
    bvm_buf_u16(b, 0);
    bvm_buf_u16(b, 0xFFFF); /* locals: fits a u16, not the bytes left */
    bvm_buf_put(b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 22);
}

static void body_params_over_locals(bvm_buf *b)
{
    bvm_buf_u16(b, 0);
    bvm_buf_u16(b, 3); /* params */
    bvm_buf_u16(b, 1); /* locals */
    bvm_buf_u16(b, BVM_TYPE_INT);
    bvm_buf_u16(b, 0);
    bvm_buf_put(b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
}

static void body_nul_in_local_name(bvm_buf *b)
{
    bvm_buf_put(b, "\0\0\0\0\0\0\0\0", 8);
    bvm_buf_u32(b, 0);
    bvm_buf_u32(b, 0);
    bvm_buf_u32(b, 0);
    bvm_buf_u32(b, 1);
    bvm_buf_u32(b, 3);
    bvm_buf_put(b, "a\0b", 3);
    bvm_buf_put(b, "\0\0\0\0\0\0\0\0\0\0", 10);
}

START_TEST(test_function_tables)
{
    static const struct {
        void (*body)(bvm_buf *);
        const char *message;
    } cases[] = {
        {body_huge_code, "code length 4294967280 is too large"},
        {body_huge_lines, "line table count 536870912 is too large"},
        {body_huge_handlers, "handler count 100000000 is too large"},
        {body_huge_names, "local name count 5 is too large"},
        {body_huge_locals, "local count 65535 is too large"},
        {body_params_over_locals, "3 parameters but only 1 locals"},
        {body_nul_in_local_name, "local name contains a NUL byte"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bvm_buf b = file_with_function("work", cases[i].body);
        bvm_diags d;
        bvm_diags_init(&d);
        ck_assert_ptr_null(bvm_read_module(b.data, b.len, "f.vbc", &d));
        ck_assert_int_eq(d.count, 1);
        ck_assert_msg(strstr(d.items[0].msg, cases[i].message), "'%s' should contain '%s'", d.items[0].msg,
                      cases[i].message);
        /* A function's problems are located in that function. */
        ck_assert_str_eq(d.items[0].func, "work");
        ck_assert_int_eq(d.items[0].pc, -1);
        ck_assert_msg(strstr(d.items[0].msg, "section 'FUNC', function #0"), "%s", d.items[0].msg);
        bvm_diags_free(&d);
        bvm_buf_free(&b);
    }
}
END_TEST

START_TEST(test_bad_entries)
{
    /* a NUL inside a record name */
    file_maker fm = {0};
    fm_empty_sections_before(&fm, "RECD");
    fm_begin(&fm, "RECD");
    bvm_buf_u32(&fm.out, 1);
    fm_string(&fm, "No\0de", 5);
    bvm_buf_u16(&fm.out, 0);
    fm_end(&fm);
    fm_empty_sections_after(&fm, "RECD");
    assert_rejected_with(fm.out.data, fm.out.len, "section 'RECD', record #0, offset 74: record name contains a NUL byte (at offset 76)");
    bvm_buf_free(&fm.out);

    /* a name running past its section */
    fm = (file_maker){0};
    fm_empty_sections_before(&fm, "GLOB");
    fm_begin(&fm, "GLOB");
    bvm_buf_u32(&fm.out, 1);
    fm_string(&fm, "g", 1);
    bvm_buf_u16(&fm.out, BVM_TYPE_INT);
    fm.out.data[fm.out.len - 7] = 200; /* the name's length */
    fm_end(&fm);
    fm_empty_sections_after(&fm, "GLOB");
    assert_rejected_with(fm.out.data, fm.out.len, "global #0, offset 82: global name length 200 overruns the section (3 bytes remain");
    bvm_buf_free(&fm.out);

    /* unknown constant kind */
    fm = (file_maker){0};
    fm_empty_sections_before(&fm, "CNST");
    fm_begin(&fm, "CNST");
    bvm_buf_u32(&fm.out, 1);
    bvm_buf_u8(&fm.out, 7);
    bvm_buf_u64(&fm.out, 0);
    fm_end(&fm);
    fm_empty_sections_after(&fm, "CNST");
    assert_rejected_with(fm.out.data, fm.out.len, "constant #0, offset 58: unknown constant kind 7");
    bvm_buf_free(&fm.out);

    /* a type that is neither array nor record */
    fm = (file_maker){0};
    fm_empty_sections_before(&fm, "TYPE");
    fm_begin(&fm, "TYPE");
    bvm_buf_u32(&fm.out, 2);
    bvm_buf_u8(&fm.out, BVM_TK_ARRAY);
    bvm_buf_u16(&fm.out, BVM_TYPE_INT);
    bvm_buf_u8(&fm.out, BVM_TK_INT);
    bvm_buf_u16(&fm.out, 0);
    fm_end(&fm);
    fm_empty_sections_after(&fm, "TYPE");
    assert_rejected_with(fm.out.data, fm.out.len, "type #6, offset 49: kind 1 is neither array (5) nor record (6)");
    bvm_buf_free(&fm.out);

    /* a record with more fields than bytes */
    fm = (file_maker){0};
    fm_empty_sections_before(&fm, "RECD");
    fm_begin(&fm, "RECD");
    bvm_buf_u32(&fm.out, 1);
    fm_string(&fm, "Big", 3);
    bvm_buf_u16(&fm.out, 60000);
    fm_end(&fm);
    fm_empty_sections_after(&fm, "RECD");
    assert_rejected_with(fm.out.data, fm.out.len, "record #0 'Big', offset 77: field count 60000 is too large");
    bvm_buf_free(&fm.out);
}
END_TEST

/* Names from a hostile file are shown tamed in messages. */
START_TEST(test_messages_show_names_safely)
{
    char name[300];
    memset(name, 'n', sizeof name);
    name[0] = '\n';
    name[299] = '\0';
    bvm_buf b = file_with_function(name, body_huge_code);
    bvm_diags d;
    bvm_diags_init(&d);
    ck_assert_ptr_null(bvm_read_module(b.data, b.len, "f.vbc", &d));
    ck_assert_int_eq(d.count, 1);
    ck_assert_ptr_null(strchr(d.items[0].func, '\n'));
    ck_assert_uint_lt(strlen(d.items[0].func), 64);
    ck_assert_ptr_nonnull(strstr(d.items[0].func, "..."));
    bvm_diags_free(&d);
    bvm_buf_free(&b);
}
END_TEST

/* Random damage to a valid file: rejected with a message, or read back. */
START_TEST(test_random_damage)
{
    bvm_module *m = sample_full_module();
    bvm_buf good = bytes_of(m);
    uint32_t seed = 12345;
    for (int round = 0; round < 3000; round++) {
        uint8_t *copy = bvm_xmalloc(good.len);
        memcpy(copy, good.data, good.len);
        for (int k = 0; k < 1 + round % 4; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % good.len;
            copy[at] = (uint8_t)(seed >> 3);
        }
        bvm_diags d;
        bvm_diags_init(&d);
        bvm_module *r = bvm_read_module(copy, good.len, "fuzz.vbc", &d);
        if (r) {
            ck_assert_int_eq(d.count, 0);
            bvm_buf again = bytes_of(r);
            ck_assert_uint_eq(again.len, good.len);
            ck_assert_int_eq(memcmp(again.data, copy, good.len), 0);
            bvm_buf_free(&again);
            bvm_module_free(r);
        } else {
            ck_assert_int_eq(d.count, 1);
        }
        bvm_diags_free(&d);
        free(copy);
    }
    bvm_buf_free(&good);
    bvm_module_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bcfile");
    TCase *rt = tcase_create("round trip");
    tcase_add_test(rt, test_hello_round_trip);
    tcase_add_test(rt, test_full_round_trip);
    tcase_add_test(rt, test_read_gives_the_same_module);
    tcase_add_test(rt, test_no_source_file);
    tcase_add_test(rt, test_hello_exact_bytes);
    suite_add_tcase(s, rt);
    TCase *bad = tcase_create("rejection");
    tcase_set_timeout(bad, 60);
    tcase_add_test(bad, test_truncated_at_every_offset);
    tcase_add_test(bad, test_bad_magic);
    tcase_add_test(bad, test_unsupported_version_and_flags);
    tcase_add_test(bad, test_section_overruns_file);
    tcase_add_test(bad, test_section_with_bytes_left_over);
    tcase_add_test(bad, test_wrong_and_missing_tags);
    tcase_add_test(bad, test_trailing_garbage);
    tcase_add_test(bad, test_huge_counts);
    tcase_add_test(bad, test_function_tables);
    tcase_add_test(bad, test_bad_entries);
    tcase_add_test(bad, test_messages_show_names_safely);
    tcase_add_test(bad, test_random_damage);
    suite_add_tcase(s, bad);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
