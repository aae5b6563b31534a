/*
 * test_guest_kernel.c -- the parts of the guest kernel (mini-hypervisor/
 * guest/kernel/) that do not need a machine, compiled for the host: printf
 * formatting (kprintf.c), the command-line parser (cmdline.c) and the
 * allocator's free lists (alloc.c).  What needs the machine -- interrupts,
 * devices, the workloads inside the guest -- is tested end to end under
 * mhv, in the sandbox.
 *
 * Parsed commands are compared through a compact text rendering
 * ("workload:fib=20", "hz=100", "fault:pf", "BAD") so each test reads like
 * the command line it checks.
 */
#include <check.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "cmdline.h"
#include "kprintf.h"

/* ---- kprintf.c -------------------------------------------------------------- */

/* Format into a fresh buffer, check the text and the returned count. */
#define ck_format_with(function, expected, ...)                                    \
    do {                                                                           \
        char buf_[256];                                                            \
        int n_ = function(buf_, sizeof buf_, __VA_ARGS__);                         \
        ck_assert_str_eq(buf_, expected);                                          \
        ck_assert_int_eq(n_, (int)strlen(expected));                               \
    } while (0)

#define ck_format(expected, ...) ck_format_with(format_buffer, expected, __VA_ARGS__)

/* For formats that gcc's printf checking rightly calls wrong: called through
 * a pointer (volatile, so no optimizer sees through it), format_buffer
 * loses its format attribute. */
static int (*volatile format_unchecked)(char *, size_t, const char *, ...) = format_buffer;
#define ck_format_odd(expected, ...) ck_format_with(format_unchecked, expected, __VA_ARGS__)

START_TEST(format_plain_text_and_percent)
{
    ck_format("", "%s", "");
    ck_format("hello, world\n", "hello, world\n");
    ck_format("100%", "100%%");
}
END_TEST

START_TEST(format_signed_decimal)
{
    ck_format("0 42 -42", "%d %i %d", 0, 42, -42);
    ck_format("-2147483648 2147483647", "%d %d", INT_MIN, INT_MAX);
    ck_format("-9223372036854775808", "%lld", LLONG_MIN);
    ck_format("9223372036854775807", "%lld", LLONG_MAX);
    ck_format("-1234567890123", "%ld", -1234567890123L);
    ck_format("-5", "%zd", (size_t)-5);
}
END_TEST

START_TEST(format_unsigned_and_hex)
{
    ck_format("4294967295", "%u", UINT_MAX);
    ck_format("18446744073709551615", "%llu", ULLONG_MAX);
    ck_format("12345", "%zu", (size_t)12345);
    ck_format("ff FF 0", "%x %X %x", 255u, 255u, 0u);
    ck_format("deadbeefcafe", "%lx", 0xdeadbeefcafeUL);
    ck_format("ffffffffffffffff", "%llx", ULLONG_MAX);
    /* without l, only the int's worth of bits is printed */
    ck_format("ffffffff", "%x", -1);
    ck_format("12", "%hhd", 12);
}
END_TEST

START_TEST(format_width_and_padding)
{
    ck_format("   42|", "%5d|", 42);
    ck_format("42   |", "%-5d|", 42);
    ck_format("00042", "%05d", 42);
    ck_format("-0042", "%05d", -42);
    ck_format("  -42", "%5d", -42);
    ck_format("000000000000beef", "%016llx", 0xbeefULL);
    ck_format("123456", "%3d", 123456); /* a width never truncates */
    ck_format("   7", "%*d", 4, 7);
    ck_format("7   |", "%*d|", -4, 7);
}
END_TEST

START_TEST(format_strings_and_characters)
{
    ck_format("abc", "%s", "abc");
    ck_format("  abc|abc  |", "%5s|%-5s|", "abc", "abc");
    ck_format_odd("  abc", "%05s", "abc"); /* zeros pad numbers only */
    ck_format("ab", "%.2s", "abcdef");
    ck_format("abc", "%.*s", 3, "abcdef");
    ck_format_odd("(null)", "%s", (char *)NULL);
    ck_format("x", "%c", 'x');
    ck_format("  x|", "%3c|", 'x');
    ck_format("'bogus'", "'%.*s'", 5, "bogus words");
}
END_TEST

START_TEST(format_pointers)
{
    ck_format("0x1234", "%p", (void *)0x1234);
    ck_format("0x0", "%p", (void *)0);
    ck_format("0xffffffffffffffff", "%p", (void *)UINTPTR_MAX);
}
END_TEST

START_TEST(format_unknown_conversions_are_printed_as_written)
{
    ck_format_odd("%q", "%q");
    ck_format_odd("%5q!", "%5q!");
    ck_format_odd("end %", "end %");
    ck_format_odd("x %l", "x %l");
}
END_TEST

START_TEST(format_buffer_truncates_like_snprintf)
{
    char buf[8];
    memset(buf, '#', sizeof buf);
    ck_assert_int_eq(format_buffer(buf, 5, "hello world"), 11);
    ck_assert_str_eq(buf, "hell");
    ck_assert_int_eq(buf[5], '#'); /* nothing written past size */

    memset(buf, '#', sizeof buf);
    ck_assert_int_eq(format_buffer(buf, 0, "abc"), 3);
    ck_assert_int_eq(buf[0], '#');

    ck_assert_int_eq(format_buffer(buf, 1, "abc"), 3);
    ck_assert_str_eq(buf, "");
}
END_TEST

/* The sink receives every character, in order, whatever the buffer. */
struct counting_sink {
    char text[64];
    int calls;
};

static void counting_put(void *context, char c)
{
    struct counting_sink *s = context;
    s->text[s->calls++] = c;
}

static int format_to_sink(struct counting_sink *s, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int n = format_v(counting_put, s, fmt, args);
    va_end(args);
    return n;
}

START_TEST(format_v_sends_each_character_to_the_sink)
{
    struct counting_sink s = { { 0 }, 0 };
    ck_assert_int_eq(format_to_sink(&s, "fib(%lld) = %lld", 20LL, 6765LL), 14);
    ck_assert_int_eq(s.calls, 14);
    ck_assert_str_eq(s.text, "fib(20) = 6765");

    s = (struct counting_sink){ { 0 }, 0 };
    ck_assert_int_eq(format_to_sink(&s, "%c", '\0'), 1); /* even a NUL */
    ck_assert_int_eq(s.calls, 1);
}
END_TEST

/* ---- cmdline.c ---------------------------------------------------------------- */

/* One word parsed, as text: "BAD" if command_parse rejects it. */
static const char *parse(const char *text)
{
    static char out[64];
    struct command c;
    struct cmdline_word word = { text, strlen(text) };
    if (!command_parse(word, &c))
        return "BAD";
    switch (c.kind) {
    case COMMAND_WORKLOAD:
        if (c.has_value)
            snprintf(out, sizeof out, "workload:%s=%llu", workload_words[c.workload],
                     (unsigned long long)c.value);
        else
            snprintf(out, sizeof out, "workload:%s", workload_words[c.workload]);
        return out;
    case COMMAND_ALL: return "all";
    case COMMAND_HZ: snprintf(out, sizeof out, "hz=%llu", (unsigned long long)c.value); return out;
    case COMMAND_TICKS: snprintf(out, sizeof out, "ticks=%llu", (unsigned long long)c.value); return out;
    case COMMAND_ECHO: return "echo";
    case COMMAND_INFO: return "info";
    case COMMAND_FAULT: snprintf(out, sizeof out, "fault:%s", fault_words[c.fault]); return out;
    case COMMAND_POKE: snprintf(out, sizeof out, "poke=0x%llx", (unsigned long long)c.value); return out;
    case COMMAND_SPIN: return "spin";
    case COMMAND_EXIT: snprintf(out, sizeof out, "exit=%llu", (unsigned long long)c.value); return out;
    }
    return "?";
}

/* The words of a command line joined with '|'. */
static const char *words_of(const char *cmdline)
{
    static char out[256];
    size_t len = 0;
    struct cmdline_word w;
    out[0] = '\0';
    for (const char *cursor = cmdline; cmdline_next_word(&cursor, &w);)
        len += (size_t)snprintf(out + len, sizeof out - len, "%s%.*s", len ? "|" : "", (int)w.len, w.text);
    return out;
}

START_TEST(cmdline_splits_words_on_spaces)
{
    ck_assert_str_eq(words_of(""), "");
    ck_assert_str_eq(words_of("    "), "");
    ck_assert_str_eq(words_of("fib"), "fib");
    ck_assert_str_eq(words_of("fib=20 info ticks=5"), "fib=20|info|ticks=5");
    ck_assert_str_eq(words_of("  fib   sieve=10\tinfo \n"), "fib|sieve=10|info");
}
END_TEST

START_TEST(cmdline_next_word_stops_at_the_end)
{
    const char *text = " a ";
    const char *cursor = text;
    struct cmdline_word w;
    ck_assert(cmdline_next_word(&cursor, &w));
    ck_assert_ptr_eq(w.text, text + 1);
    ck_assert_uint_eq(w.len, 1);
    ck_assert(!cmdline_next_word(&cursor, &w));
    ck_assert(!cmdline_next_word(&cursor, &w)); /* and stays there */
    ck_assert_int_eq(*cursor, '\0');
}
END_TEST

START_TEST(cmdline_workloads)
{
    ck_assert_str_eq(parse("fib"), "workload:fib");
    ck_assert_str_eq(parse("loop"), "workload:loop");
    ck_assert_str_eq(parse("sieve"), "workload:sieve");
    ck_assert_str_eq(parse("matmul"), "workload:matmul");
    ck_assert_str_eq(parse("trees"), "workload:trees");
    ck_assert_str_eq(parse("fib=20"), "workload:fib=20");
    ck_assert_str_eq(parse("matmul=0x10"), "workload:matmul=16");
    ck_assert_str_eq(parse("trees=0"), "workload:trees=0");
    ck_assert_str_eq(parse("fib=9223372036854775807"), "workload:fib=9223372036854775807");
    ck_assert_str_eq(parse("fib=9223372036854775808"), "BAD"); /* above LLONG_MAX */
    ck_assert_str_eq(parse("fib="), "BAD");
    ck_assert_str_eq(parse("fib=x"), "BAD");
    ck_assert_str_eq(parse("fib=-1"), "BAD");
    ck_assert_str_eq(parse("fib=1=2"), "BAD");
    ck_assert_str_eq(parse("FIB"), "BAD");
    ck_assert_str_eq(parse("fibs"), "BAD");
    ck_assert_str_eq(parse("fi"), "BAD");
    ck_assert_str_eq(parse("all"), "all");
    ck_assert_str_eq(parse("all=1"), "BAD");
}
END_TEST

START_TEST(cmdline_word_tables)
{
    ck_assert_int_eq(WORKLOAD_COUNT, 5);
    ck_assert_str_eq(workload_words[0], "fib");
    ck_assert_str_eq(workload_words[1], "loop");
    ck_assert_str_eq(workload_words[2], "sieve");
    ck_assert_str_eq(workload_words[3], "matmul");
    ck_assert_str_eq(workload_words[4], "trees");
    ck_assert_int_eq(FAULT_COUNT, 5);
    ck_assert_str_eq(fault_words[FAULT_PF], "pf");
}
END_TEST

START_TEST(cmdline_timer_words)
{
    ck_assert_str_eq(parse("hz=100"), "hz=100");
    ck_assert_str_eq(parse("hz=0"), "hz=0");
    ck_assert_str_eq(parse("hz=19"), "hz=19");
    ck_assert_str_eq(parse("hz=18"), "BAD"); /* the 8254 cannot go that slow */
    ck_assert_str_eq(parse("hz=10000"), "hz=10000");
    ck_assert_str_eq(parse("hz=10001"), "BAD");
    ck_assert_str_eq(parse("hz"), "BAD");
    ck_assert_str_eq(parse("hz="), "BAD");
    ck_assert_str_eq(parse("ticks=5"), "ticks=5");
    ck_assert_str_eq(parse("ticks=0"), "ticks=0");
    ck_assert_str_eq(parse("ticks"), "BAD");
    ck_assert_str_eq(parse("ticks=five"), "BAD");
}
END_TEST

START_TEST(cmdline_device_and_control_words)
{
    ck_assert_str_eq(parse("echo"), "echo");
    ck_assert_str_eq(parse("echo=1"), "BAD");
    ck_assert_str_eq(parse("info"), "info");
    ck_assert_str_eq(parse("info="), "BAD");
    ck_assert_str_eq(parse("spin"), "spin");
    ck_assert_str_eq(parse("poke=0xE0000000"), "poke=0xe0000000");
    ck_assert_str_eq(parse("poke=4096"), "poke=0x1000");
    ck_assert_str_eq(parse("poke=0xffffffffffffffff"), "poke=0xffffffffffffffff");
    ck_assert_str_eq(parse("poke=0x10000000000000000"), "BAD"); /* 2^64 */
    ck_assert_str_eq(parse("poke=18446744073709551616"), "BAD");
    ck_assert_str_eq(parse("poke"), "BAD");
    ck_assert_str_eq(parse("exit=0"), "exit=0");
    ck_assert_str_eq(parse("exit=255"), "exit=255");
    ck_assert_str_eq(parse("exit=256"), "BAD");
    ck_assert_str_eq(parse("exit"), "BAD");
}
END_TEST

START_TEST(cmdline_faults)
{
    ck_assert_str_eq(parse("fault=ud"), "fault:ud");
    ck_assert_str_eq(parse("fault=gp"), "fault:gp");
    ck_assert_str_eq(parse("fault=pf"), "fault:pf");
    ck_assert_str_eq(parse("fault=de"), "fault:de");
    ck_assert_str_eq(parse("fault=bp"), "fault:bp");
    ck_assert_str_eq(parse("fault=df"), "BAD");
    ck_assert_str_eq(parse("fault=u"), "BAD");
    ck_assert_str_eq(parse("fault=udx"), "BAD");
    ck_assert_str_eq(parse("fault=14"), "BAD");
    ck_assert_str_eq(parse("fault"), "BAD");
}
END_TEST

START_TEST(cmdline_unknown_words)
{
    ck_assert_str_eq(parse("bogus"), "BAD");
    ck_assert_str_eq(parse("=3"), "BAD");
    ck_assert_str_eq(parse("="), "BAD");
    ck_assert_str_eq(parse("quit"), "BAD");
}
END_TEST

START_TEST(cmdline_a_word_is_only_its_own_bytes)
{
    /* The parser is handed a word inside a longer line: it must not read on. */
    const char *line = "fib=20 info";
    struct command c;
    ck_assert(command_parse((struct cmdline_word){ line, 6 }, &c));
    ck_assert_int_eq(c.kind, COMMAND_WORKLOAD);
    ck_assert_uint_eq(c.value, 20);
    ck_assert(command_parse((struct cmdline_word){ line, 5 }, &c));
    ck_assert_uint_eq(c.value, 2);
    ck_assert(command_parse((struct cmdline_word){ line, 3 }, &c));
    ck_assert(!c.has_value);
}
END_TEST

START_TEST(cmdline_numbers)
{
    uint64_t v = 99;
    ck_assert(cmdline_parse_number("0", 1, &v) && v == 0);
    ck_assert(cmdline_parse_number("007", 3, &v) && v == 7);
    ck_assert(cmdline_parse_number("0x1f", 4, &v) && v == 31);
    ck_assert(cmdline_parse_number("0X1F", 4, &v) && v == 31);
    ck_assert(cmdline_parse_number("18446744073709551615", 20, &v) && v == UINT64_MAX);
    v = 99;
    ck_assert(!cmdline_parse_number("", 0, &v));
    ck_assert(!cmdline_parse_number("0x", 2, &v));
    ck_assert(!cmdline_parse_number("12a", 3, &v));
    ck_assert(!cmdline_parse_number("0xg", 3, &v));
    ck_assert(!cmdline_parse_number("+1", 2, &v));
    ck_assert(!cmdline_parse_number(" 1", 2, &v));
    ck_assert(!cmdline_parse_number("18446744073709551616", 20, &v));
    ck_assert_uint_eq(v, 99); /* untouched on failure */
}
END_TEST

/* ---- alloc.c ----------------------------------------------------------------- */

#define ARENA_SIZE (64 * 1024)
static _Alignas(16) unsigned char arena[ARENA_SIZE];

static struct heap heap;

static void heap_setup(void)
{
    memset(arena, 0xAB, sizeof arena);
    heap_init(&heap, arena, arena + ARENA_SIZE);
}

START_TEST(heap_blocks_are_aligned_and_disjoint)
{
    unsigned char *a = heap_alloc(&heap, 1);
    unsigned char *b = heap_alloc(&heap, 24);
    unsigned char *c = heap_alloc(&heap, 0);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_nonnull(c);
    ck_assert_uint_eq((uintptr_t)a % 16, 0);
    ck_assert_uint_eq((uintptr_t)b % 16, 0);
    ck_assert_uint_eq((uintptr_t)c % 16, 0);
    /* a: 16 bytes, b: 32 (24 rounded up), each after a 16-byte header */
    ck_assert_ptr_eq(b, a + 16 + HEAP_HEADER_SIZE);
    ck_assert_ptr_eq(c, b + 32 + HEAP_HEADER_SIZE);
    memset(a, 1, 1);
    memset(b, 2, 24);
    memset(c, 3, 16);
    ck_assert_int_eq(a[0], 1);
    ck_assert_int_eq(b[23], 2);
    ck_assert_uint_eq(heap_bytes_used(&heap), 3 * HEAP_HEADER_SIZE + 16 + 32 + 16);
}
END_TEST

START_TEST(heap_reuses_a_freed_block_of_the_same_size)
{
    void *a = heap_alloc(&heap, 16);
    void *b = heap_alloc(&heap, 16);
    size_t used = heap_bytes_used(&heap);
    ck_assert(heap_free(&heap, a));
    ck_assert(heap_free(&heap, b));
    /* last in, first out */
    ck_assert_ptr_eq(heap_alloc(&heap, 16), b);
    ck_assert_ptr_eq(heap_alloc(&heap, 10), a); /* 10 rounds up to 16 */
    ck_assert_uint_eq(heap_bytes_used(&heap), used);
    ck_assert_uint_eq(heap.reused_blocks, 2);
}
END_TEST

START_TEST(heap_does_not_reuse_other_sizes)
{
    void *a = heap_alloc(&heap, 32);
    ck_assert(heap_free(&heap, a));
    void *b = heap_alloc(&heap, 16);
    void *c = heap_alloc(&heap, 48);
    ck_assert_ptr_ne(b, a);
    ck_assert_ptr_ne(c, a);
    ck_assert_ptr_eq(heap_alloc(&heap, 32), a);
}
END_TEST

START_TEST(heap_trees_pattern_stays_in_place)
{
    /* Build a "tree" of 16-byte nodes, free it, build again: as trees.c does. */
    enum { NODES = 1000 };
    static void *nodes[NODES];
    for (int round = 0; round < 5; round++) {
        for (int i = 0; i < NODES; i++) {
            nodes[i] = heap_alloc(&heap, 16);
            ck_assert_ptr_nonnull(nodes[i]);
            memset(nodes[i], round, 16);
        }
        for (int i = 0; i < NODES; i++)
            ck_assert(heap_free(&heap, nodes[i]));
    }
    ck_assert_uint_eq(heap_bytes_used(&heap), NODES * (16 + HEAP_HEADER_SIZE));
    ck_assert_uint_eq(heap.reused_blocks, 4 * NODES);
}
END_TEST

START_TEST(heap_returns_null_when_exhausted)
{
    size_t payload = ARENA_SIZE - HEAP_HEADER_SIZE;
    ck_assert_ptr_null(heap_alloc(&heap, payload + 1));
    void *all = heap_alloc(&heap, payload); /* exactly what is left */
    ck_assert_ptr_nonnull(all);
    ck_assert_ptr_null(heap_alloc(&heap, 0));
    ck_assert_ptr_null(heap_alloc(&heap, SIZE_MAX));
    ck_assert(heap_free(&heap, all));
    ck_assert_ptr_eq(heap_alloc(&heap, payload), all);
}
END_TEST

START_TEST(heap_huge_requests_do_not_wrap)
{
    ck_assert_ptr_null(heap_alloc(&heap, SIZE_MAX));
    ck_assert_ptr_null(heap_alloc(&heap, SIZE_MAX - 15));
    ck_assert_ptr_null(heap_alloc(&heap, SIZE_MAX / 2));
    ck_assert_uint_eq(heap_bytes_used(&heap), 0);
}
END_TEST

START_TEST(heap_rejects_bad_frees)
{
    unsigned char *a = heap_alloc(&heap, 16);
    ck_assert(heap_free(&heap, NULL));
    ck_assert(!heap_free(&heap, a + 1));             /* misaligned */
    ck_assert(!heap_free(&heap, a + 16 + HEAP_HEADER_SIZE)); /* never handed out */
    ck_assert(!heap_free(&heap, arena));             /* before the first block */
    static _Alignas(16) unsigned char elsewhere[64];
    ck_assert(!heap_free(&heap, elsewhere + 16));     /* outside the range */
    ck_assert(heap_free(&heap, a));
    ck_assert(!heap_free(&heap, a));                 /* double free */
    ck_assert_ptr_eq(heap_alloc(&heap, 16), a);      /* the list is intact */
    ck_assert_ptr_ne(heap_alloc(&heap, 16), a);
}
END_TEST

START_TEST(heap_more_sizes_than_lists_are_leaked_not_lost)
{
    void *blocks[HEAP_SIZE_LISTS + 2];
    for (int i = 0; i < HEAP_SIZE_LISTS + 2; i++)
        blocks[i] = heap_alloc(&heap, (size_t)(i + 1) * 16);
    for (int i = 0; i < HEAP_SIZE_LISTS + 2; i++)
        ck_assert(heap_free(&heap, blocks[i]));
    ck_assert_int_eq(heap.list_count, HEAP_SIZE_LISTS);
    ck_assert_uint_eq(heap.leaked_bytes, (HEAP_SIZE_LISTS + 1) * 16 + (HEAP_SIZE_LISTS + 2) * 16);
    ck_assert(!heap_free(&heap, blocks[HEAP_SIZE_LISTS + 1])); /* still caught twice */
    ck_assert_ptr_eq(heap_alloc(&heap, 16), blocks[0]);
    ck_assert_ptr_eq(heap_alloc(&heap, HEAP_SIZE_LISTS * 16), blocks[HEAP_SIZE_LISTS - 1]);
}
END_TEST

START_TEST(heap_unaligned_and_tiny_ranges)
{
    struct heap h;
    heap_init(&h, arena + 3, arena + 3 + 100);
    unsigned char *a = heap_alloc(&h, 16);
    ck_assert_ptr_eq(a, arena + 16 + HEAP_HEADER_SIZE); /* start rounded up */
    heap_init(&h, arena + 1, arena + 8); /* rounds up past the end */
    ck_assert_ptr_null(heap_alloc(&h, 0));
    ck_assert_uint_eq(heap_bytes_used(&h), 0);
    heap_init(&h, arena, arena + HEAP_HEADER_SIZE + 15);
    ck_assert_ptr_null(heap_alloc(&h, 1));
}
END_TEST

/* ---- suites ------------------------------------------------------------------ */

static Suite *guest_kernel_suite(void)
{
    Suite *s = suite_create("guest_kernel");
    TCase *tc = tcase_create("format");
    tcase_add_test(tc, format_plain_text_and_percent);
    tcase_add_test(tc, format_signed_decimal);
    tcase_add_test(tc, format_unsigned_and_hex);
    tcase_add_test(tc, format_width_and_padding);
    tcase_add_test(tc, format_strings_and_characters);
    tcase_add_test(tc, format_pointers);
    tcase_add_test(tc, format_unknown_conversions_are_printed_as_written);
    tcase_add_test(tc, format_buffer_truncates_like_snprintf);
    tcase_add_test(tc, format_v_sends_each_character_to_the_sink);
    suite_add_tcase(s, tc);
    tc = tcase_create("cmdline");
    tcase_add_test(tc, cmdline_splits_words_on_spaces);
    tcase_add_test(tc, cmdline_next_word_stops_at_the_end);
    tcase_add_test(tc, cmdline_workloads);
    tcase_add_test(tc, cmdline_word_tables);
    tcase_add_test(tc, cmdline_timer_words);
    tcase_add_test(tc, cmdline_device_and_control_words);
    tcase_add_test(tc, cmdline_faults);
    tcase_add_test(tc, cmdline_unknown_words);
    tcase_add_test(tc, cmdline_a_word_is_only_its_own_bytes);
    tcase_add_test(tc, cmdline_numbers);
    suite_add_tcase(s, tc);
    tc = tcase_create("alloc");
    tcase_add_checked_fixture(tc, heap_setup, NULL);
    tcase_add_test(tc, heap_blocks_are_aligned_and_disjoint);
    tcase_add_test(tc, heap_reuses_a_freed_block_of_the_same_size);
    tcase_add_test(tc, heap_does_not_reuse_other_sizes);
    tcase_add_test(tc, heap_trees_pattern_stays_in_place);
    tcase_add_test(tc, heap_returns_null_when_exhausted);
    tcase_add_test(tc, heap_huge_requests_do_not_wrap);
    tcase_add_test(tc, heap_rejects_bad_frees);
    tcase_add_test(tc, heap_more_sizes_than_lists_are_leaked_not_lost);
    tcase_add_test(tc, heap_unaligned_and_tiny_ranges);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(guest_kernel_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
