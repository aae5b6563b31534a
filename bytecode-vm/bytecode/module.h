/*
 * module.h -- a program in memory: the unit the compiler produces, the file
 * format (bcfile.c) and the assembler (asm.c) read and write, the verifier
 * checks, and the interpreter runs.
 *
 * A module holds, each in its own table addressed by a u16 index:
 *
 *   types      type descriptors.  Indices 0..BVM_TYPE__FIRST_USER-1 are the
 *              built-in types (void, int, float, bool, string) and are never
 *              stored in files; user types (arrays, records) follow.
 *   constants  int, float and string literals (ldc, sfmt).
 *   records    record (struct) layouts: name and typed, named fields.
 *   globals    typed, named global variables, zero/null at start.
 *   functions  signature, typed locals, code, and tables: lines, exception
 *              handlers, local-variable debug names.
 *
 * Invariants (checked by the verifier before anything runs -- code outside
 * verify.c may rely on them only after bvm_verify_module succeeded):
 *   - every index stored anywhere is in range of its table;
 *   - an array type's element type index is smaller than its own index
 *     (so no array type contains itself);
 *   - params are the first nparams locals, with local_types[i] the type of
 *     parameter i;
 *   - `entry` names a function `main` taking no parameters returning void or
 *     int; `init` is BVM_NO_FUNC or a void function of no parameters that sets
 *     the globals and runs before entry.
 *
 * Ownership: a module owns every array and string reachable from it;
 * bvm_module_free releases all of it.  Strings are NUL-terminated C strings
 * except constant strings, which carry a length and may contain NUL bytes.
 */
#ifndef BVM_MODULE_H
#define BVM_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashmap.h"

#define BVM_NO_FUNC 0xFFFFu

/* ---- types ---------------------------------------------------------------- */

typedef enum {
    BVM_TK_VOID,
    BVM_TK_INT,
    BVM_TK_FLOAT,
    BVM_TK_BOOL,
    BVM_TK_STRING,
    BVM_TK_ARRAY,  /* arg = element type index */
    BVM_TK_RECORD, /* arg = record index       */
} bvm_type_kind;

/* Fixed indices of the built-in types. */
enum {
    BVM_TYPE_VOID = 0,
    BVM_TYPE_INT = 1,
    BVM_TYPE_FLOAT = 2,
    BVM_TYPE_BOOL = 3,
    BVM_TYPE_STRING = 4,
    BVM_TYPE__FIRST_USER = 5,
};

typedef struct {
    uint8_t kind;  /* bvm_type_kind */
    uint16_t arg;  /* element type (ARRAY) or record index (RECORD), else 0 */
} bvm_type;

/* ---- constants ------------------------------------------------------------ */

typedef enum { BVM_CONST_INT, BVM_CONST_FLOAT, BVM_CONST_STRING } bvm_const_kind;

typedef struct {
    uint8_t kind;  /* bvm_const_kind */
    union {
        int64_t i;
        double f;
        struct {
            char *chars;  /* NUL-terminated, but may also contain NULs */
            uint32_t len;
        } s;
    } as;
} bvm_const;

/* ---- records and globals -------------------------------------------------- */

typedef struct {
    char *name;
    uint16_t type;
} bvm_field;

typedef struct {
    char *name;
    uint16_t nfields;
    bvm_field *fields;
} bvm_record;

typedef struct {
    char *name;
    uint16_t type;
} bvm_global;

/* ---- functions ------------------------------------------------------------ */

/* Line table entry: instructions from pc up to the next entry's pc come
 * from source line `line`.  Entries are sorted by pc, strictly increasing. */
typedef struct {
    uint32_t pc;
    uint32_t line;
} bvm_line;

/* Exception handler: an exception raised by an instruction whose pc is in
 * [start, end) transfers control to `handler` with the operand stack
 * emptied and the exception's message (a string) pushed.  The first
 * matching entry in table order wins, so inner try blocks come first. */
typedef struct {
    uint32_t start, end, handler;
} bvm_handler;

/* Debug name of a local slot, valid for pcs in [start, end). */
typedef struct {
    char *name;
    uint16_t slot;
    uint32_t start, end;
} bvm_local_name;

struct bvm_verified; /* per-pc facts the verifier computes, see verify.h */

typedef struct bvm_function {
    char *name;
    uint16_t ret_type;        /* type index; BVM_TYPE_VOID for none           */
    uint16_t nparams;         /* the first nparams locals are the parameters  */
    uint16_t nlocals;         /* including the parameters                     */
    uint16_t *local_types;    /* [nlocals]                                    */
    uint16_t max_stack;       /* operand stack slots needed, as declared      */
    uint32_t code_len;
    uint8_t *code;            /* [code_len]                                   */
    uint32_t nlines;
    bvm_line *lines;          /* [nlines]                                     */
    uint32_t nhandlers;
    bvm_handler *handlers;    /* [nhandlers]                                  */
    uint32_t nlocal_names;
    bvm_local_name *local_names; /* [nlocal_names]                            */

    /* Filled in by the verifier; NULL until bvm_verify_module succeeds. */
    struct bvm_verified *verified;
} bvm_function;

/* ---- the module ----------------------------------------------------------- */

typedef struct bvm_module {
    char *source_file;        /* the source path it was compiled from, or NULL */

    uint32_t ntypes;          /* including the built-in ones                  */
    bvm_type *types;
    uint32_t nconsts;
    bvm_const *consts;
    uint32_t nrecords;
    bvm_record *records;
    uint32_t nglobals;
    bvm_global *globals;
    uint32_t nfuncs;
    bvm_function *funcs;

    uint16_t entry;           /* index of main                                */
    uint16_t init;            /* global initializer function or BVM_NO_FUNC   */

    /* The builders' index of the user types and constants by value, for
     * interning (module.c): NULL until the first intern or find, then kept
     * in step by every add.  Never read or written by the file format. */
    bvm_map *index;
} bvm_module;

/* A new module holding only the built-in types. */
bvm_module *bvm_module_new(void);
void bvm_module_free(bvm_module *m);

/* Builders used by the compiler and the assembler.  Each returns the new
 * entry's index.  The intern functions return the first equal entry's
 * index when there is one (found by hash, module->index), else add one. */
uint16_t bvm_module_intern_array_type(bvm_module *m, uint16_t elem);
uint16_t bvm_module_intern_record_type(bvm_module *m, uint16_t record);
uint16_t bvm_module_add_type(bvm_module *m, bvm_type t);      /* no interning */
/* The first user type (kind, arg): true with *index set, or false. */
bool bvm_module_find_type(bvm_module *m, uint8_t kind, uint16_t arg, uint16_t *index);
/* The pool index of a constant equal to *c (floats bitwise), adding a copy
 * of it (its string copied) when new.  False, adding nothing, when the
 * pool is full (BVM_MAX_TABLE entries): the caller reports it. */
bool bvm_module_intern_const(bvm_module *m, const bvm_const *c, uint16_t *index);
/* The same for modules known to have room (tests, small builders). */
uint16_t bvm_module_intern_int(bvm_module *m, int64_t v);
uint16_t bvm_module_intern_float(bvm_module *m, double v);    /* bitwise equality */
uint16_t bvm_module_intern_string(bvm_module *m, const char *s, uint32_t len);
uint16_t bvm_module_add_const(bvm_module *m, bvm_const c);    /* no interning; takes ownership of string */
uint16_t bvm_module_add_record(bvm_module *m, const char *name);
void bvm_module_add_field(bvm_module *m, uint16_t record, const char *name, uint16_t type);
uint16_t bvm_module_add_global(bvm_module *m, const char *name, uint16_t type);
/* The new function is zeroed apart from name; the caller fills the rest. */
uint16_t bvm_module_add_function(bvm_module *m, const char *name);

/* Table sizes are u16-addressed. */
#define BVM_MAX_TABLE 0xFFFFu

/* Look-ups; -1 when absent. */
int bvm_module_find_function(const bvm_module *m, const char *name);
int bvm_module_find_record(const bvm_module *m, const char *name);
int bvm_module_find_global(const bvm_module *m, const char *name);

/* Source line of a pc in f (0 when the function has no line table). */
uint32_t bvm_function_line_at(const bvm_function *f, uint32_t pc);

/* Type predicates and printing. */
bool bvm_type_is_ref(const bvm_module *m, uint16_t type); /* string, array, record */
bool bvm_type_equal(const bvm_module *m, uint16_t a, uint16_t b);
/* Writes a source-like spelling ("int", "Node", "float[][]") into buf. */
const char *bvm_type_name(const bvm_module *m, uint16_t type, char *buf, size_t size);

#endif
