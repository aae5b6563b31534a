/*
 * golden_spec.h -- what a golden test expects, and the check of one run of
 * `bvm run` against it.
 *
 * A golden test is one Vela (.vela) or assembly (.vasm) file whose comments
 * carry directives (the format is described in tests/README.md):
 *
 *     print(1 + 2);            // expect: 3
 *     // expect runtime error: uncaught exception: division by zero
 *     // expect stderr:   at main ({file}:7)
 *     // args: --fuel 1000
 *
 * golden_spec_parse turns a file's text into a golden_spec; golden_check
 * compares a finished run (stdout, stderr, how it ended) with it and writes a
 * readable account of every difference.  Neither runs anything: golden.c
 * does the processes, so this half can be unit-tested on strings
 * (tests/unit/tools/test_golden_spec.c).
 *
 * Invariants of a parsed golden_spec:
 *   - problems.count > 0 means the test itself is malformed (an unknown or
 *     ill-formed directive, contradictory directives, or no assertion at
 *     all); such a test fails without being run.
 *   - every string in it is owned by it and freed by golden_spec_free.
 */
#ifndef GOLDEN_SPEC_H
#define GOLDEN_SPEC_H

#include <stdbool.h>
#include <stddef.h>

/* A growable NUL-terminated text buffer (for reports). */
typedef struct {
    char *data;      /* NULL while empty */
    size_t len, cap;
} golden_text;

void golden_text_append(golden_text *t, const char *s, size_t n);
void golden_text_printf(golden_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void golden_text_free(golden_text *t);

/* A growable list of owned strings. */
typedef struct {
    char **items;
    size_t count, cap;
} golden_list;

void golden_list_add(golden_list *l, const char *s, size_t n);
void golden_list_free(golden_list *l);

typedef struct {
    golden_list out_lines;       /* `expect:`: stdout, line by line          */
    golden_list compile_errors;  /* `expect error:`: "LOCATION: MESSAGE"     */
    char *runtime_error;         /* `expect runtime error:`; NULL if none    */
    golden_list stderr_lines;    /* `expect stderr:`, may contain "{file}"   */
    int exit_status;             /* `expect exit:`; -1 when not given        */
    golden_list args;            /* `args:`, split on blanks                 */
    golden_list problems;        /* "line N: what is wrong with the test"    */
} golden_spec;

/* Which comment syntax a file uses, from its name: ".vela" -> "//",
 * ".vasm" -> ";".  NULL for any other name. */
const char *golden_comment_marker(const char *path);

/* Parse the directives of a test file's text.  Never fails: problems with
 * the test are recorded in spec->problems. */
void golden_spec_parse(golden_spec *spec, const char *text, size_t len, const char *marker);
void golden_spec_free(golden_spec *spec);

/* The exit status the run must end with: `expect exit:`, else 65 with
 * `expect error:`, 70 with `expect runtime error:`, else 0. */
int golden_expected_status(const golden_spec *spec);

/* The stderr line an `expect error:` directive stands for, for a test run
 * as `bvm run ... PATH` (malloc'd):
 *     "3:7: msg"                 -> "PATH:3:7: error: msg"
 *     "function 'f' pc 4: msg"   -> "PATH: function 'f' pc 4: error: msg"
 *     "file: msg"                -> "PATH: error: msg" */
char *golden_error_line(const char *directive, const char *path);

/* How a run ended. */
typedef enum {
    GOLDEN_EXITED,     /* code = exit status                     */
    GOLDEN_SIGNALED,   /* code = the signal that killed it       */
    GOLDEN_TIMED_OUT,  /* code = the time limit in seconds       */
    GOLDEN_NOT_RUN,    /* code = errno of the failed fork/exec   */
} golden_ending;

typedef struct {
    const char *out;   /* stdout bytes (may contain NULs)  */
    size_t out_len;
    const char *err;   /* stderr bytes                     */
    size_t err_len;
    golden_ending ending;
    int code;
} golden_run;

/* Does the run meet every expectation of spec?  Appends one paragraph per
 * difference to report (each line indented by two spaces).  path is the
 * test file as it was passed to bvm (for {file} and error lines). */
bool golden_check(const golden_spec *spec, const char *path, const golden_run *run,
                  golden_text *report);

#endif
