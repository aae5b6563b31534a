/*
 * guest_symbol_map.c -- a guest_dwarf made from a System.map (symbol_map.h)
 * instead of an ELF: the symbols and functions of a kernel whose ELF has
 * no symbol table (Debian's vmlinux is stripped; its System.map is the
 * kernel's own /proc/kallsyms, docs/linux-guest.md).
 *
 * What it gives: symbols[] (every symbol but undefined, debugging and
 * absolute ones -- with CONFIG_KALLSYMS_ABSOLUTE_PERCPU the per-CPU
 * variables are absolute offsets near 0, which would name small numbers),
 * each holding the bytes up to the next symbol's address; functions[] for
 * the text symbols (T, t), each up to the next symbol, with `break NAME`
 * at its first byte (no line table says where a prologue ends); the
 * completion names.  No lines, no DWARF, no CFI: the DWARF layer over it
 * has symbols, and no frames (a kernel built without frame pointers, as
 * Debian's is with the ORC unwinder, has no rbp chain to follow).
 */
#include "guest_dwarf_internal.h"
#include "symbol_map.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
    guest_dwarf *g;
    size_t capacity;
} map_reader;

static bool kept_type(char type)
{
    return !strchr("UuNnAa", type);
}

static bool add_symbol(void *context, const symbol_map_entry *entry)
{
    map_reader *r = context;
    guest_dwarf *g = r->g;
    if (!kept_type(entry->type) || entry->address == 0)
        return true;
    if (g->nsymbols == r->capacity) {
        size_t bigger = r->capacity ? 2 * r->capacity : 4096;
        void *p = realloc(g->symbols, bigger * sizeof *g->symbols);
        if (!p)
            return false;
        g->symbols = p;
        r->capacity = bigger;
    }
    /* The name ends in the file's own buffer: what follows it (a blank, the
     * newline, or the NUL past the end) becomes its terminator.  The
     * parser is done with this line. */
    ((char *)entry->name)[entry->name_length] = '\0';
    bool code = entry->type == 'T' || entry->type == 't';
    g->symbols[g->nsymbols++] = (struct guest_symbol){
        .name = entry->name, .address = entry->address, .function = code, .code = code,
    };
    return true;
}

/* Sizes (to the next address) and the text symbols as functions. */
static bool index_symbols(guest_dwarf *g)
{
    qsort(g->symbols, g->nsymbols, sizeof *g->symbols, guest_symbol_by_address);
    size_t functions = 0;
    for (size_t i = 0; i < g->nsymbols; i++) {
        size_t next = i + 1;
        while (next < g->nsymbols && g->symbols[next].address == g->symbols[i].address)
            next++;
        g->symbols[i].size = next < g->nsymbols ? g->symbols[next].address - g->symbols[i].address : 0;
        functions += g->symbols[i].code && g->symbols[i].size > 0;
    }
    g->functions = calloc(functions ? functions : 1, sizeof *g->functions);
    if (!g->functions)
        return false;
    for (size_t i = 0; i < g->nsymbols; i++) {
        const struct guest_symbol *s = &g->symbols[i];
        if (s->code && s->size > 0)
            g->functions[g->nfunctions++] = (struct guest_function_entry){
                .f = { .name = s->name, .low = s->address, .high = s->address + s->size, .body = s->address },
            };
    }
    return guest_dwarf_read_completions(g);
}

guest_dwarf *guest_dwarf_open_map(const char *path, char *err, size_t err_size)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0) {
        snprintf(err, err_size, "%s: %s", path, strerror(errno));
        if (f)
            fclose(f);
        return NULL;
    }
    guest_dwarf *g = calloc(1, sizeof *g);
    char *text = malloc((size_t)st.st_size + 1);
    if (!g || !text) {
        snprintf(err, err_size, "out of memory reading %s", path);
        free(g);
        free(text);
        fclose(f);
        return NULL;
    }
    size_t size = fread(text, 1, (size_t)st.st_size, f);
    bool failed = ferror(f);
    fclose(f);
    if (failed) {
        snprintf(err, err_size, "%s: cannot read it", path);
        free(text);
        free(g);
        return NULL;
    }
    text[size] = '\0';
    g->map_text = text;
    g->x86_64 = true;  /* vdb's machines are x86-64; the map itself does not say */
    map_reader reader = { g, 0 };
    long count = symbol_map_parse(path, text, size, add_symbol, &reader, err, err_size);
    if (count < 0) {
        guest_dwarf_close(g);
        return NULL;
    }
    if (g->nsymbols == 0) {
        snprintf(err, err_size, "%s: no symbols with an address (is it the package's placeholder? "
                 "docs/linux-guest.md says how the real one is made)", path);
        guest_dwarf_close(g);
        return NULL;
    }
    if (!index_symbols(g)) {
        snprintf(err, err_size, "out of memory reading %s", path);
        guest_dwarf_close(g);
        return NULL;
    }
    return g;
}
