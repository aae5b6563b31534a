/*
 * test_vdb_symbol_map.c -- the System.map reader (debugger/targets/symbol_map.h)
 * and the symbols the DWARF layer makes of one (guest_symbol_map.c), with
 * no guest and no KVM.
 *
 *   lines      good lines as System.map and /proc/kallsyms write them (upper
 *              and lower case types, CRLF, a module's "\t[MODULE]"), blank
 *              lines; bad ones each with its reason
 *   files      a bad line is named FILE:LINE; detection tells a map from an
 *              ELF and from other text; the package's placeholder map
 *   symbols    a map opened through guest_dwarf_open: break NAME's address,
 *              NAME+OFF for addresses inside and between symbols, text
 *              symbols are functions up to the next symbol, absolute and
 *              undefined symbols are left out, completion names
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest_dwarf.h"
#include "symbol_map.h"

static int parse(const char *line, symbol_map_entry *e, char *why)
{
    return symbol_map_parse_line(line, strlen(line), e, why, 160);
}

static void expect_name(const symbol_map_entry *e, const char *name)
{
    ck_assert_msg(e->name_length == strlen(name) && memcmp(e->name, name, e->name_length) == 0,
                  "name '%.*s', expected '%s'", (int)e->name_length, e->name, name);
}

START_TEST(good_lines)
{
    symbol_map_entry e;
    char why[160];
    ck_assert_int_eq(parse("ffffffff81000000 T _text", &e, why), 1);
    ck_assert_uint_eq(e.address, 0xffffffff81000000ull);
    ck_assert_int_eq(e.type, 'T');
    expect_name(&e, "_text");
    ck_assert_ptr_null(e.module);

    ck_assert_int_eq(parse("ffffffff8102a3b0 t native_write_cr4\r", &e, why), 1);
    ck_assert_int_eq(e.type, 't');
    expect_name(&e, "native_write_cr4");

    ck_assert_int_eq(parse("ffffffffc0352010 t vblk_probe\t[virtio_blk]", &e, why), 1);
    expect_name(&e, "vblk_probe");
    ck_assert_msg(e.module && e.module_length == 10 && memcmp(e.module, "virtio_blk", 10) == 0, "module");

    ck_assert_int_eq(parse("0000000000000000 A fixed_percpu_data", &e, why), 1);
    ck_assert_uint_eq(e.address, 0);
    ck_assert_int_eq(parse("1a D x", &e, why), 1);
    ck_assert_uint_eq(e.address, 0x1a);

    ck_assert_int_eq(parse("", &e, why), 0);
    ck_assert_int_eq(parse("  \t\r", &e, why), 0);
}
END_TEST

static void expect_bad(const char *line, const char *reason)
{
    symbol_map_entry e;
    char why[160] = "";
    ck_assert_msg(parse(line, &e, why) == -1, "'%s' was taken", line);
    ck_assert_msg(strstr(why, reason) != NULL, "'%s': %s (expected '%s')", line, why, reason);
}

START_TEST(bad_lines)
{
    expect_bad("start_kernel", "expected ADDRESS TYPE NAME");
    expect_bad("0xffffffff81000000 T _text", "expected ADDRESS TYPE NAME");
    expect_bad("ffffffff81000000", "expected ADDRESS TYPE NAME");
    expect_bad("ffffffff81000000 T", "the type is one letter");
    expect_bad("ffffffff81000000 TT _text", "the type is one letter");
    expect_bad("ffffffff81000000 7 _text", "the type is one letter");
    expect_bad("ffffffff81000000 T ", "no name after the type");
    expect_bad("1ffffffff81000000 T _text", "more than 16 hex digits");
    expect_bad("ffffffff81000000 T _text [kvm", "in brackets");
    expect_bad("ffffffff81000000 T _text []", "in brackets");
    expect_bad("ffffffff81000000 T _text extra", "unexpected text after the name: 'extra'");
    expect_bad("ffffffff81000000 T _text [kvm] more", "unexpected text after the name: 'more'");
}
END_TEST

static char map_path[] = "/tmp/vdb-symbol-map-XXXXXX";

static void write_map(const char *text)
{
    FILE *f = fopen(map_path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

static bool count_one(void *context, const symbol_map_entry *entry)
{
    (*(int *)context)++;
    return true;
}

START_TEST(files)
{
    int fd = mkstemp(map_path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    static const char text[] = "ffffffff81000000 T _text\n\nffffffff81000010 t second\nnot a symbol\n";
    char err[256];
    int count = 0;
    ck_assert_int_eq(symbol_map_parse("K.map", text, strlen(text), count_one, &count, err, sizeof err), -1);
    ck_assert_msg(strncmp(err, "K.map:4: expected ADDRESS TYPE NAME", 35) == 0, "%s", err);
    ck_assert_int_eq(count, 2);
    ck_assert_int_eq(symbol_map_parse("K.map", text, 52, count_one, &count, err, sizeof err), 2);
    ck_assert_int_eq(symbol_map_parse("K.map", "1 T a\0b", 7, count_one, &count, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "K.map:1: a NUL byte") != NULL, "%s", err);

    write_map(text);
    ck_assert(symbol_map_detect(map_path));
    ck_assert_ptr_null(guest_dwarf_open(map_path, err, sizeof err));
    char expected[300];
    snprintf(expected, sizeof expected, "%s:4: expected ADDRESS TYPE NAME", map_path);
    ck_assert_msg(strstr(err, expected) != NULL, "%s", err);

    write_map("#!/bin/sh\necho hi\n");
    ck_assert(!symbol_map_detect(map_path));
    write_map("\177ELF\2\1\1");
    ck_assert(!symbol_map_detect(map_path));

    /* Debian's package ships this one line instead of the real map. */
    write_map("ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n");
    ck_assert(symbol_map_detect(map_path));
    ck_assert_ptr_null(guest_dwarf_open(map_path, err, sizeof err));
    ck_assert_msg(strstr(err, ":1: unexpected text after the name: 'real System.map") != NULL, "%s", err);
    unlink(map_path);
}
END_TEST

START_TEST(symbols)
{
    int fd = mkstemp(map_path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    write_map("0000000000000000 A fixed_percpu_data\n"
              "ffffffff81000000 T _text\n"
              "ffffffff81000000 T startup_64\n"
              "ffffffff81000100 t helper\n"
              "ffffffff81000180 D some_data\n"
              "ffffffff81000200 T start_kernel\n"
              "ffffffff81000300 U undefined_one\n"
              "ffffffffc0001000 t vblk_probe\t[virtio_blk]\n");
    char err[256], out[128];
    guest_dwarf *g = guest_dwarf_open(map_path, err, sizeof err);
    ck_assert_msg(g != NULL, "%s", err);
    ck_assert(!guest_dwarf_has_lines(g));
    ck_assert(!guest_dwarf_has_info(g));
    ck_assert(!guest_dwarf_has_cfi(g));
    ck_assert_uint_eq(guest_dwarf_symbol_count(g), 6);  /* not the absolute one, not the undefined one */

    uint64_t address;
    ck_assert(guest_dwarf_symbol_address(g, "start_kernel", &address));
    ck_assert_uint_eq(address, 0xffffffff81000200ull);
    ck_assert(guest_dwarf_symbol_address(g, "vblk_probe", &address));
    ck_assert_uint_eq(address, 0xffffffffc0001000ull);
    ck_assert(!guest_dwarf_symbol_address(g, "fixed_percpu_data", &address));
    ck_assert(!guest_dwarf_symbol_address(g, "undefined_one", &address));

    guest_function f;
    ck_assert(guest_dwarf_function_named(g, "helper", &f));
    ck_assert_uint_eq(f.low, 0xffffffff81000100ull);
    ck_assert_uint_eq(f.high, 0xffffffff81000180ull);  /* up to the next symbol */
    ck_assert_uint_eq(f.body, f.low);
    ck_assert(!guest_dwarf_function_named(g, "some_data", &f));

    ck_assert(guest_dwarf_symbolize(g, 0xffffffff81000205ull, out, sizeof out));
    ck_assert_str_eq(out, "start_kernel+5");
    ck_assert(guest_dwarf_symbolize(g, 0xffffffff81000184ull, out, sizeof out));
    ck_assert_str_eq(out, "some_data+4");
    ck_assert(guest_dwarf_symbolize(g, 0xffffffff81000000ull, out, sizeof out));
    ck_assert_msg(strcmp(out, "_text") == 0 || strcmp(out, "startup_64") == 0, "%s", out);
    ck_assert(!guest_dwarf_symbolize(g, 0x10, out, sizeof out));
    ck_assert_str_eq(out, "0x10");

    bool found = false;
    for (size_t i = 0; guest_dwarf_completion(g, i); i++)
        found |= strcmp(guest_dwarf_completion(g, i), "start_kernel") == 0;
    ck_assert(found);
    guest_dwarf_close(g);

    write_map("0000000000000000 A only_absolute\n");
    ck_assert_ptr_null(guest_dwarf_open(map_path, err, sizeof err));
    ck_assert_msg(strstr(err, "no symbols with an address") != NULL, "%s", err);
    unlink(map_path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vdb_symbol_map");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, good_lines);
    tcase_add_test(tc, bad_lines);
    tcase_add_test(tc, files);
    tcase_add_test(tc, symbols);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
