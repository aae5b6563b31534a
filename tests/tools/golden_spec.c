/*
 * golden_spec.c -- parsing golden-test directives and checking a run against
 * them (see golden_spec.h; the format is in tests/README.md).
 *
 * Design: a directive is recognised only right after a comment marker
 * ("//" or ";") and blanks, so prose in comments and code on the same line
 * are left alone.  A comment that *looks* like a directive but is not one
 * ("expect errors: ...", "expect exit: two") is a problem with the test, not
 * something to skip silently: a misspelt directive would otherwise turn an
 * assertion into nothing.
 *
 * Output is compared as bytes split into lines, so a program that prints
 * NULs, a missing final newline or a stray "\r" shows up as a difference
 * and is displayed escaped.
 */
#include "golden_spec.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ======================================================================
 * Small containers
 * ====================================================================== */

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "golden: out of memory\n");
        abort();
    }
    return q;
}

void golden_text_append(golden_text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->data = xrealloc(t->data, t->cap);
    }
    memcpy(t->data + t->len, s, n);
    t->len += n;
    t->data[t->len] = '\0';
}

void golden_text_printf(golden_text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    char *s = xrealloc(NULL, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    golden_text_append(t, s, (size_t)n);
    free(s);
}

/* Append a C string. */
static void add(golden_text *t, const char *s) { golden_text_append(t, s, strlen(s)); }

void golden_text_free(golden_text *t)
{
    free(t->data);
    memset(t, 0, sizeof *t);
}

void golden_list_add(golden_list *l, const char *s, size_t n)
{
    if (l->count == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->items = xrealloc(l->items, l->cap * sizeof *l->items);
    }
    char *copy = xrealloc(NULL, n + 1);
    memcpy(copy, s, n);
    copy[n] = '\0';
    l->items[l->count++] = copy;
}

void golden_list_free(golden_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

/* ======================================================================
 * Parsing directives
 * ====================================================================== */

const char *golden_comment_marker(const char *path)
{
    size_t n = strlen(path);
    if (n > 5 && strcmp(path + n - 5, ".vela") == 0)
        return "//";
    if (n > 5 && strcmp(path + n - 5, ".vasm") == 0)
        return ";";
    return NULL;
}

typedef enum {
    DIR_OUT,            /* expect:               */
    DIR_ERROR,          /* expect error:         */
    DIR_RUNTIME_ERROR,  /* expect runtime error: */
    DIR_STDERR,         /* expect stderr:        */
    DIR_EXIT,           /* expect exit:          */
    DIR_ARGS,           /* args:                 */
} directive_kind;

static const struct {
    const char *keyword;
    directive_kind kind;
} directives[] = {
    {"expect:", DIR_OUT},
    {"expect error:", DIR_ERROR},
    {"expect runtime error:", DIR_RUNTIME_ERROR},
    {"expect stderr:", DIR_STDERR},
    {"expect exit:", DIR_EXIT},
    {"args:", DIR_ARGS},
};

static void problem(golden_spec *spec, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void problem(golden_spec *spec, int line, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char full[600];
    int n = line > 0 ? snprintf(full, sizeof full, "line %d: %s", line, msg)
                     : snprintf(full, sizeof full, "%s", msg);
    golden_list_add(&spec->problems, full, (size_t)n < sizeof full ? (size_t)n : sizeof full - 1);
}

static bool starts_with(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(s, prefix, n) == 0;
}

/* Does s look like an attempted directive: "expect", then words, then ':'?
 * ("expect errors: x", "expect exit code: 1"; but not "expected output"). */
static bool looks_like_directive(const char *s, size_t len)
{
    if (!starts_with(s, len, "expect"))
        return false;
    size_t i = strlen("expect");
    while (i < len && (s[i] == ' ' || isalpha((unsigned char)s[i]) || s[i] == '-' || s[i] == '_'))
        i++;
    /* "expect" must be a whole word: "expected: 3" is also a misspelling. */
    return i < len && s[i] == ':';
}

/* Is "LOCATION: MESSAGE" well-formed?  LOCATION is LINE:COL, the word
 * `file`, or `function 'NAME'` optionally followed by ` pc N`. */
static bool valid_error_location(const char *d)
{
    const char *sep = strstr(d, ": ");
    if (!sep || sep[2] == '\0')
        return false;
    size_t n = (size_t)(sep - d);
    if (n == 4 && memcmp(d, "file", 4) == 0)
        return true;
    if (starts_with(d, n, "function '")) {
        const char *close = memchr(d + 10, '\'', n - 10);
        if (!close || close == d + 10)
            return false;
        const char *rest = close + 1;
        if (rest == sep)
            return true;
        if (!starts_with(rest, (size_t)(sep - rest), " pc ") || rest + 4 == sep)
            return false;
        for (const char *p = rest + 4; p < sep; p++)
            if (!isdigit((unsigned char)*p))
                return false;
        return true;
    }
    /* LINE:COL */
    size_t i = 0, digits = 0;
    while (i < n && isdigit((unsigned char)d[i]))
        i++, digits++;
    if (digits == 0 || i >= n || d[i] != ':')
        return false;
    i++;
    digits = 0;
    while (i < n && isdigit((unsigned char)d[i]))
        i++, digits++;
    return digits > 0 && i == n;
}

/* Split an `args:` value on blanks into spec->args. */
static void add_args(golden_spec *spec, const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        while (i < len && (s[i] == ' ' || s[i] == '\t'))
            i++;
        size_t start = i;
        while (i < len && s[i] != ' ' && s[i] != '\t')
            i++;
        if (i > start)
            golden_list_add(&spec->args, s + start, i - start);
    }
}

/* Handle one directive whose keyword has been matched; value/len is the
 * text after "keyword" (one following space already removed). */
static void take_directive(golden_spec *spec, directive_kind kind, int line, const char *value,
                           size_t len)
{
    char *text = xrealloc(NULL, len + 1);
    memcpy(text, value, len);
    text[len] = '\0';

    switch (kind) {
    case DIR_OUT:
        golden_list_add(&spec->out_lines, value, len);
        break;
    case DIR_ERROR:
        if (!valid_error_location(text))
            problem(spec, line,
                    "'expect error: %s' needs LOCATION: MESSAGE, where LOCATION is LINE:COL, "
                    "'file', or function 'NAME' [pc N]",
                    text);
        else
            golden_list_add(&spec->compile_errors, value, len);
        break;
    case DIR_RUNTIME_ERROR:
        if (spec->runtime_error)
            problem(spec, line, "a second 'expect runtime error:' (a run has one first stderr line)");
        else if (len == 0)
            problem(spec, line, "'expect runtime error:' needs the text of stderr's first line");
        else {
            spec->runtime_error = text;
            text = NULL;
        }
        break;
    case DIR_STDERR:
        golden_list_add(&spec->stderr_lines, value, len);
        break;
    case DIR_EXIT: {
        char *end;
        errno = 0;
        long v = strtol(text, &end, 10);
        while (*end == ' ' || *end == '\t')
            end++;
        if (spec->exit_status >= 0)
            problem(spec, line, "a second 'expect exit:'");
        else if (end == text || *end != '\0' || errno || v < 0 || v > 255)
            problem(spec, line, "'expect exit: %s' needs a status from 0 to 255", text);
        else
            spec->exit_status = (int)v;
        break;
    }
    case DIR_ARGS:
        add_args(spec, value, len);
        break;
    }
    free(text);
}

/* Look for a directive in one source line; at most one per line. */
static void parse_line(golden_spec *spec, const char *s, size_t len, int line, const char *marker,
                       bool *asserted)
{
    size_t mlen = strlen(marker);
    for (size_t at = 0; at + mlen <= len; at++) {
        if (memcmp(s + at, marker, mlen) != 0)
            continue;
        size_t i = at + mlen;
        while (i < len && s[i] == marker[0]) /* ";;" and "///" too */
            i++;
        while (i < len && (s[i] == ' ' || s[i] == '\t'))
            i++;
        const char *d = s + i;
        size_t dlen = len - i;

        for (size_t k = 0; k < sizeof directives / sizeof directives[0]; k++) {
            if (!starts_with(d, dlen, directives[k].keyword))
                continue;
            size_t klen = strlen(directives[k].keyword);
            const char *value = d + klen;
            size_t vlen = dlen - klen;
            if (vlen > 0 && value[0] == ' ') /* "expect: x": the text is "x" */
                value++, vlen--;
            take_directive(spec, directives[k].kind, line, value, vlen);
            if (directives[k].kind != DIR_ARGS)
                *asserted = true;
            return;
        }
        if (looks_like_directive(d, dlen)) {
            const char *colon = memchr(d, ':', dlen);
            problem(spec, line,
                    "unknown directive '%.*s' (known: expect:, expect error:, "
                    "expect runtime error:, expect stderr:, expect exit:, args:)",
                    (int)(colon - d + 1), d);
            return;
        }
        /* An ordinary comment; a later marker on the line may still start
         * one (`print("a//b"); // expect: a//b`). */
    }
}

void golden_spec_parse(golden_spec *spec, const char *text, size_t len, const char *marker)
{
    memset(spec, 0, sizeof *spec);
    spec->exit_status = -1;
    bool asserted = false;
    int line = 1;
    size_t start = 0;
    while (start < len) {
        const char *nl = memchr(text + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t n = end - start;
        if (n > 0 && text[start + n - 1] == '\r') /* CRLF files */
            n--;
        parse_line(spec, text + start, n, line, marker, &asserted);
        start = end + 1;
        line++;
    }

    if (!asserted)
        problem(spec, 0,
                "no directives: a test must assert something (expect: lines, or "
                "'expect exit: 0' for a program that prints nothing)");
    if (spec->compile_errors.count > 0 && spec->out_lines.count > 0)
        problem(spec, 0, "'expect error:' with 'expect:' lines: a program that does not load "
                         "prints nothing");
    if (spec->compile_errors.count > 0 && spec->runtime_error)
        problem(spec, 0, "'expect error:' with 'expect runtime error:': a program that does not "
                         "load does not run");
}

void golden_spec_free(golden_spec *spec)
{
    golden_list_free(&spec->out_lines);
    golden_list_free(&spec->compile_errors);
    golden_list_free(&spec->stderr_lines);
    golden_list_free(&spec->args);
    golden_list_free(&spec->problems);
    free(spec->runtime_error);
    memset(spec, 0, sizeof *spec);
    spec->exit_status = -1;
}

int golden_expected_status(const golden_spec *spec)
{
    if (spec->exit_status >= 0)
        return spec->exit_status;
    if (spec->compile_errors.count > 0)
        return 65;
    if (spec->runtime_error)
        return 70;
    return 0;
}

/* ======================================================================
 * Rendering expectations
 * ====================================================================== */

char *golden_error_line(const char *directive, const char *path)
{
    const char *sep = strstr(directive, ": ");
    if (!sep) /* rejected by the parser; render something harmless */
        sep = directive + strlen(directive);
    int loclen = (int)(sep - directive);
    const char *msg = *sep ? sep + 2 : "";
    golden_text t = {0};
    if (loclen == 4 && memcmp(directive, "file", 4) == 0)
        golden_text_printf(&t, "%s: error: %s", path, msg);
    else if (isdigit((unsigned char)directive[0]))
        golden_text_printf(&t, "%s:%.*s: error: %s", path, loclen, directive, msg);
    else
        golden_text_printf(&t, "%s: %.*s: error: %s", path, loclen, directive, msg);
    return t.data;
}

/* Replace every "{file}" in s with path (malloc'd). */
static char *expand_file(const char *s, const char *path)
{
    golden_text t = {0};
    golden_text_append(&t, "", 0);
    const char *p;
    while ((p = strstr(s, "{file}")) != NULL) {
        golden_text_append(&t, s, (size_t)(p - s));
        golden_text_append(&t, path, strlen(path));
        s = p + strlen("{file}");
    }
    golden_text_append(&t, s, strlen(s));
    return t.data;
}

/* ======================================================================
 * Comparing
 * ====================================================================== */

/* Output split into lines (pointers into the run's buffer). */
typedef struct {
    const char **start;
    size_t *len;
    size_t count;
    bool last_unterminated; /* bytes after the final '\n' */
} line_view;

static line_view split_lines(const char *s, size_t n)
{
    line_view v = {0};
    size_t cap = 1;
    for (size_t i = 0; i < n; i++)
        cap += s[i] == '\n';
    v.start = xrealloc(NULL, cap * sizeof *v.start);
    v.len = xrealloc(NULL, cap * sizeof *v.len);
    size_t begin = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') {
            v.start[v.count] = s + begin;
            v.len[v.count++] = i - begin;
            begin = i + 1;
        }
    }
    if (begin < n) {
        v.start[v.count] = s + begin;
        v.len[v.count++] = n - begin;
        v.last_unterminated = true;
    }
    return v;
}

static void free_lines(line_view *v)
{
    free(v->start);
    free(v->len);
}

static bool line_is(const line_view *v, size_t i, const char *expected)
{
    size_t n = strlen(expected);
    return v->len[i] == n && memcmp(v->start[i], expected, n) == 0;
}

/* Append s quoted, with unprintable bytes escaped, cut at a readable length. */
static void quote(golden_text *t, const char *s, size_t n)
{
    enum { MAX_SHOWN = 240 };
    add(t, "\"");
    for (size_t i = 0; i < n && i < MAX_SHOWN; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            golden_text_printf(t, "\\%c", c);
        else if (c == '\t')
            add(t, "\\t");
        else if (c == '\r')
            add(t, "\\r");
        else if (c < 0x20 || c >= 0x7f)
            golden_text_printf(t, "\\x%02x", c);
        else
            golden_text_append(t, (const char *)&c, 1);
    }
    add(t, "\"");
    if (n > MAX_SHOWN)
        golden_text_printf(t, " (%zu more bytes)", n - MAX_SHOWN);
}

/* stream (stdout or stderr) must consist of exactly the expected lines. */
static bool compare_exact(const char *stream, const golden_list *expected, const char *bytes,
                          size_t nbytes, golden_text *report)
{
    line_view v = split_lines(bytes, nbytes);
    bool ok = true;
    size_t common = v.count < expected->count ? v.count : expected->count;
    size_t i = 0;
    while (i < common && line_is(&v, i, expected->items[i]))
        i++;
    if (i < common) {
        golden_text_printf(report, "  %s differs at line %zu:\n    expected: ", stream, i + 1);
        quote(report, expected->items[i], strlen(expected->items[i]));
        add(report, "\n    actual:   ");
        quote(report, v.start[i], v.len[i]);
        add(report, "\n");
        ok = false;
    } else if (v.count < expected->count) {
        golden_text_printf(report, "  %s has %zu line%s, expected %zu; first missing line %zu: ",
                           stream, v.count, v.count == 1 ? "" : "s", expected->count, i + 1);
        quote(report, expected->items[i], strlen(expected->items[i]));
        add(report, "\n");
        ok = false;
    } else if (v.count > expected->count) {
        golden_text_printf(report, "  %s has %zu unexpected extra line%s after line %zu; the first: ",
                           stream, v.count - expected->count,
                           v.count - expected->count == 1 ? "" : "s", expected->count);
        quote(report, v.start[i], v.len[i]);
        add(report, "\n");
        ok = false;
    } else if (v.last_unterminated) {
        golden_text_printf(report, "  %s: the last line (%zu) is not followed by a newline\n",
                           stream, v.count);
        ok = false;
    }
    free_lines(&v);
    return ok;
}

static void describe_ending(golden_text *t, const golden_run *run)
{
    switch (run->ending) {
    case GOLDEN_EXITED:
        golden_text_printf(t, "exit status %d", run->code);
        break;
    case GOLDEN_SIGNALED: {
        const char *abbrev = sigabbrev_np(run->code);
        golden_text_printf(t, "killed by signal %d (SIG%s: %s)", run->code,
                           abbrev ? abbrev : "?", strsignal(run->code));
        break;
    }
    case GOLDEN_TIMED_OUT:
        golden_text_printf(t, "timed out after %d s (killed)", run->code);
        break;
    case GOLDEN_NOT_RUN:
        golden_text_printf(t, "could not be started: %s", strerror(run->code));
        break;
    }
}

/* Show the first lines of stderr, so a failure explains itself. */
static void show_stderr(golden_text *report, const golden_run *run)
{
    enum { SHOWN = 12 };
    line_view v = split_lines(run->err, run->err_len);
    golden_text_printf(report, "  stderr (%zu line%s):\n", v.count, v.count == 1 ? "" : "s");
    for (size_t i = 0; i < v.count && i < SHOWN; i++) {
        add(report, "    | ");
        golden_text_append(report, v.start[i], v.len[i]);
        add(report, "\n");
    }
    if (v.count > SHOWN)
        golden_text_printf(report, "    | ... %zu more\n", v.count - SHOWN);
    free_lines(&v);
}

bool golden_check(const golden_spec *spec, const char *path, const golden_run *run,
                  golden_text *report)
{
    bool ok = true;
    bool stderr_shown = false;

    int want = golden_expected_status(spec);
    if (run->ending != GOLDEN_EXITED || run->code != want) {
        golden_text_printf(report, "  expected exit status %d, got ", want);
        describe_ending(report, run);
        add(report, "\n");
        ok = false;
    }

    if (spec->compile_errors.count > 0) {
        /* stderr is exactly the error lines; stdout is empty. */
        golden_list lines = {0};
        for (size_t i = 0; i < spec->compile_errors.count; i++) {
            char *l = golden_error_line(spec->compile_errors.items[i], path);
            golden_list_add(&lines, l, strlen(l));
            free(l);
        }
        if (!compare_exact("stderr", &lines, run->err, run->err_len, report)) {
            ok = false;
            show_stderr(report, run);
            stderr_shown = true;
        }
        golden_list_free(&lines);
    }
    if (!compare_exact("stdout", &spec->out_lines, run->out, run->out_len, report))
        ok = false;

    line_view err = split_lines(run->err, run->err_len);
    if (spec->runtime_error) {
        if (err.count == 0 || !line_is(&err, 0, spec->runtime_error)) {
            add(report, "  stderr's first line differs:\n    expected: ");
            quote(report, spec->runtime_error, strlen(spec->runtime_error));
            add(report, "\n    actual:   ");
            if (err.count == 0)
                add(report, "(stderr is empty)");
            else
                quote(report, err.start[0], err.len[0]);
            add(report, "\n");
            ok = false;
        }
    }

    /* `expect stderr:` lines: present, in order, other lines between. */
    size_t from = 0;
    for (size_t k = 0; k < spec->stderr_lines.count; k++) {
        char *want_line = expand_file(spec->stderr_lines.items[k], path);
        size_t i = from;
        while (i < err.count && !line_is(&err, i, want_line))
            i++;
        if (i == err.count) {
            golden_text_printf(report, "  stderr lacks the expected line%s: ",
                               from > 0 ? " (looking after the lines already matched)" : "");
            quote(report, want_line, strlen(want_line));
            add(report, "\n");
            ok = false;
            free(want_line);
            break;
        }
        from = i + 1;
        free(want_line);
    }

    /* A test that says nothing about stderr expects none. */
    if (spec->compile_errors.count == 0 && !spec->runtime_error && spec->stderr_lines.count == 0 &&
        run->err_len > 0) {
        add(report, "  stderr should be empty (the test expects no error output)\n");
        ok = false;
    }
    free_lines(&err);

    if (!ok && !stderr_shown && run->err_len > 0)
        show_stderr(report, run);
    return ok;
}
