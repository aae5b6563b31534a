/*
 * fuzz.c -- the bytecode fuzz check: damaged bytecode is rejected cleanly or
 * runs; it never crashes, hangs or trips a sanitizer.
 *
 *   bytecode-fuzz [--seed N] [--count N] [--only I] [--fuel N] [--heap BYTES]
 *                 [--time-limit SEC] [--save FILE] [-v] SEED-FILE-OR-DIR...
 *
 * Seeds are real programs: .vbc files are taken as they are; .vela and .vasm
 * files (directories are searched recursively) are loaded with libbvm and
 * written out as bytecode, skipping those that do not load (the golden
 * tests include programs that are meant not to compile).  Each mutant is a
 * seed with one to four random mutations: bit flips, bytes set to random or
 * boundary values (0, 0x7F, 0x80, 0xFF, and 16/32-bit ones), chunks copied
 * over others, and -- changing the length -- truncation, random bytes
 * appended, chunks duplicated or deleted.  The reader rejects almost every
 * length change, so a third of the mutants change bytes only inside some
 * function's code and a third only in place anywhere: those get through
 * to the verifier and the interpreter.
 *
 * Every mutant goes the way a file goes through `bvm`:
 *
 *     bvm_read_module  -- rejected?  must say why (a diagnostic with text)
 *     bvm_disassemble  -- `bvm dis` shows broken-but-readable files too
 *     bvm_write_module -- written again, it must read back to the same bytes
 *     bvm_verify_module -- rejected?  must say why
 *     bvm_vm_new + bvm_vm_run with a fuel limit, a small heap and a shallow
 *     call limit, printing to /dev/null; errors printed with their trace.
 *
 * A mutant passes when it got through that without breaking a rule above.
 * A crash or sanitizer report kills the process (the test aggregator counts
 * that as a failure); before dying we print which mutant it was and how to
 * reproduce it (--only I), and --save FILE holds the mutant's bytes.  A
 * mutant running longer than --time-limit is a hang and fails the same way.
 *
 * Reproducibility: mutant I's randomness comes only from (--seed, I), so
 * `--only I` recreates exactly the mutant a long run found.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "disasm.h"
#include "bcfile.h"
#include "diag.h"
#include "load.h"
#include "module.h"
#include "util.h"
#include "verify.h"
#include "vm.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define FUZZ_SANITIZED 1
#else
#define FUZZ_SANITIZED 0
#endif

#define MAX_MUTANT_BYTES (1u << 20) /* a mutant never grows past 1 MiB */

/* Where a function's code lies in a seed's bytes. */
typedef struct {
    size_t start, len;
} byte_range;

typedef struct {
    char *name;        /* the file it came from */
    uint8_t *bytes;
    size_t len;
    byte_range *code;  /* each function's code, found in bytes */
    size_t ncode;
} seed_file;

typedef struct {
    uint64_t seed;
    uint64_t count;
    int64_t only;             /* -1: all */
    uint64_t fuel;
    uint64_t heap;
    unsigned time_limit_s;
    const char *save_path;
    bool verbose;
} fuzz_options;

typedef struct {
    uint64_t passed, failed;
    uint64_t rejected_by_reader, rejected_by_verifier, vm_refused;
    uint64_t returned, threw, out_of_fuel;
    uint64_t compiled_runs;   /* mutants run with --jit=always               */
    uint64_t interrupted;     /* ... of them stopped by their time budget    */
} fuzz_tally;

/* Every third mutant runs with the JIT compiling everything, under the
 * same fuel budget.  A timer is a second bound: it interrupts the VM
 * (bvm_vm_interrupt, safe in a signal handler) after JIT_BUDGET_MS, which
 * compiled code must obey like any debugger stop. */
#define JIT_BUDGET_MS 20
static bvm_vm *volatile budget_vm;
static timer_t budget_timer;

static void on_budget(int sig)
{
    bvm_vm *vm = budget_vm;
    if (vm)
        bvm_vm_interrupt(vm);
}

static void arm_budget(bvm_vm *vm, long ms)
{
    budget_vm = vm;
    struct itimerspec when = { .it_value = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 } };
    timer_settime(budget_timer, 0, &when, NULL);
}

/* ======================================================================
 * Randomness: splitmix64, seeded per mutant
 * ====================================================================== */

static uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n); n > 0. */
static size_t rng_below(uint64_t *state, size_t n) { return (size_t)(rng_next(state) % n); }

/* ======================================================================
 * What to print if we die
 * ====================================================================== */

/* Written before each mutant runs, so a signal handler (which may only call
 * async-signal-safe functions) can print it with write(2). */
static char dying_words[1024];

static void say_dying_words(void)
{
    ssize_t ignored = write(STDERR_FILENO, dying_words, strlen(dying_words));
    (void)ignored;
}

static void on_fatal_signal(int sig)
{
    say_dying_words();
    signal(sig, SIG_DFL);
    raise(sig); /* die of the same signal, so the caller sees what it was */
}

static void on_alarm(int sig)
{
    static const char msg[] = "fuzz: HANG: the mutant below ran past --time-limit\n";
    ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)ignored;
    on_fatal_signal(sig);
}

static void install_handlers(void)
{
    struct sigaction sa = {0};
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    sa.sa_handler = on_budget;
    sigaction(SIGUSR1, &sa, NULL);
    struct sigevent event = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
    if (timer_create(CLOCK_MONOTONIC, &event, &budget_timer) != 0) {
        perror("fuzz: timer_create");
        exit(1);
    }
#if FUZZ_SANITIZED
    /* ASan and UBSan report crashes themselves; add which mutant it was. */
    __sanitizer_set_death_callback(say_dying_words);
#else
    static char alt_stack[64 * 1024]; /* so a stack overflow can still report */
    stack_t ss = {.ss_sp = alt_stack, .ss_size = sizeof alt_stack};
    sigaltstack(&ss, NULL);
    sa.sa_handler = on_fatal_signal;
    sa.sa_flags = SA_ONSTACK;
    const int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
        sigaction(fatal[i], &sa, NULL);
#endif
}

/* ======================================================================
 * Seeds
 * ====================================================================== */

typedef struct {
    seed_file *items;
    size_t count, cap;
    size_t skipped;    /* source files that did not load */
} seed_list;

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Locate each function's code inside the seed's bytes, by reading the
 * module back and searching for its code (no knowledge of the file layout
 * needed).  Mutating only there keeps the file's structure intact, so those
 * mutants get past the reader and exercise the verifier and interpreter. */
static void find_code(seed_file *s)
{
    bvm_diags diags;
    bvm_diags_init(&diags);
    bvm_module *m = bvm_read_module(s->bytes, s->len, s->name, &diags);
    bvm_diags_free(&diags);
    if (!m)
        return; /* main() reports seeds that do not read back */
    s->code = bvm_xcalloc(m->nfuncs ? m->nfuncs : 1, sizeof *s->code);
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        const bvm_function *f = &m->funcs[i];
        if (f->code_len == 0)
            continue;
        const uint8_t *at = memmem(s->bytes, s->len, f->code, f->code_len);
        if (at)
            s->code[s->ncode++] = (byte_range){(size_t)(at - s->bytes), f->code_len};
    }
    bvm_module_free(m);
}

static void add_seed(seed_list *seeds, const char *path)
{
    snprintf(dying_words, sizeof dying_words, "fuzz: this happened while loading the seed %s\n",
             path);
    bvm_buf bytes = {0};
    if (has_suffix(path, ".vbc")) {
        uint8_t *data;
        size_t len;
        const char *why;
        if (!bvm_read_file(path, &data, &len, &why)) {
            fprintf(stderr, "fuzz: cannot read seed %s: %s\n", path, why);
            exit(2);
        }
        bvm_buf_put(&bytes, data, len);
        free(data);
    } else {
        bvm_diags diags;
        bvm_diags_init(&diags);
        bvm_module *m = bvm_load_file(path, &diags, NULL);
        bvm_diags_free(&diags);
        if (!m) {
            seeds->skipped++;
            return;
        }
        bvm_write_module(m, &bytes);
        bvm_module_free(m);
    }
    if (seeds->count == seeds->cap) {
        seeds->cap = seeds->cap ? seeds->cap * 2 : 32;
        seeds->items = bvm_xrealloc(seeds->items, seeds->cap * sizeof *seeds->items);
    }
    seed_file *s = &seeds->items[seeds->count++];
    *s = (seed_file){bvm_xstrdup(path), bytes.data, bytes.len, NULL, 0};
    find_code(s);
}

static void find_seeds(seed_list *seeds, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "fuzz: %s: %s\n", path, strerror(errno));
        exit(2);
    }
    if (!S_ISDIR(st.st_mode)) {
        add_seed(seeds, path);
        return;
    }
    struct dirent **names;
    int n = scandir(path, &names, NULL, alphasort); /* sorted: same seeds, same order */
    if (n < 0) {
        fprintf(stderr, "fuzz: cannot read directory %s: %s\n", path, strerror(errno));
        exit(2);
    }
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        if (name[0] != '.') {
            char *child = bvm_format("%s/%s", path, name);
            struct stat cst;
            if (stat(child, &cst) == 0 && S_ISDIR(cst.st_mode))
                find_seeds(seeds, child);
            else if (has_suffix(name, ".vela") || has_suffix(name, ".vasm") || has_suffix(name, ".vbc"))
                add_seed(seeds, child);
            free(child);
        }
        free(names[i]);
    }
    free(names);
}

/* ======================================================================
 * Mutations
 * ====================================================================== */

static const uint8_t interesting_bytes[] = {0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF};
static const uint32_t interesting_words[] = {0,          1,          0x7F,       0x80,
                                             0xFF,       0x7FFF,     0x8000,     0xFFFE,
                                             0xFFFF,     0x10000,    0x7FFFFFFF, 0x80000000,
                                             0xFFFFFFFE, 0xFFFFFFFF};

/* Mutations that change bytes but never the length: the file's structure
 * (section and table sizes) stays where it was, unless the changed bytes
 * were themselves sizes or counts.  Positions are drawn from [lo, hi). */
static const char *mutate_in_place(bvm_buf *b, size_t lo, size_t hi, uint64_t *rng)
{
    size_t span = hi - lo; /* > 0 */
    switch (rng_below(rng, 5)) {
    case 0:
        b->data[lo + rng_below(rng, span)] ^= (uint8_t)(1u << rng_below(rng, 8));
        return "flip a bit";
    case 1:
        b->data[lo + rng_below(rng, span)] = (uint8_t)rng_next(rng);
        return "random byte";
    case 2:
        b->data[lo + rng_below(rng, span)] =
            interesting_bytes[rng_below(rng, sizeof interesting_bytes)];
        return "boundary byte";
    case 3: {
        /* A 16- or 32-bit boundary value, little-endian, where counts,
         * lengths, indices, offsets and immediates live. */
        uint32_t v = interesting_words[rng_below(rng, sizeof interesting_words / sizeof interesting_words[0])];
        size_t width = rng_below(rng, 2) ? 4 : 2;
        if (span < width)
            width = 1;
        size_t at = lo + rng_below(rng, span - width + 1);
        for (size_t i = 0; i < width; i++)
            b->data[at + i] = (uint8_t)(v >> (8 * i));
        return width == 4 ? "boundary u32" : width == 2 ? "boundary u16" : "boundary byte";
    }
    default: {
        /* Copy a chunk over another place (instructions over instructions). */
        size_t from = lo + rng_below(rng, span), to = lo + rng_below(rng, span);
        size_t n = 1 + rng_below(rng, 32);
        if (n > hi - from)
            n = hi - from;
        if (n > hi - to)
            n = hi - to;
        memmove(b->data + to, b->data + from, n);
        return "copy a chunk over another";
    }
    }
}

/* Mutations that change the length: the reader's checks of sizes and
 * counts against what is left of the file. */
static const char *mutate_length(bvm_buf *b, uint64_t *rng)
{
    switch (rng_below(rng, 4)) {
    case 0:
        b->len = rng_below(rng, b->len); /* keep a prefix, maybe empty */
        return "truncate";
    case 1: {
        size_t extra = 1 + rng_below(rng, 64);
        if (b->len + extra > MAX_MUTANT_BYTES)
            return "extend (at limit)";
        for (size_t i = 0; i < extra; i++)
            bvm_buf_u8(b, (uint8_t)rng_next(rng));
        return "extend with random bytes";
    }
    case 2: {
        /* Insert a copy of a chunk (shifts everything after it). */
        size_t from = rng_below(rng, b->len), at = rng_below(rng, b->len + 1);
        size_t n = 1 + rng_below(rng, 32);
        if (n > b->len - from)
            n = b->len - from;
        if (b->len + n > MAX_MUTANT_BYTES)
            return "duplicate (at limit)";
        uint8_t chunk[32];
        memcpy(chunk, b->data + from, n);
        bvm_buf_reserve(b, n);
        memmove(b->data + at + n, b->data + at, b->len - at);
        memcpy(b->data + at, chunk, n);
        b->len += n;
        return "duplicate a chunk";
    }
    default: {
        size_t at = rng_below(rng, b->len);
        size_t n = 1 + rng_below(rng, 16);
        if (n > b->len - at)
            n = b->len - at;
        memmove(b->data + at, b->data + at + n, b->len - at - n);
        b->len -= n;
        return "delete a chunk";
    }
    }
}

/* How mutant i is damaged; the three kinds take turns. */
typedef enum {
    DAMAGE_CODE,      /* in-place changes inside one function's code       */
    DAMAGE_ANYWHERE,  /* in-place changes anywhere after the magic         */
    DAMAGE_ANY,       /* any mutation, length-changing ones included       */
    DAMAGE__COUNT
} damage_kind;

/* Apply one mutation of the given kind to b; returns its name for the log. */
static const char *mutate_once(bvm_buf *b, const seed_file *s, damage_kind kind, uint64_t *rng)
{
    if (b->len <= BVM_MAGIC_LEN) {
        uint8_t byte = (uint8_t)rng_next(rng);
        bvm_buf_put(b, &byte, 1);
        return "grow a tiny file";
    }
    switch (kind) {
    case DAMAGE_CODE:
        if (s->ncode > 0) {
            const byte_range *r = &s->code[rng_below(rng, s->ncode)];
            if (r->start + r->len <= b->len)
                return mutate_in_place(b, r->start, r->start + r->len, rng);
        }
        return mutate_in_place(b, BVM_MAGIC_LEN, b->len, rng);
    case DAMAGE_ANYWHERE:
        return mutate_in_place(b, BVM_MAGIC_LEN, b->len, rng);
    default:
        return rng_below(rng, 2) ? mutate_in_place(b, 0, b->len, rng) : mutate_length(b, rng);
    }
}

/* ======================================================================
 * One mutant through the pipeline
 * ====================================================================== */

/* A rejection must come with a reason someone can read. */
static bool rejection_explained(const bvm_diags *d, const char *stage, uint64_t index)
{
    if (d->errors > 0 && d->count > 0 && d->items[0].msg && d->items[0].msg[0])
        return true;
    fprintf(stderr, "fuzz: FAIL mutant %llu: %s rejected it without an error message\n",
            (unsigned long long)index, stage);
    return false;
}

static bool run_mutant(const uint8_t *data, size_t len, uint64_t index, const fuzz_options *o,
                       FILE *devnull, fuzz_tally *t)
{
    bvm_diags diags;
    bvm_diags_init(&diags);
    bool ok = true;

    bvm_module *m = bvm_read_module(data, len, "mutant.vbc", &diags);
    if (!m) {
        ok = rejection_explained(&diags, "bvm_read_module", index);
        t->rejected_by_reader++;
        bvm_diags_free(&diags);
        return ok;
    }

    /* `bvm dis` works on files that read but do not verify. */
    bvm_buf listing = {0};
    bvm_disassemble(m, NULL, &listing);
    bvm_buf_free(&listing);

    /* Whatever the reader accepts, the writer must write so that it reads
     * back the same: write(read(x)) is a fixed point. */
    bvm_buf once = {0}, twice = {0};
    bvm_write_module(m, &once);
    bvm_diags again;
    bvm_diags_init(&again);
    bvm_module *m2 = bvm_read_module(once.data, once.len, "rewritten.vbc", &again);
    if (!m2) {
        fprintf(stderr, "fuzz: FAIL mutant %llu: the reader accepted it, but rejects what the "
                        "writer made of it:\n", (unsigned long long)index);
        bvm_diags_print(&again, stderr);
        ok = false;
    } else {
        bvm_write_module(m2, &twice);
        if (twice.len != once.len || memcmp(twice.data, once.data, once.len) != 0) {
            fprintf(stderr, "fuzz: FAIL mutant %llu: writing what was read back gives other bytes "
                            "(%zu then %zu bytes)\n",
                    (unsigned long long)index, once.len, twice.len);
            ok = false;
        }
        bvm_module_free(m2);
    }
    bvm_diags_free(&again);
    bvm_buf_free(&once);
    bvm_buf_free(&twice);

    if (!bvm_verify_module(m, "mutant.vbc", &diags)) {
        ok = rejection_explained(&diags, "bvm_verify_module", index) && ok;
        t->rejected_by_verifier++;
        bvm_module_free(m);
        bvm_diags_free(&diags);
        return ok;
    }
    bvm_diags_free(&diags);

    bvm_options vo;
    bvm_options_default(&vo);
    vo.dispatch = index % 2 ? BVM_DISPATCH_SWITCH : BVM_DISPATCH_THREADED;
    vo.gc_stress = index % 4 == 3;
    bool compiled = index % 3 == 1;
    vo.fuel = o->fuel; /* compiled code counts fuel too */
    vo.jit = compiled ? BVM_JIT_ALWAYS : BVM_JIT_OFF;
    vo.heap_limit = o->heap;
    vo.max_depth = 500;
    vo.out = devnull;
    const char *why = NULL;
    bvm_vm *vm = bvm_vm_new(m, &vo, &why);
    if (!vm) {
        t->vm_refused++;
        bvm_module_free(m);
        return ok;
    }
    if (compiled) {
        t->compiled_runs++;
        arm_budget(vm, JIT_BUDGET_MS);
    }
    bvm_result r = bvm_vm_run(vm);
    bool out_of_time = false;
    if (compiled) {
        arm_budget(NULL, 0); /* disarm */
        out_of_time = r == BVM_RESULT_STOPPED && bvm_vm_stop_reason(vm) == BVM_STOP_INTERRUPT;
    }
    for (int resumes = 0; !out_of_time && r == BVM_RESULT_STOPPED && resumes < 16; resumes++)
        r = bvm_vm_run(vm); /* nothing armed a stop; resume if it happens */
    if (out_of_time) {
        t->interrupted++; /* stopped where it was told to: that is right */
    } else switch (r) {
    case BVM_RESULT_OK:
        t->returned++;
        break;
    case BVM_RESULT_EXCEPTION:
        t->threw++;
        bvm_vm_print_error(vm, devnull);
        break;
    case BVM_RESULT_FUEL:
        t->out_of_fuel++;
        bvm_vm_print_error(vm, devnull);
        break;
    case BVM_RESULT_STOPPED:
        fprintf(stderr, "fuzz: FAIL mutant %llu: the VM keeps stopping with nothing armed\n",
                (unsigned long long)index);
        ok = false;
        break;
    case BVM_RESULT_OUTPUT_ERROR: /* /dev/null never refuses a write */
        fprintf(stderr, "fuzz: FAIL mutant %llu: printing to /dev/null failed\n", (unsigned long long)index);
        ok = false;
        break;
    }
    bvm_vm_print_gc_stats(vm, devnull);
    bvm_vm_free(vm);
    bvm_module_free(m);
    return ok;
}

/* ======================================================================
 * Command line
 * ====================================================================== */

static void usage(void)
{
    fprintf(stderr,
            "usage: bytecode-fuzz [--seed N] [--count N] [--only I] [--fuel N] [--heap BYTES]\n"
            "                     [--time-limit SEC] [--save FILE] [-v] SEED-FILE-OR-DIR...\n");
    exit(2);
}

static uint64_t parse_number(const char *flag, const char *value, uint64_t min, uint64_t max)
{
    char *end;
    errno = 0;
    unsigned long long v = value ? strtoull(value, &end, 10) : 0;
    if (!value || !*value || *end || errno || value[0] == '-' || v < min || v > max) {
        fprintf(stderr, "fuzz: %s needs a number from %llu to %llu, got '%s'\n", flag,
                (unsigned long long)min, (unsigned long long)max, value ? value : "");
        exit(2);
    }
    return v;
}

static void save_mutant(const char *path, const uint8_t *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        fprintf(stderr, "fuzz: cannot write %s: %s\n", path, strerror(errno));
        exit(2);
    }
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    close(fd);
}

int main(int argc, char **argv)
{
    fuzz_options o = {
        .seed = 1, .count = 1000, .only = -1, .fuel = 100000, .heap = 4u << 20, .time_limit_s = 10,
    };
    seed_list seeds = {0};
    char **roots = bvm_xcalloc((size_t)argc, sizeof *roots);
    int nroots = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--seed") == 0)
            o.seed = parse_number(a, v, 0, UINT64_MAX), i++;
        else if (strcmp(a, "--count") == 0)
            o.count = parse_number(a, v, 1, UINT64_MAX), i++;
        else if (strcmp(a, "--only") == 0)
            o.only = (int64_t)parse_number(a, v, 0, INT64_MAX), i++;
        else if (strcmp(a, "--fuel") == 0)
            o.fuel = parse_number(a, v, 1, UINT64_MAX), i++;
        else if (strcmp(a, "--heap") == 0)
            o.heap = parse_number(a, v, 1024, UINT64_MAX), i++;
        else if (strcmp(a, "--time-limit") == 0)
            o.time_limit_s = (unsigned)parse_number(a, v, 1, 3600), i++;
        else if (strcmp(a, "--save") == 0 && v)
            o.save_path = v, i++;
        else if (strcmp(a, "-v") == 0)
            o.verbose = true;
        else if (a[0] == '-')
            fprintf(stderr, "fuzz: unknown option '%s'\n", a), usage();
        else
            roots[nroots++] = argv[i];
    }
    if (nroots == 0)
        usage();
    install_handlers();
    for (int i = 0; i < nroots; i++)
        find_seeds(&seeds, roots[i]);
    free(roots);
    if (seeds.count == 0) {
        fprintf(stderr, "fuzz: no seed loaded (%zu file%s did not load): nothing to mutate\n",
                seeds.skipped, seeds.skipped == 1 ? "" : "s");
        return 1;
    }

    FILE *devnull = fopen("/dev/null", "w");
    if (!devnull) {
        fprintf(stderr, "fuzz: cannot open /dev/null: %s\n", strerror(errno));
        return 2;
    }

    fuzz_tally t = {0};

    /* The seeds themselves first: they must read, verify and run. */
    if (o.only < 0) {
        for (size_t s = 0; s < seeds.count; s++) {
            snprintf(dying_words, sizeof dying_words,
                     "fuzz: this happened while running the unmutated seed %s\n",
                     seeds.items[s].name);
            alarm(o.time_limit_s);
            fuzz_tally ignored = {0};
            bvm_diags d;
            bvm_diags_init(&d);
            bvm_module *m = bvm_read_module(seeds.items[s].bytes, seeds.items[s].len,
                                            seeds.items[s].name, &d);
            bool verified = m && bvm_verify_module(m, seeds.items[s].name, &d);
            if (!verified) {
                fprintf(stderr, "fuzz: FAIL seed %s: its bytecode does not read back and verify:\n",
                        seeds.items[s].name);
                bvm_diags_print(&d, stderr);
                t.failed++;
            } else if (run_mutant(seeds.items[s].bytes, seeds.items[s].len, 0, &o, devnull,
                                  &ignored)) {
                t.passed++;
            } else {
                t.failed++;
            }
            alarm(0);
            bvm_module_free(m);
            bvm_diags_free(&d);
        }
    }

    bvm_buf mutant = {0};
    uint64_t first = o.only >= 0 ? (uint64_t)o.only : 0;
    uint64_t last = o.only >= 0 ? (uint64_t)o.only + 1 : o.count;
    for (uint64_t i = first; i < last; i++) {
        uint64_t rng = o.seed * 0x100000001B3ull ^ (i + 1) * 0x9E3779B97F4A7C15ull;
        const seed_file *s = &seeds.items[i % seeds.count];
        mutant.len = 0;
        bvm_buf_put(&mutant, s->bytes, s->len);

        char log[512];
        int at = snprintf(log, sizeof log, "mutations:");
        size_t nmut = 1 + rng_below(&rng, 4);
        for (size_t k = 0; k < nmut; k++) {
            const char *what = mutate_once(&mutant, s, (damage_kind)(i % DAMAGE__COUNT), &rng);
            if (at < (int)sizeof log)
                at += snprintf(log + at, sizeof log - (size_t)at, "%s %s", k ? "," : "", what);
        }
        snprintf(dying_words, sizeof dying_words,
                 "fuzz: this happened in mutant %llu of seed %s (%s; %zu bytes)\n"
                 "fuzz: reproduce with: bytecode-fuzz --seed %llu --only %llu <the same seed files>%s%s\n",
                 (unsigned long long)i, s->name, log, mutant.len, (unsigned long long)o.seed,
                 (unsigned long long)i, o.save_path ? "; its bytes are in " : "",
                 o.save_path ? o.save_path : "");
        if (o.verbose)
            fprintf(stderr, "fuzz: mutant %llu of %s: %s\n", (unsigned long long)i, s->name, log);
        if (o.save_path)
            save_mutant(o.save_path, mutant.data, mutant.len);

        alarm(o.time_limit_s);
        if (run_mutant(mutant.data, mutant.len, i, &o, devnull, &t)) {
            t.passed++;
        } else {
            t.failed++;
            say_dying_words();
        }
        alarm(0);
    }
    bvm_buf_free(&mutant);

    printf("fuzz: %llu mutants of %zu seeds (--seed %llu, %zu source files skipped): "
           "%llu rejected by the reader, %llu by the verifier, %llu refused by bvm_vm_new, "
           "%llu ran (%llu returned, %llu threw, %llu out of fuel); "
           "%llu of them compiled by the JIT (%llu stopped by their %d ms budget)\n",
           (unsigned long long)(last - first), seeds.count, (unsigned long long)o.seed,
           seeds.skipped, (unsigned long long)t.rejected_by_reader,
           (unsigned long long)t.rejected_by_verifier, (unsigned long long)t.vm_refused,
           (unsigned long long)(t.returned + t.threw + t.out_of_fuel + t.interrupted),
           (unsigned long long)t.returned, (unsigned long long)t.threw,
           (unsigned long long)t.out_of_fuel, (unsigned long long)t.compiled_runs,
           (unsigned long long)t.interrupted, JIT_BUDGET_MS);
    printf("fuzz: %llu passed, %llu failed\n", (unsigned long long)t.passed,
           (unsigned long long)t.failed);

    for (size_t s = 0; s < seeds.count; s++) {
        free(seeds.items[s].name);
        free(seeds.items[s].bytes);
        free(seeds.items[s].code);
    }
    free(seeds.items);
    fclose(devnull);
    return t.failed ? 1 : 0;
}
