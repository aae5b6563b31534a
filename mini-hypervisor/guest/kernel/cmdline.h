/*
 * cmdline.h -- the guest kernel's command language: the words given with
 * `mhv run --cmdline '...'`, split and parsed into commands.
 *
 * The command line is words separated by spaces (tabs and newlines count
 * as spaces); each word is one command:
 *
 *   NAME | NAME=SIZE   run workload NAME (fib loop sieve matmul trees) at
 *                      its default size or SIZE
 *   all                run the five workloads at their default sizes
 *   hz=N               timer interrupts per second from now on; 0 = off,
 *                      else CMDLINE_HZ_MIN..CMDLINE_HZ_MAX
 *   ticks=N            sleep until N more timer ticks have happened
 *   echo               read a line from the UART and print it back
 *   info               read the MMIO info device
 *   fault=ud|gp|pf|de|bp   cause that exception
 *   poke=ADDR          read 8 bytes at physical address ADDR
 *   spin               loop forever, interrupts on
 *   exit=N             end the guest now with status N (0..255)
 *
 * Numbers are decimal, or hex after 0x.  Parsing is separate from running
 * (commands.c) so that the whole line is checked before anything runs and
 * so that the hosted unit tests can check the parser alone.
 *
 * Invariants:
 *   - Pure: no I/O, no globals that change.
 *   - A word that command_parse accepts has every number in range for its
 *     command; anything else is rejected whole, never half-applied.
 *   - enum workload_id lists the workloads in the order `all` runs them,
 *     and workload_words[] spells them; workloads.c maps each id to its
 *     wl_workload.  fault_words[] spells each enum fault_kind.
 */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CMDLINE_HZ_MIN 19     /* the 8254's 16-bit divisor: 1193182 / 19 < 65536 */
#define CMDLINE_HZ_MAX 10000  /* beyond this the guest does little but tick */

enum workload_id { WORKLOAD_FIB, WORKLOAD_LOOP, WORKLOAD_SIEVE, WORKLOAD_MATMUL, WORKLOAD_TREES,
                   WORKLOAD_COUNT };

extern const char *const workload_words[WORKLOAD_COUNT];

enum command_kind {
    COMMAND_WORKLOAD, /* workload, and size if has_value */
    COMMAND_ALL,
    COMMAND_HZ,       /* value: interrupts per second, 0 = off */
    COMMAND_TICKS,    /* value: ticks to wait */
    COMMAND_ECHO,
    COMMAND_INFO,
    COMMAND_FAULT,    /* fault */
    COMMAND_POKE,     /* value: physical address */
    COMMAND_SPIN,
    COMMAND_EXIT,     /* value: exit status */
};

enum fault_kind { FAULT_UD, FAULT_GP, FAULT_PF, FAULT_DE, FAULT_BP, FAULT_COUNT };

extern const char *const fault_words[FAULT_COUNT];

struct command {
    enum command_kind kind;
    enum workload_id workload;  /* COMMAND_WORKLOAD */
    enum fault_kind fault;      /* COMMAND_FAULT */
    bool has_value;             /* a number followed '=' */
    uint64_t value;
};

/* One word of the command line: a pointer into it, not NUL-terminated. */
struct cmdline_word {
    const char *text;
    size_t len;
};

/* Skip spaces at *cursor; if a word follows, store it in *word, advance
 * *cursor past it and return true; at the end of the text return false. */
bool cmdline_next_word(const char **cursor, struct cmdline_word *word);

/* Parse one word; false if it is not a command or a number in it is bad. */
bool command_parse(struct cmdline_word word, struct command *command);

/* Parse a whole number: decimal, or hex after "0x"/"0X"; no sign, no
 * spaces.  False if empty, not a number, or above UINT64_MAX. */
bool cmdline_parse_number(const char *text, size_t len, uint64_t *value);

#endif
