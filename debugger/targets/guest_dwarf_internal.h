/*
 * guest_dwarf_internal.h -- the tables of a guest_dwarf, shared by the
 * two files that implement guest_dwarf.h: guest_dwarf.c (opening,
 * symbols, lines, functions, unwinding) and guest_values.c (variables,
 * types, expressions).  Nothing else includes it.
 *
 * Invariants: symbols[] and rows[] are sorted by address, functions[] by
 * low address, completions[] by name without repeats; every string is
 * owned by the guest_dwarf (strings[]) or by libdw's Dwarf, which lives
 * as long as dwfl.
 */
#ifndef VDB_GUEST_DWARF_INTERNAL_H
#define VDB_GUEST_DWARF_INTERNAL_H

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#include "guest_dwarf.h"

struct guest_symbol {
    const char *name;
    uint64_t address, size;
    uint64_t section_end;     /* the end of its (allocated) section; 0: none known */
    bool function;            /* STT_FUNC */
    bool code;                /* in an executable section (a function, or an assembly label) */
};

struct guest_row {
    uint64_t start, end;
    uint32_t line;
    uint32_t file;            /* index into files[] */
    bool statement;           /* is_stmt */
};

struct guest_file {
    char *name;               /* relative to the comp dir when inside it */
    char *path;               /* what to open */
};

struct guest_function_entry {
    guest_function f;
    Dwarf_Off die;            /* the DW_TAG_subprogram (0: from the symbol table) */
};

struct guest_dwarf {
    Dwfl *dwfl;
    Dwfl_Module *module;
    Dwarf *dwarf;             /* NULL: no DWARF */
    Dwarf_Addr bias;
    Dwarf_CFI *cfi;           /* NULL: no call-frame information */
    Dwarf_Addr cfi_bias;
    bool x86_64;
    bool attached;            /* dwfl_attach_state done */

    struct guest_symbol *symbols;
    size_t nsymbols;
    struct guest_row *rows;
    size_t nrows;
    struct guest_file *files;
    size_t nfiles;
    struct guest_function_entry *functions;
    size_t nfunctions;
    const char **completions;
    size_t ncompletions;

    char *map_text;           /* a System.map's text, which its symbols' names point into (NULL: an ELF) */

    /* The unwinder's state during one guest_dwarf_unwind. */
    const guest_frame *unwind_from;
    const guest_access *unwind_access;
    guest_frame *unwind_frames;
    size_t unwind_count, unwind_max;
};

/* Calls visit for each DIE at the top of every compilation unit, with the
 * unit's bias, until it returns false (guest_dwarf.c). */
void guest_dwarf_top_dies(const guest_dwarf *g, bool (*visit)(void *context, Dwarf_Die *die, Dwarf_Addr bias),
                          void *context);

/* qsort's order of symbols[]: by address, functions first at a tie
 * (guest_dwarf.c). */
int guest_symbol_by_address(const void *a, const void *b);

/* Fills completions[] from functions[] and symbols[]; false when out of
 * memory (guest_dwarf.c). */
bool guest_dwarf_read_completions(guest_dwarf *g);

/* Opens a System.map (symbol_map.h) as a guest_dwarf with symbols and
 * functions alone: no DWARF, no CFI (guest_symbol_map.c). */
guest_dwarf *guest_dwarf_open_map(const char *path, char *err, size_t err_size);

/* The function entry holding address, or NULL (guest_dwarf.c). */
const struct guest_function_entry *guest_dwarf_function_entry(const guest_dwarf *g, uint64_t address);

#endif
