/*
 * test_vdb_print.c -- the expression printer, from inside: a session on
 * the bytecode VM target (debugger/core/session.h, targets/target.h)
 * stopped in a small program, its commands run by the dispatcher
 * (commands/dispatch.h), and what `print`, `display`, `set var` and `x`
 * answer, word for word, with the errors each bad expression gets.
 *
 *   values     locals, globals, parameters; ints, floats, bools, strings,
 *              null; arrays and records, nested, and a cycle
 *   paths      a[i], a[var], r.f, chained, with spaces; out of bounds,
 *              null, no such field, not an array, unbalanced brackets
 *   formats    /x /d /u /o /t /c on ints, on $registers and numbers;
 *              a bad format letter; integer expressions with + and -
 *   set var    each type that can be set, and each that cannot
 *   Tab        completion by context: commands, their words, registers,
 *              symbols
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dispatch.h"
#include "session.h"
#include "target.h"

static const char program_text[] =
    "struct Node { int value; Node next; string label; }\n"   /* 1 */
    "int count = 3;\n"                                         /* 2 */
    "float ratio = 2.5;\n"                                     /* 3 */
    "void stop_here(int[] numbers, Node head, bool flag) {\n"  /* 4 */
    "    int i = 2;\n"                                         /* 5 */
    "    print(i);\n"                                          /* 6 */
    "}\n"                                                      /* 7 */
    "void main() {\n"                                          /* 8 */
    "    int[] numbers = new int[3];\n"                        /* 9 */
    "    numbers[0] = 10; numbers[1] = -20; numbers[2] = 30;\n" /* 10 */
    "    Node second = new Node(2, null, \"two\");\n"          /* 11 */
    "    Node head = new Node(1, second, \"one\");\n"          /* 12 */
    "    second.next = head;\n"                                /* 13 */
    "    stop_here(numbers, head, true);\n"                    /* 14 */
    "}\n";                                                     /* 15 */

static char transcript[16384];
static size_t transcript_len;

static void capture(void *context, vdb_stream stream, const char *text, size_t len)
{
    if (stream == VDB_OUT_PROGRAM)
        return;
    if (transcript_len + len < sizeof transcript) {
        memcpy(transcript + transcript_len, text, len);
        transcript_len += len;
        transcript[transcript_len] = '\0';
    }
}

static vdb_session *session;
static char program_path[] = "/tmp/vdb-print-XXXXXX.vela";

static void setup(void)
{
    int fd = mkstemps(program_path, 5);
    ck_assert(fd >= 0);
    ck_assert(write(fd, program_text, sizeof program_text - 1) == (ssize_t)(sizeof program_text - 1));
    close(fd);
    char err[VDB_ERR_SIZE];
    vdb_bvm_config config = { .program = program_path, .jit = "off" };
    vdb_target *t = vdb_bvm_open(&config, err, sizeof err);
    ck_assert_msg(t != NULL, "%s", err);
    static const vdb_sink sink = { capture, NULL };
    session = vdb_session_new(t, NULL, NULL, &sink);
    ck_assert_ptr_nonnull(session);
    ck_assert_int_eq(vdb_session_execute(session, "break 6"), VDB_EXEC_OK);
    ck_assert_int_eq(vdb_session_execute(session, "run"), VDB_EXEC_OK);
}

static void teardown(void)
{
    vdb_session_free(session);
    unlink(program_path);
    strcpy(program_path, "/tmp/vdb-print-XXXXXX.vela");
}

/* The answer to one command, without the "$N = " of print. */
static const char *answer(const char *command)
{
    transcript_len = 0;
    transcript[0] = '\0';
    vdb_session_execute(session, command);
    size_t n = strlen(transcript);
    if (n && transcript[n - 1] == '\n')
        transcript[n - 1] = '\0';
    const char *equals = strstr(transcript, " = ");
    return transcript[0] == '$' && equals ? equals + 3 : transcript;
}

#define expect(command, text) ck_assert_str_eq(answer(command), text)

START_TEST(values_of_every_kind)
{
    expect("print i", "2");
    expect("print count", "3");
    expect("print ratio", "2.5");
    expect("print flag", "true");
    expect("print numbers", "[10, -20, 30]");
    expect("print head.label", "one");
    expect("print head.next.next.value", "1");
    expect("print head.next.next.next.next.label", "one"); /* round the cycle twice */
    ck_assert(strstr(answer("print head"), "Node{value: 1, next: Node{value: 2, next: ") != NULL);
}
END_TEST

START_TEST(paths_and_their_errors)
{
    expect("print numbers[1]", "-20");
    expect("print numbers[ i ]", "30");
    expect("print  numbers [0] ", "10");
    expect("print numbers[3]", "error: print: index 3 is out of bounds (length 3)");
    expect("print numbers[-1]", "error: print: index -1 is out of bounds (length 3)");
    expect("print head[0]", "error: print: only an array can be indexed");
    expect("print head.nope", "error: print: Node has no field 'nope'");
    expect("print i.value", "error: print: only a record has fields (.value)");
    expect("print numbers[1", "error: print: expected ']' at ''");
    expect("print numbers]", "error: print: unexpected ']' after the expression");
    expect("print nothing", "error: print: no variable 'nothing' in scope here");
    /* a cycle prints to a bounded depth */
    expect("print head.next.next.next.next.next.next.next",
           "Node{value: 2, next: Node{value: 1, next: Node{value: 2, next: Node{...}, label: two}, label: one}, label: two}");
}
END_TEST

START_TEST(formats_and_integer_expressions)
{
    expect("print/x numbers[2]", "0x1e");
    expect("print/o count", "03");
    expect("print/t count", "11");
    expect("print/c 65", "65 'A'");
    expect("print/d -5", "-5");
    expect("print/u -1", "18446744073709551615");
    expect("print/x 0x10 + 0x20 - 1", "0x2f");
    expect("print $depth", "2");
    expect("print/x $depth + 14", "0x10");
    expect("print/z count", "error: print: /z is not a format (x d u o t c)");
    expect("print $", "error: print: '$' names no register (print $NAME, e.g. $pc)");
}
END_TEST

START_TEST(set_var_by_type)
{
    expect("set var i = 41", "");
    expect("print i", "41");
    expect("set var ratio = -0.5", "");
    expect("print ratio", "-0.5");
    expect("set var flag = false", "");
    expect("print flag", "false");
    expect("set var numbers[0] = 0x7f", "");
    expect("print numbers", "[127, -20, 30]");
    expect("set var head.next = null", "");
    expect("print head.next", "null");
    expect("set var head.label = \"x\"", "error: set var: string values can only be set to null from the debugger");
    expect("set var i = 1.5", "error: set var: '1.5' is not an int");
    expect("set var flag = 1", "error: set var: '1' is not a bool (true or false)");
    expect("set var numbers = [1]", "error: set var: int[] values can only be set to null from the debugger");
}
END_TEST

/* All the completions of prefix after command (NULL: the command word). */
static const char *completions(const char *command, const char *prefix)
{
    static char all[512];
    all[0] = '\0';
    const char *c;
    for (size_t i = 0; (c = vdb_session_complete(session, command, prefix, i)) != NULL; i++)
        snprintf(all + strlen(all), sizeof all - strlen(all), "%s%s", i ? " " : "", c);
    return all;
}

START_TEST(tab_completion_by_context)
{
    ck_assert_str_eq(completions(NULL, "brea"), "break");
    ck_assert_str_eq(completions(NULL, "re"), "reverse-stepi reverse-step reverse-continue");
    ck_assert_str_eq(completions("layout", "s"), "src split");
    ck_assert_str_eq(completions("info", "re"), "registers");
    ck_assert_str_eq(completions("i", "lo"), "locals");
    ck_assert_str_eq(completions("jit", ""), "on off");
    ck_assert_str_eq(completions("help", "fin"), "finish");
    ck_assert_str_eq(completions("print", "$in"), "$insns");
    ck_assert_str_eq(completions("break", "stop"), "stop_here");
    ck_assert_str_eq(completions("print", "cou"), "count");
    ck_assert_str_eq(completions("frobnicate", "zz"), "");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vdb_print");
    TCase *tc = tcase_create("print");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, values_of_every_kind);
    tcase_add_test(tc, paths_and_their_errors);
    tcase_add_test(tc, formats_and_integer_expressions);
    tcase_add_test(tc, set_var_by_type);
    tcase_add_test(tc, tab_completion_by_context);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
