/*
 * test_vdb_command.c -- vdb's command line parser (debugger/core/command.h)
 * over its table of commands (debugger/commands/commands.def), and its
 * number and memory printer (debugger/core/number_format.h): pure text
 * work, no target.
 *
 *   find      full names, short forms, unique prefixes; ambiguous and
 *             unknown words get messages naming them
 *   table     every command has help and a usage; the words Tab completes
 *             come from the table (info's topics, layout's names); what an
 *             empty line repeats
 *   parse     the command word, /FORMAT suffixes, arguments trimmed,
 *             blank lines and comments, over-long input, stray characters
 *   x/FMT     counts (1 unless given), formats and sizes (kept between
 *             uses); bad letters
 *   numbers   decimal, hex, octal, binary, negative; overflow and junk
 *   assign    NAME = VALUE split and trimmed; missing sides
 *   memory    each format and size laid out as gdb does, little-endian
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "command_table.h"
#include "dispatch.h"
#include "number_format.h"
#include "session.h"
#include "target.h"

static char err[256];

static const vdb_command *find(const char *word)
{
    return vdb_command_find(vdb_commands, VDB_CMD_COUNT, word, err, sizeof err);
}

static int parse(const char *line, vdb_parsed *p)
{
    return vdb_parse_line(vdb_commands, VDB_CMD_COUNT, line, p, err, sizeof err);
}

/* ---- finding commands ---- */

START_TEST(finds_names_short_forms_and_prefixes)
{
    ck_assert_int_eq(find("break")->id, VDB_CMD_BREAK);
    ck_assert_int_eq(find("b")->id, VDB_CMD_BREAK);
    ck_assert_int_eq(find("c")->id, VDB_CMD_CONTINUE);
    ck_assert_int_eq(find("s")->id, VDB_CMD_STEP);
    ck_assert_int_eq(find("si")->id, VDB_CMD_STEPI);
    ck_assert_int_eq(find("n")->id, VDB_CMD_NEXT);
    ck_assert_int_eq(find("p")->id, VDB_CMD_PRINT);
    ck_assert_int_eq(find("bt")->id, VDB_CMD_BACKTRACE);
    ck_assert_int_eq(find("q")->id, VDB_CMD_QUIT);
    /* a prefix only one name has */
    ck_assert_int_eq(find("cont")->id, VDB_CMD_CONTINUE);
    ck_assert_int_eq(find("wat")->id, VDB_CMD_WATCH);
    ck_assert_int_eq(find("undisp")->id, VDB_CMD_UNDISPLAY);
}
END_TEST

START_TEST(ambiguous_and_unknown_words_are_named)
{
    ck_assert_ptr_null(find("di"));
    ck_assert_str_eq(err, "ambiguous command 'di': disable, display, disassemble");
    ck_assert_ptr_null(find("frobnicate"));
    ck_assert_str_eq(err, "unknown command 'frobnicate' (try help)");
    ck_assert_ptr_null(find(""));
}
END_TEST

START_TEST(every_command_has_help_and_a_unique_name)
{
    for (size_t i = 0; i < VDB_CMD_COUNT; i++) {
        const vdb_command *c = &vdb_commands[i];
        char usage[256];
        vdb_command_usage(c, usage, sizeof usage);
        ck_assert_int_eq(c->id, (int)i);
        ck_assert(strlen(c->help) > 10);
        ck_assert(strncmp(usage, c->name, strlen(c->name)) == 0);
        ck_assert_ptr_eq(find(c->name), c);
        if (c->alias)
            ck_assert_ptr_eq(find(c->alias), c);
    }
}
END_TEST

/* The words Tab completes after a command are its row's in commands.def,
 * and a usage without words of its own is made from them. */
START_TEST(argument_words_come_from_the_table)
{
    char usage[256];
    const vdb_command *layout = find("layout");
    ck_assert_ptr_nonnull(layout->words);
    for (int i = 0; i < VDB_LAYOUT_COUNT; i++)
        ck_assert_str_eq(layout->words[i], vdb_layout_name((vdb_layout)i));
    ck_assert_str_eq(layout->words[VDB_LAYOUT_COUNT], "next");
    ck_assert_ptr_null(layout->words[VDB_LAYOUT_COUNT + 1]);
    vdb_command_usage(layout, usage, sizeof usage);
    ck_assert_str_eq(usage, "layout src|asm|split|regs|next");
    vdb_command_usage(find("jit"), usage, sizeof usage);
    ck_assert_str_eq(usage, "jit on|off");
    /* info: every topic, its own, their other words, the targets' */
    vdb_command_usage(find("info"), usage, sizeof usage);
    ck_assert_str_eq(usage, "info breakpoints|watchpoints|registers|frame|locals|globals|stack|display|"
                            "args|line|symbol|exits|mode|jit|gc");
    ck_assert_str_eq(find("set")->words[0], "var");
    ck_assert_ptr_null(find("break")->words);
}
END_TEST

START_TEST(completion_comes_from_the_table)
{
    /* no session is needed before the registers and symbols */
    ck_assert_str_eq(vdb_session_complete(NULL, NULL, "rev", 0), "reverse-stepi");
    ck_assert_str_eq(vdb_session_complete(NULL, NULL, "rev", 2), "reverse-continue");
    ck_assert_ptr_null(vdb_session_complete(NULL, NULL, "rev", 3));
    ck_assert_str_eq(vdb_session_complete(NULL, "info", "w", 0), "watchpoints");
    ck_assert_str_eq(vdb_session_complete(NULL, "i", "g", 0), "globals");
    ck_assert_str_eq(vdb_session_complete(NULL, "i", "g", 1), "gc");
    ck_assert_str_eq(vdb_session_complete(NULL, "layout", "s", 1), "split");
    ck_assert_str_eq(vdb_session_complete(NULL, "help", "fi", 0), "finish");
    ck_assert_str_eq(vdb_session_complete(NULL, "set", "b", 0), "breakpoint-route");
}
END_TEST

/* A stand-in target with only what a session and Tab need: its caps and
 * its own info topics. */
static size_t no_registers(vdb_target *t) { return 0; }
static void keep(vdb_target *t) {}
static int no_info(vdb_target *t, const char *topic, char **text, char *e, size_t size) { return -1; }
static void no_output(void *context, vdb_stream stream, const char *text, size_t len) {}

static vdb_session *session_on(vdb_target_ops *ops, unsigned caps, const char *const *own_topics)
{
    static vdb_target target;
    static const vdb_sink sink = { no_output, NULL };
    *ops = (vdb_target_ops){ .name = "fake", .caps = caps, .register_count = no_registers, .destroy = keep,
                             .info = no_info, .info_topics = own_topics };
    target.ops = ops;
    return vdb_session_new(&target, NULL, NULL, &sink);
}

/* After `info `, Tab offers the topics this target has: its own by its
 * list, the operand stack only where frames have one. */
START_TEST(info_completes_the_targets_topics)
{
    static const char *const hv[] = { "exits", "mode", NULL }, *const vm[] = { "jit", "gc", NULL };
    vdb_target_ops ops;
    vdb_session *s = session_on(&ops, VDB_CAP_CPU_MODE | VDB_CAP_EXITS, hv);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(vdb_session_complete(s, "info", "g", 0), "globals");
    ck_assert_ptr_null(vdb_session_complete(s, "info", "g", 1));     /* no gc */
    ck_assert_ptr_null(vdb_session_complete(s, "info", "j", 0));     /* no jit */
    ck_assert_ptr_null(vdb_session_complete(s, "info", "st", 0));    /* no operand stack */
    ck_assert_str_eq(vdb_session_complete(s, "info", "e", 0), "exits");
    ck_assert_str_eq(vdb_session_complete(s, "i", "m", 0), "mode");
    size_t n = 0;
    while (vdb_session_complete(s, "info", "", n))
        n++;
    ck_assert_uint_eq(n, 12);  /* 10 of the front end's (no stack), exits, mode */
    vdb_session_free(s);
    s = session_on(&ops, VDB_CAP_SOURCE | VDB_CAP_OPERAND_STACK, vm);
    ck_assert_str_eq(vdb_session_complete(s, "info", "g", 1), "gc");
    ck_assert_str_eq(vdb_session_complete(s, "info", "st", 0), "stack");
    ck_assert_str_eq(vdb_session_complete(s, "info", "j", 0), "jit");
    ck_assert_ptr_null(vdb_session_complete(s, "info", "e", 0));
    vdb_session_free(s);
    /* a target without info has none of its own */
    s = session_on(&ops, 0, NULL);
    ops.info = NULL;
    ck_assert_ptr_null(vdb_session_complete(s, "info", "m", 0));
    ck_assert_str_eq(vdb_session_complete(s, "info", "s", 0), "symbol");
    vdb_session_free(s);
}
END_TEST

START_TEST(empty_line_repeats_what_the_table_says)
{
    char again[VDB_ARGS_MAX];
    vdb_repeat_of("next 3", again, sizeof again);
    ck_assert_str_eq(again, "next 3");
    vdb_repeat_of("c", again, sizeof again);
    ck_assert_str_eq(again, "c");
    vdb_repeat_of("x/4gx $sp", again, sizeof again);
    ck_assert_str_eq(again, "x");
    vdb_repeat_of("l fib", again, sizeof again);
    ck_assert_str_eq(again, "list");
    vdb_repeat_of("print n", again, sizeof again);
    ck_assert_str_eq(again, "");
    vdb_repeat_of("frobnicate", again, sizeof again);
    ck_assert_str_eq(again, "");
}
END_TEST

/* ---- numbers as print and x show them ---- */

START_TEST(numbers_in_each_format)
{
    char out[80];
    vdb_format_number(5, 8, 'x', false, out, sizeof out);
    ck_assert_str_eq(out, "0x5");
    vdb_format_number(5, 2, 'x', true, out, sizeof out);
    ck_assert_str_eq(out, "0x0005");
    vdb_format_number(5, 8, 't', false, out, sizeof out);
    ck_assert_str_eq(out, "101");
    vdb_format_number(0, 8, 't', false, out, sizeof out);
    ck_assert_str_eq(out, "0");
    vdb_format_number(5, 1, 't', true, out, sizeof out);
    ck_assert_str_eq(out, "00000101");
    vdb_format_number(UINT64_MAX, 8, 0, false, out, sizeof out);
    ck_assert_str_eq(out, "-1");
    vdb_format_number(0xFF, 1, 'd', true, out, sizeof out);
    ck_assert_str_eq(out, "-1");
    vdb_format_number(0x1FF, 1, 'u', true, out, sizeof out);
    ck_assert_str_eq(out, "255");
    vdb_format_number(8, 8, 'o', false, out, sizeof out);
    ck_assert_str_eq(out, "010");
    vdb_format_number('A', 8, 'c', false, out, sizeof out);
    ck_assert_str_eq(out, "65 'A'");
    vdb_format_number(0x141, 8, 'c', false, out, sizeof out);
    ck_assert_str_eq(out, "321 '\\x41'");
}
END_TEST

/* ---- parsing lines ---- */

START_TEST(parses_word_suffix_and_arguments)
{
    vdb_parsed p;
    ck_assert_int_eq(parse("  x/4gx   $sp - 8  \n", &p), 1);
    ck_assert_int_eq(p.command->id, VDB_CMD_EXAMINE);
    ck_assert_str_eq(p.suffix, "4gx");
    ck_assert_str_eq(p.args, "$sp - 8");
    ck_assert_int_eq(parse("p/x n", &p), 1);
    ck_assert_int_eq(p.command->id, VDB_CMD_PRINT);
    ck_assert_str_eq(p.suffix, "x");
    ck_assert_str_eq(p.args, "n");
    ck_assert_int_eq(parse("continue", &p), 1);
    ck_assert_str_eq(p.suffix, "");
    ck_assert_str_eq(p.args, "");
    ck_assert_int_eq(parse("set var a[2].next = null", &p), 1);
    ck_assert_str_eq(p.args, "var a[2].next = null");
}
END_TEST

START_TEST(blank_lines_and_comments_do_nothing)
{
    vdb_parsed p;
    ck_assert_int_eq(parse("", &p), 0);
    ck_assert_int_eq(parse("   \t ", &p), 0);
    ck_assert_int_eq(parse("# a comment", &p), 0);
    ck_assert_int_eq(parse("\n", &p), 0);
}
END_TEST

START_TEST(bad_lines_get_messages)
{
    vdb_parsed p;
    ck_assert_int_eq(parse("x/", &p), -1);
    ck_assert_str_eq(err, "x: a bad format after '/'");
    ck_assert_int_eq(parse("!ls", &p), -1);
    ck_assert_str_eq(err, "'!' is not a command");
    ck_assert_int_eq(parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &p), -1);
    ck_assert(strstr(err, "unknown command") != NULL);
    char *long_line = malloc(5000);
    memset(long_line, 'a', 4999);
    memcpy(long_line, "print ", 6);
    long_line[4999] = '\0';
    ck_assert_int_eq(parse(long_line, &p), -1);
    ck_assert(strstr(err, "too long") != NULL);
    free(long_line);
}
END_TEST

/* ---- x/FMT ---- */

START_TEST(examine_formats_keep_format_and_size_not_count)
{
    vdb_examine_format f = { 1, 'x', 8 };
    ck_assert_int_eq(vdb_parse_examine_format("4wd", &f, err, sizeof err), 0);
    ck_assert_uint_eq(f.count, 4);
    ck_assert_int_eq(f.format, 'd');
    ck_assert_uint_eq(f.size, 4);
    ck_assert_int_eq(vdb_parse_examine_format("b", &f, err, sizeof err), 0);
    ck_assert_uint_eq(f.count, 1);
    ck_assert_int_eq(f.format, 'd');
    ck_assert_uint_eq(f.size, 1);
    ck_assert_int_eq(vdb_parse_examine_format("10i", &f, err, sizeof err), 0);
    ck_assert_uint_eq(f.count, 10);
    ck_assert_int_eq(f.format, 'i');
    ck_assert_int_eq(vdb_parse_examine_format("2c", &f, err, sizeof err), 0);
    ck_assert_uint_eq(f.size, 1);
}
END_TEST

START_TEST(examine_format_errors)
{
    vdb_examine_format f = { 1, 'x', 8 };
    ck_assert_int_eq(vdb_parse_examine_format("4q", &f, err, sizeof err), -1);
    ck_assert_str_eq(err, "x/4q: 'q' is neither a format (x d u o t c i s) nor a size (b h w g)");
    ck_assert_int_eq(vdb_parse_examine_format("0x", &f, err, sizeof err), -1);
    ck_assert_int_eq(vdb_parse_examine_format("99999x", &f, err, sizeof err), -1);
    ck_assert_str_eq(err, "x/99999x: the count must be 1 to 4096");
}
END_TEST

/* ---- numbers and assignments ---- */

START_TEST(numbers_in_every_base)
{
    uint64_t v;
    ck_assert(vdb_parse_number("42", &v) && v == 42);
    ck_assert(vdb_parse_number("0x1F", &v) && v == 31);
    ck_assert(vdb_parse_number("017", &v) && v == 15);
    ck_assert(vdb_parse_number("0b101", &v) && v == 5);
    ck_assert(vdb_parse_number("-3", &v) && (int64_t)v == -3);
    ck_assert(vdb_parse_number("0", &v) && v == 0);
    ck_assert(vdb_parse_number("18446744073709551615", &v) && v == UINT64_MAX);
    ck_assert(!vdb_parse_number("18446744073709551616", &v));
    ck_assert(!vdb_parse_number("0x", &v));
    ck_assert(!vdb_parse_number("12ab", &v));
    ck_assert(!vdb_parse_number("09", &v));
    ck_assert(!vdb_parse_number("", &v));
    ck_assert(!vdb_parse_number("-", &v));
}
END_TEST

START_TEST(assignments_split_and_trimmed)
{
    char name[32], value[32];
    ck_assert_int_eq(vdb_split_assignment("  a[2] =  -7 ", name, sizeof name, value, sizeof value, err, sizeof err), 0);
    ck_assert_str_eq(name, "a[2]");
    ck_assert_str_eq(value, "-7");
    ck_assert_int_eq(vdb_split_assignment("x 5", name, sizeof name, value, sizeof value, err, sizeof err), -1);
    ck_assert_str_eq(err, "expected NAME = VALUE, got 'x 5'");
    ck_assert_int_eq(vdb_split_assignment("x =", name, sizeof name, value, sizeof value, err, sizeof err), -1);
    ck_assert_int_eq(vdb_split_assignment("= 3", name, sizeof name, value, sizeof value, err, sizeof err), -1);
}
END_TEST

/* ---- the memory printer ---- */

static const uint8_t bytes[16] = { 0x01, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF,
                                   'H', 'i', '!', 0x00, 0x80, 0x00, 0x00, 0x00 };

static void expect_dump(unsigned count, char format, unsigned size, const char *expected)
{
    vdb_examine_format f = { count, format, size };
    char *text = vdb_format_memory("virt", 0x1000, bytes, (size_t)count * size, &f);
    ck_assert_ptr_nonnull(text);
    ck_assert_str_eq(text, expected);
    free(text);
}

START_TEST(memory_in_hex_by_size)
{
    expect_dump(2, 'x', 8, "virt:0x1000:\t0xffffffff00000001\t0x0000008000216948\n");
    expect_dump(4, 'x', 4, "virt:0x1000:\t0x00000001\t0xffffffff\t0x00216948\t0x00000080\n");
    expect_dump(3, 'x', 2, "virt:0x1000:\t0x0001\t0x0000\t0xffff\n");
    expect_dump(10, 'x', 1, "virt:0x1000:\t0x01\t0x00\t0x00\t0x00\t0xff\t0xff\t0xff\t0xff\n"
                            "virt:0x1008:\t0x48\t0x69\n");
}
END_TEST

START_TEST(memory_signed_unsigned_octal_binary_chars)
{
    expect_dump(2, 'd', 4, "virt:0x1000:\t1\t-1\n");
    expect_dump(2, 'u', 4, "virt:0x1000:\t1\t4294967295\n");
    expect_dump(1, 'o', 1, "virt:0x1000:\t01\n");
    expect_dump(1, 't', 2, "virt:0x1000:\t0000000000000001\n");
    vdb_examine_format f = { 4, 'c', 1 };
    char *text = vdb_format_memory("virt", 0x1008, bytes + 8, 4, &f);
    ck_assert_str_eq(text, "virt:0x1008:\t72 'H'\t105 'i'\t33 '!'\t0 '\\x00'\n");
    free(text);
    expect_dump(1, 'd', 8, "virt:0x1000:\t-4294967295\n");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vdb_command");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, finds_names_short_forms_and_prefixes);
    tcase_add_test(tc, ambiguous_and_unknown_words_are_named);
    tcase_add_test(tc, every_command_has_help_and_a_unique_name);
    tcase_add_test(tc, argument_words_come_from_the_table);
    tcase_add_test(tc, completion_comes_from_the_table);
    tcase_add_test(tc, info_completes_the_targets_topics);
    tcase_add_test(tc, empty_line_repeats_what_the_table_says);
    tcase_add_test(tc, numbers_in_each_format);
    tcase_add_test(tc, parses_word_suffix_and_arguments);
    tcase_add_test(tc, blank_lines_and_comments_do_nothing);
    tcase_add_test(tc, bad_lines_get_messages);
    tcase_add_test(tc, examine_formats_keep_format_and_size_not_count);
    tcase_add_test(tc, examine_format_errors);
    tcase_add_test(tc, numbers_in_every_base);
    tcase_add_test(tc, assignments_split_and_trimmed);
    tcase_add_test(tc, memory_in_hex_by_size);
    tcase_add_test(tc, memory_signed_unsigned_octal_binary_chars);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
