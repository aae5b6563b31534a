/*
 * cmdline.c -- splitting the command line into words and parsing each
 * word into a struct command (see cmdline.h for the language).
 *
 * A word is KEY or KEY=VALUE.  The key is a workload's name (a value is
 * optional: the size) or one of the keywords in a table that says what may
 * follow each; value_in_range then checks a number against its command.
 */
#include "cmdline.h"
#include "kstring.h"

const char *const workload_words[WORKLOAD_COUNT] = {
    [WORKLOAD_FIB] = "fib",
    [WORKLOAD_LOOP] = "loop",
    [WORKLOAD_SIEVE] = "sieve",
    [WORKLOAD_MATMUL] = "matmul",
    [WORKLOAD_TREES] = "trees",
};

const char *const fault_words[FAULT_COUNT] = {
    [FAULT_UD] = "ud", [FAULT_GP] = "gp", [FAULT_PF] = "pf", [FAULT_DE] = "de", [FAULT_BP] = "bp",
};

/* What may follow a key: nothing, "=NUMBER" or not, "=NUMBER", "=FAULT". */
enum value_rule { VALUE_NONE, VALUE_OPTIONAL, VALUE_NUMBER, VALUE_FAULT_NAME };

struct keyword {
    const char *key;
    enum command_kind kind;
    enum value_rule rule;
};

/* Every command but the workloads, whose names are workload_words[]. */
static const struct keyword keywords[] = {
    { "all", COMMAND_ALL, VALUE_NONE },
    { "hz", COMMAND_HZ, VALUE_NUMBER },
    { "ticks", COMMAND_TICKS, VALUE_NUMBER },
    { "echo", COMMAND_ECHO, VALUE_NONE },
    { "info", COMMAND_INFO, VALUE_NONE },
    { "fault", COMMAND_FAULT, VALUE_FAULT_NAME },
    { "poke", COMMAND_POKE, VALUE_NUMBER },
    { "spin", COMMAND_SPIN, VALUE_NONE },
    { "exit", COMMAND_EXIT, VALUE_NUMBER },
};

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool cmdline_next_word(const char **cursor, struct cmdline_word *word)
{
    const char *p = *cursor;
    while (is_space(*p))
        p++;
    if (*p == '\0') {
        *cursor = p;
        return false;
    }
    word->text = p;
    while (*p != '\0' && !is_space(*p))
        p++;
    word->len = (size_t)(p - word->text);
    *cursor = p;
    return true;
}

static bool equals(const char *text, size_t len, const char *name)
{
    return strlen(name) == len && memcmp(text, name, len) == 0;
}

static int digit_value(char c, unsigned base)
{
    int v = c >= '0' && c <= '9' ? c - '0'
          : c >= 'a' && c <= 'f' ? c - 'a' + 10
          : c >= 'A' && c <= 'F' ? c - 'A' + 10
          : -1;
    return v >= 0 && (unsigned)v < base ? v : -1;
}

bool cmdline_parse_number(const char *text, size_t len, uint64_t *value)
{
    unsigned base = 10;
    if (len > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        base = 16;
        text += 2;
        len -= 2;
    }
    if (len == 0)
        return false;
    uint64_t result = 0;
    for (size_t i = 0; i < len; i++) {
        int digit = digit_value(text[i], base);
        if (digit < 0 || result > (UINT64_MAX - (uint64_t)digit) / base)
            return false;
        result = result * base + (uint64_t)digit;
    }
    *value = result;
    return true;
}

/* What a number must be for each command that takes one. */
static bool value_in_range(enum command_kind kind, uint64_t value)
{
    switch (kind) {
    case COMMAND_WORKLOAD: return value <= INT64_MAX; /* workloads take a long long */
    case COMMAND_HZ: return value == 0 || (value >= CMDLINE_HZ_MIN && value <= CMDLINE_HZ_MAX);
    case COMMAND_EXIT: return value <= 255;
    default: return true;
    }
}

/* The workload so named, or -1. */
static int find_workload(const char *name, size_t len)
{
    for (int id = 0; id < WORKLOAD_COUNT; id++)
        if (equals(name, len, workload_words[id]))
            return id;
    return -1;
}

static const struct keyword *find_keyword(const char *key, size_t len)
{
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (equals(key, len, keywords[i].key))
            return &keywords[i];
    return NULL;
}

bool command_parse(struct cmdline_word word, struct command *command)
{
    const char *equals_sign = memchr(word.text, '=', word.len);
    size_t key_len = equals_sign ? (size_t)(equals_sign - word.text) : word.len;
    const char *value = equals_sign ? equals_sign + 1 : NULL;
    size_t value_len = equals_sign ? word.len - key_len - 1 : 0;
    *command = (struct command){ .has_value = equals_sign != NULL };

    enum value_rule rule = VALUE_OPTIONAL; /* a workload's size */
    int workload = find_workload(word.text, key_len);
    if (workload >= 0) {
        command->kind = COMMAND_WORKLOAD;
        command->workload = (enum workload_id)workload;
    } else {
        const struct keyword *keyword = find_keyword(word.text, key_len);
        if (keyword == NULL)
            return false;
        command->kind = keyword->kind;
        rule = keyword->rule;
    }

    if (!command->has_value)
        return rule == VALUE_NONE || rule == VALUE_OPTIONAL;
    if (rule == VALUE_NONE)
        return false;
    if (rule == VALUE_FAULT_NAME) {
        for (int f = 0; f < FAULT_COUNT; f++) {
            if (equals(value, value_len, fault_words[f])) {
                command->fault = (enum fault_kind)f;
                return true;
            }
        }
        return false;
    }
    return cmdline_parse_number(value, value_len, &command->value) &&
           value_in_range(command->kind, command->value);
}
