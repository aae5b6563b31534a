/*
 * golden.c -- the golden-test runner: runs every golden test program under
 * `bvm run` in each dispatch mode and checks its output, error messages and
 * exit status against the directives in its comments.
 *
 *   golden --bvm bin/bvm [--mode "FLAGS"]... [-j N] [--timeout SEC]
 *          [--list] [-v] [PATH]...
 *
 * PATHs are test files or directories searched recursively for *.vela and
 * *.vasm (default: tests/golden).  Each (test, mode) pair is one check, run
 * as `bvm run MODE-FLAGS ARGS-FLAGS FILE`.  The format of the directives is
 * described in tests/README.md; parsing and comparing live in golden_spec.c.
 *
 * Design:
 *   - Processes: each run is fork + exec with stdin from /dev/null and
 *     stdout/stderr into unlinked temporary files (no pipes to drain, so a
 *     program that floods one stream while we read the other cannot
 *     deadlock us).  The child gets its own process group, so a timeout
 *     kills everything it started, and a file-size limit, so a runaway
 *     print loop dies of SIGXFSZ instead of filling the disk.
 *   - Parallelism: up to -j runs at once.  The parent blocks SIGCHLD and
 *     waits for it with sigtimedwait until the nearest deadline, so it
 *     sleeps while children work and wakes exactly when one ends or must
 *     be killed.
 *   - Output: reports are printed in test order as soon as every earlier
 *     run has finished, so output is the same for any -j.
 *
 * Exit status: 0 every check passed; 1 a check failed; 2 usage error or
 * nothing to run.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "golden_spec.h"

#define DEFAULT_TIMEOUT_S 20
#define OUTPUT_LIMIT (64L * 1024 * 1024) /* bytes per stream; more is SIGXFSZ */

static const char *const default_modes[] = {
    "--dispatch=switch",
    "--dispatch=threaded",
    "--dispatch=threaded --gc-stress",
};

/* ======================================================================
 * Tests and jobs
 * ====================================================================== */

typedef struct {
    char *path;
    golden_spec spec;
} test_case;

typedef enum { JOB_WAITING, JOB_RUNNING, JOB_DONE, JOB_PRINTED } job_state;

typedef struct {
    test_case *test;
    const char *mode;
    char **argv;         /* NULL-terminated; owned */
    job_state state;
    pid_t pid;
    int out_fd, err_fd;
    struct timespec deadline;
    bool timed_out;
    bool passed;
    golden_text report;  /* empty when passed */
} job;

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "golden: out of memory\n");
        exit(2);
    }
    return p;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

/* ---- finding tests -------------------------------------------------------- */

typedef struct {
    char **items;
    size_t count, cap;
} path_list;

static void path_add(path_list *l, const char *p)
{
    if (l->count == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        char **grown = realloc(l->items, l->cap * sizeof *grown);
        if (!grown) {
            fprintf(stderr, "golden: out of memory\n");
            exit(2);
        }
        l->items = grown;
    }
    l->items[l->count++] = xstrdup(p);
}

/* Add dir's tests, recursing in name order so every run lists them alike. */
static void find_tests(const char *dir, path_list *out)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    if (n < 0) {
        fprintf(stderr, "golden: cannot read directory %s: %s\n", dir, strerror(errno));
        exit(2);
    }
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        if (name[0] != '.') {
            size_t len = strlen(dir) + strlen(name) + 2;
            char *child = xmalloc(len);
            snprintf(child, len, "%s/%s", dir, name);
            struct stat st;
            if (stat(child, &st) == 0 && S_ISDIR(st.st_mode))
                find_tests(child, out);
            else if (golden_comment_marker(child))
                path_add(out, child);
            free(child);
        }
        free(names[i]);
    }
    free(names);
}

static void load_test(test_case *t, const char *path)
{
    t->path = xstrdup(path);
    FILE *f = fopen(path, "rb");
    if (!f) {
        /* An empty spec whose only problem is the unreadable file. */
        golden_spec_parse(&t->spec, "", 0, "//");
        golden_list_free(&t->spec.problems);
        char msg[600];
        snprintf(msg, sizeof msg, "cannot read the test file: %s", strerror(errno));
        golden_list_add(&t->spec.problems, msg, strlen(msg));
        return;
    }
    golden_text text = {0};
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        golden_text_append(&text, buf, n);
    fclose(f);
    golden_spec_parse(&t->spec, text.data ? text.data : "", text.len, golden_comment_marker(path));
    golden_text_free(&text);
}

/* ---- command lines -------------------------------------------------------- */

static char **build_argv(const char *bvm, const char *mode, const golden_spec *spec,
                         const char *path)
{
    size_t max = 4 + strlen(mode) / 2 + 1 + spec->args.count + 1;
    char **argv = xmalloc(max * sizeof *argv);
    size_t n = 0;
    argv[n++] = xstrdup(bvm);
    argv[n++] = xstrdup("run");
    char *modes = xstrdup(mode);
    for (char *save = NULL, *w = strtok_r(modes, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
        argv[n++] = xstrdup(w);
    free(modes);
    for (size_t i = 0; i < spec->args.count; i++)
        argv[n++] = xstrdup(spec->args.items[i]);
    argv[n++] = xstrdup(path);
    argv[n] = NULL;
    return argv;
}

/* The command as a shell would need it typed, to copy and rerun by hand. */
static void append_command(golden_text *t, char *const *argv)
{
    for (size_t i = 0; argv[i]; i++) {
        const char *a = argv[i];
        bool plain = *a != '\0';
        for (const char *p = a; *p; p++)
            if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=./,:+@%",
                        *p))
                plain = false;
        if (i > 0)
            golden_text_append(t, " ", 1);
        if (plain) {
            golden_text_append(t, a, strlen(a));
        } else {
            golden_text_append(t, "'", 1);
            for (const char *p = a; *p; p++) {
                if (*p == '\'')
                    golden_text_append(t, "'\\''", 4);
                else
                    golden_text_append(t, p, 1);
            }
            golden_text_append(t, "'", 1);
        }
    }
}

/* ======================================================================
 * Running
 * ====================================================================== */

static int temp_file(void)
{
    const char *dir = getenv("TMPDIR");
    char tmpl[PATH_MAX];
    snprintf(tmpl, sizeof tmpl, "%s/golden-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkostemp(tmpl, O_CLOEXEC); /* not inherited by other jobs */
    if (fd < 0) {
        fprintf(stderr, "golden: cannot create a temporary file in %s: %s\n",
                dir && *dir ? dir : "/tmp", strerror(errno));
        exit(2);
    }
    unlink(tmpl); /* gone when closed, whatever happens to us */
    return fd;
}

static sigset_t sigchld_set;
static sigset_t original_mask;

static void on_sigchld(int sig) { (void)sig; } /* only so SIGCHLD is never discarded */

static void start_job(job *j, int timeout_s)
{
    j->out_fd = temp_file();
    j->err_fd = temp_file();
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "golden: fork failed: %s\n", strerror(errno));
        exit(2);
    }
    if (pid == 0) {
        setpgid(0, 0);
        int null_fd = open("/dev/null", O_RDONLY);
        if (null_fd >= 0)
            dup2(null_fd, STDIN_FILENO);
        dup2(j->out_fd, STDOUT_FILENO);
        dup2(j->err_fd, STDERR_FILENO);
        struct rlimit lim = {OUTPUT_LIMIT, OUTPUT_LIMIT};
        setrlimit(RLIMIT_FSIZE, &lim);
        signal(SIGCHLD, SIG_DFL);
        sigprocmask(SIG_SETMASK, &original_mask, NULL);
        execv(j->argv[0], j->argv);
        dprintf(STDERR_FILENO, "golden: cannot execute %s: %s\n", j->argv[0], strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid); /* also here, so the group exists before any kill */
    j->pid = pid;
    j->state = JOB_RUNNING;
    clock_gettime(CLOCK_MONOTONIC, &j->deadline);
    j->deadline.tv_sec += timeout_s;
}

/* Read a whole (unlinked) temp file back and close it. */
static char *slurp_fd(int fd, size_t *len)
{
    golden_text t = {0};
    golden_text_append(&t, "", 0);
    if (lseek(fd, 0, SEEK_SET) == 0) {
        char buf[65536];
        ssize_t n;
        while ((n = read(fd, buf, sizeof buf)) > 0)
            golden_text_append(&t, buf, (size_t)n);
    }
    close(fd);
    *len = t.len;
    return t.data;
}

static void finish_job(job *j, int status, int timeout_s)
{
    golden_run run = {0};
    char *out = slurp_fd(j->out_fd, &run.out_len);
    char *err = slurp_fd(j->err_fd, &run.err_len);
    run.out = out;
    run.err = err;
    if (j->timed_out) {
        run.ending = GOLDEN_TIMED_OUT;
        run.code = timeout_s;
    } else if (WIFSIGNALED(status)) {
        run.ending = GOLDEN_SIGNALED;
        run.code = WTERMSIG(status);
    } else {
        run.ending = GOLDEN_EXITED;
        run.code = WEXITSTATUS(status);
    }
    golden_text details = {0};
    j->passed = golden_check(&j->test->spec, j->test->path, &run, &details);
    if (!j->passed) {
        golden_text_printf(&j->report, "FAIL %s [%s]\n  command: ", j->test->path, j->mode);
        append_command(&j->report, j->argv);
        golden_text_append(&j->report, "\n", 1);
        golden_text_append(&j->report, details.data, details.len);
    }
    golden_text_free(&details);
    free(out);
    free(err);
    j->state = JOB_DONE;
}

static long ms_until(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (t->tv_sec - now.tv_sec) * 1000L + (t->tv_nsec - now.tv_nsec) / 1000000L;
}

/* Run every job, at most `parallel` at once; print reports in job order. */
static void run_jobs(job *jobs, size_t njobs, int parallel, int timeout_s, bool verbose,
                     size_t *passed, size_t *failed)
{
    size_t next_start = 0, next_print = 0, running = 0;
    while (next_print < njobs) {
        while (running < (size_t)parallel && next_start < njobs) {
            job *j = &jobs[next_start++];
            if (j->state == JOB_WAITING) { /* malformed tests are DONE already */
                start_job(j, timeout_s);
                running++;
            }
        }

        /* Reap whatever has ended. */
        int status;
        pid_t pid;
        while (running > 0 && (pid = waitpid(-1, &status, WNOHANG)) > 0) {
            for (size_t i = 0; i < next_start; i++) {
                if (jobs[i].state == JOB_RUNNING && jobs[i].pid == pid) {
                    finish_job(&jobs[i], status, timeout_s);
                    running--;
                    break;
                }
            }
        }

        /* Print, in order, every finished job no earlier job holds back. */
        while (next_print < njobs && jobs[next_print].state == JOB_DONE) {
            job *j = &jobs[next_print++];
            if (j->passed) {
                (*passed)++;
                if (verbose)
                    printf("ok   %s [%s]\n", j->test->path, j->mode);
            } else {
                (*failed)++;
                fputs(j->report.data, stdout);
            }
            fflush(stdout);
            j->state = JOB_PRINTED;
        }
        if (next_print >= njobs || running == 0)
            continue;

        /* Kill the overdue, then sleep until a child ends or the next
         * deadline comes. */
        long wait_ms = 1000L * timeout_s;
        for (size_t i = 0; i < next_start; i++) {
            job *j = &jobs[i];
            if (j->state != JOB_RUNNING || j->timed_out)
                continue;
            long left = ms_until(&j->deadline);
            if (left <= 0) {
                j->timed_out = true;
                kill(-j->pid, SIGKILL);
                kill(j->pid, SIGKILL);
            } else if (left < wait_ms) {
                wait_ms = left;
            }
        }
        struct timespec ts = {wait_ms / 1000, (wait_ms % 1000) * 1000000L};
        sigtimedwait(&sigchld_set, NULL, &ts);
    }
}

/* ======================================================================
 * Command line
 * ====================================================================== */

static void usage(void)
{
    fprintf(stderr,
            "usage: golden --bvm PATH [--mode \"FLAGS\"]... [-j N] [--timeout SEC] [--list] [-v] "
            "[TEST-OR-DIR]...\n"
            "  Runs each golden test under `bvm run` once per mode (default: %s | %s | %s)\n"
            "  and checks its directives; TEST-OR-DIR defaults to tests/golden.\n",
            default_modes[0], default_modes[1], default_modes[2]);
    exit(2);
}

static int parse_count(const char *flag, const char *value, int min, int max)
{
    char *end;
    errno = 0;
    long v = value ? strtol(value, &end, 10) : 0;
    if (!value || *value == '\0' || *end != '\0' || errno || v < min || v > max) {
        fprintf(stderr, "golden: %s needs a number from %d to %d, got '%s'\n", flag, min, max,
                value ? value : "");
        exit(2);
    }
    return (int)v;
}

int main(int argc, char **argv)
{
    const char *bvm = NULL;
    const char **modes = NULL;
    size_t nmodes = 0;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    int parallel = ncpu > 0 ? (int)ncpu : 1;
    int timeout_s = DEFAULT_TIMEOUT_S;
    bool list_only = false, verbose = false;
    path_list roots = {0};

    modes = xmalloc((size_t)argc * sizeof *modes);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--bvm") == 0 && next) {
            bvm = next;
            i++;
        } else if (strcmp(a, "--mode") == 0 && next) {
            modes[nmodes++] = next;
            i++;
        } else if (strcmp(a, "-j") == 0) {
            parallel = parse_count("-j", next, 1, 256);
            i++;
        } else if (strcmp(a, "--timeout") == 0) {
            timeout_s = parse_count("--timeout", next, 1, 3600);
            i++;
        } else if (strcmp(a, "--list") == 0) {
            list_only = true;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            verbose = true;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage();
        } else if (a[0] == '-') {
            fprintf(stderr, "golden: unknown option '%s'%s\n", a,
                    (strcmp(a, "--bvm") == 0 || strcmp(a, "--mode") == 0) ? " (missing its value)"
                                                                            : "");
            usage();
        } else {
            path_add(&roots, a);
        }
    }
    if (nmodes == 0) {
        for (size_t k = 0; k < sizeof default_modes / sizeof default_modes[0]; k++)
            modes[nmodes++] = default_modes[k];
    }
    if (roots.count == 0)
        path_add(&roots, "tests/golden");

    path_list files = {0};
    for (size_t i = 0; i < roots.count; i++) {
        struct stat st;
        if (stat(roots.items[i], &st) != 0) {
            fprintf(stderr, "golden: %s: %s\n", roots.items[i], strerror(errno));
            return 2;
        }
        if (S_ISDIR(st.st_mode)) {
            find_tests(roots.items[i], &files);
        } else if (golden_comment_marker(roots.items[i])) {
            path_add(&files, roots.items[i]);
        } else {
            fprintf(stderr, "golden: %s: not a .vela or .vasm test file\n", roots.items[i]);
            return 2;
        }
    }
    if (files.count == 0) {
        fprintf(stderr, "golden: no .vela or .vasm tests found\n");
        return 2;
    }

    test_case *tests = calloc(files.count, sizeof *tests);
    if (!tests) {
        fprintf(stderr, "golden: out of memory\n");
        return 2;
    }
    for (size_t i = 0; i < files.count; i++)
        load_test(&tests[i], files.items[i]);

    if (list_only) {
        for (size_t i = 0; i < files.count; i++) {
            const golden_spec *s = &tests[i].spec;
            printf("%s: %zu expect, %zu error, %s runtime error, %zu stderr, exit %d%s", tests[i].path,
                   s->out_lines.count, s->compile_errors.count, s->runtime_error ? "a" : "no",
                   s->stderr_lines.count, golden_expected_status(s),
                   s->problems.count ? " (MALFORMED)" : "");
            if (s->args.count) {
                printf(", args:");
                for (size_t k = 0; k < s->args.count; k++)
                    printf(" %s", s->args.items[k]);
            }
            printf("\n");
        }
        printf("golden: %zu tests\n", files.count);
        return 0;
    }

    if (!bvm) {
        fprintf(stderr, "golden: --bvm PATH is required (the bvm program to test)\n");
        usage();
    }
    if (access(bvm, X_OK) != 0) {
        fprintf(stderr, "golden: %s is not an executable program: %s (build it first)\n", bvm,
                strerror(errno));
        return 2;
    }

    /* One job per (test, mode); a malformed test fails in every mode
     * without running, reported once. */
    size_t njobs = files.count * nmodes;
    job *jobs = calloc(njobs, sizeof *jobs);
    if (!jobs) {
        fprintf(stderr, "golden: out of memory\n");
        return 2;
    }
    for (size_t i = 0; i < files.count; i++) {
        for (size_t m = 0; m < nmodes; m++) {
            job *j = &jobs[i * nmodes + m];
            j->test = &tests[i];
            j->mode = modes[m];
            j->argv = build_argv(bvm, modes[m], &tests[i].spec, tests[i].path);
            const golden_list *problems = &tests[i].spec.problems;
            if (problems->count > 0) {
                j->state = JOB_DONE;
                j->passed = false;
                if (m == 0) {
                    golden_text_printf(&j->report, "FAIL %s: the test is malformed (counted once per mode)\n",
                                       tests[i].path);
                    for (size_t k = 0; k < problems->count; k++)
                        golden_text_printf(&j->report, "  %s\n", problems->items[k]);
                } else {
                    golden_text_append(&j->report, "", 0);
                }
            }
        }
    }

    sigemptyset(&sigchld_set);
    sigaddset(&sigchld_set, SIGCHLD);
    struct sigaction sa = {0};
    sa.sa_handler = on_sigchld;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGCHLD, &sa, NULL);
    sigprocmask(SIG_BLOCK, &sigchld_set, &original_mask);

    printf("golden: %zu tests x %zu modes, %d at a time, %s\n", files.count, nmodes, parallel, bvm);
    fflush(stdout);
    size_t passed = 0, failed = 0;
    run_jobs(jobs, njobs, parallel, timeout_s, verbose, &passed, &failed);
    printf("golden: %zu passed, %zu failed\n", passed, failed);

    for (size_t i = 0; i < njobs; i++) {
        for (size_t k = 0; jobs[i].argv[k]; k++)
            free(jobs[i].argv[k]);
        free(jobs[i].argv);
        golden_text_free(&jobs[i].report);
    }
    for (size_t i = 0; i < files.count; i++) {
        golden_spec_free(&tests[i].spec);
        free(tests[i].path);
        free(files.items[i]);
    }
    for (size_t i = 0; i < roots.count; i++)
        free(roots.items[i]);
    free(roots.items);
    free(files.items);
    free(tests);
    free(jobs);
    free(modes);
    return failed ? 1 : 0;
}
