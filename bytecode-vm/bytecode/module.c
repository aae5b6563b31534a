/*
 * module.c -- building, querying and freeing modules (see module.h).
 *
 * The builders abort (through bvm_x*) only on host memory exhaustion; table
 * overflow past BVM_MAX_TABLE entries is the caller's to prevent (the
 * compiler reports "too many ..." before calling, the loader rejects counts
 * over the limit).
 */
#include "module.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bvm_assert.h"
#include "util.h"
#include "verify.h"

/* Make room for one more entry.  Tables are filled both through these
 * builders and directly (the file reader sizes its tables up front), so a
 * table's capacity is asked of the allocator itself rather than kept in a
 * field someone could forget; growth is BVM_GROW's, doubling. */
#define GROW(arr, count)                                                             \
    do {                                                                             \
        size_t cap_ = (arr) ? malloc_usable_size(arr) / sizeof *(arr) : 0;           \
        BVM_GROW(arr, count, cap_);                                                  \
    } while (0)

bvm_module *bvm_module_new(void)
{
    bvm_module *m = bvm_xcalloc(1, sizeof *m);
    static const uint8_t builtin[BVM_TYPE__FIRST_USER] = {
        BVM_TK_VOID, BVM_TK_INT, BVM_TK_FLOAT, BVM_TK_BOOL, BVM_TK_STRING,
    };
    for (int i = 0; i < BVM_TYPE__FIRST_USER; i++)
        bvm_module_add_type(m, (bvm_type){.kind = builtin[i], .arg = 0});
    m->entry = BVM_NO_FUNC;
    m->init = BVM_NO_FUNC;
    return m;
}

static void function_free(bvm_function *f)
{
    free(f->name);
    free(f->local_types);
    free(f->code);
    free(f->lines);
    free(f->handlers);
    for (uint32_t i = 0; i < f->nlocal_names; i++)
        free(f->local_names[i].name);
    free(f->local_names);
    bvm_verified_free(f->verified);
}

void bvm_module_free(bvm_module *m)
{
    if (!m)
        return;
    free(m->source_file);
    free(m->types);
    for (uint32_t i = 0; i < m->nconsts; i++)
        if (m->consts[i].kind == BVM_CONST_STRING)
            free(m->consts[i].as.s.chars);
    free(m->consts);
    for (uint32_t i = 0; i < m->nrecords; i++) {
        free(m->records[i].name);
        for (uint32_t j = 0; j < m->records[i].nfields; j++)
            free(m->records[i].fields[j].name);
        free(m->records[i].fields);
    }
    free(m->records);
    for (uint32_t i = 0; i < m->nglobals; i++)
        free(m->globals[i].name);
    free(m->globals);
    for (uint32_t i = 0; i < m->nfuncs; i++)
        function_free(&m->funcs[i]);
    free(m->funcs);
    if (m->index) {
        bvm_map_free(m->index);
        free(m->index);
    }
    free(m);
}

/* ---- interning: the index of types and constants by value ------------------ */

/* Keys of m->index.  A user type is (kind, arg) with an empty key, in a
 * scope of its own; a constant is the bytes of its value (the int, the
 * float's bits, the string's characters) in the scope of its kind. */
#define TYPE_SCOPE(kind, arg) (0x80000000u | (uint32_t)(kind) << 16 | (uint32_t)(arg))

static void const_key(const bvm_const *c, const void **key, size_t *len)
{
    switch (c->kind) {
    case BVM_CONST_INT: *key = &c->as.i, *len = sizeof c->as.i; break;
    case BVM_CONST_FLOAT: *key = &c->as.f, *len = sizeof c->as.f; break; /* bitwise: 0.0 is not -0.0 */
    default: *key = c->as.s.chars, *len = c->as.s.len; break;
    }
}

static void index_type(bvm_map *index, const bvm_type *t, uint32_t i)
{
    bvm_map_add(index, TYPE_SCOPE(t->kind, t->arg), NULL, 0, i);
}

static void index_const(bvm_map *index, const bvm_const *c, uint32_t i)
{
    const void *key;
    size_t len;
    const_key(c, &key, &len);
    bvm_map_add(index, c->kind, key, len, i);
}

/* The index, built from the tables on first use and kept in step by the
 * add functions after that.  Equal entries added without interning (the
 * assembler's, the file reader's) map to the first of them. */
static bvm_map *module_index(bvm_module *m)
{
    if (!m->index) {
        m->index = bvm_xcalloc(1, sizeof *m->index);
        for (uint32_t i = BVM_TYPE__FIRST_USER; i < m->ntypes; i++)
            index_type(m->index, &m->types[i], i);
        for (uint32_t i = 0; i < m->nconsts; i++)
            index_const(m->index, &m->consts[i], i);
    }
    return m->index;
}

uint16_t bvm_module_add_type(bvm_module *m, bvm_type t)
{
    GROW(m->types, m->ntypes);
    m->types[m->ntypes] = t;
    if (m->index && m->ntypes >= BVM_TYPE__FIRST_USER)
        index_type(m->index, &t, m->ntypes);
    return (uint16_t)m->ntypes++;
}

bool bvm_module_find_type(bvm_module *m, uint8_t kind, uint16_t arg, uint16_t *index)
{
    uint32_t i;
    if (!bvm_map_get(module_index(m), TYPE_SCOPE(kind, arg), NULL, 0, &i))
        return false;
    *index = (uint16_t)i;
    return true;
}

static uint16_t intern_type(bvm_module *m, uint8_t kind, uint16_t arg)
{
    uint16_t t;
    if (bvm_module_find_type(m, kind, arg, &t))
        return t;
    return bvm_module_add_type(m, (bvm_type){.kind = kind, .arg = arg});
}

uint16_t bvm_module_intern_array_type(bvm_module *m, uint16_t elem) { return intern_type(m, BVM_TK_ARRAY, elem); }
uint16_t bvm_module_intern_record_type(bvm_module *m, uint16_t record) { return intern_type(m, BVM_TK_RECORD, record); }

uint16_t bvm_module_add_const(bvm_module *m, bvm_const c)
{
    GROW(m->consts, m->nconsts);
    m->consts[m->nconsts] = c;
    if (m->index)
        index_const(m->index, &m->consts[m->nconsts], m->nconsts);
    return (uint16_t)m->nconsts++;
}

bool bvm_module_intern_const(bvm_module *m, const bvm_const *c, uint16_t *index)
{
    const void *key;
    size_t len;
    const_key(c, &key, &len);
    uint32_t i;
    if (bvm_map_get(module_index(m), c->kind, key, len, &i)) {
        *index = (uint16_t)i;
        return true;
    }
    if (m->nconsts >= BVM_MAX_TABLE)
        return false;
    bvm_const copy = *c;
    if (c->kind == BVM_CONST_STRING)
        copy.as.s.chars = bvm_xstrndup(c->as.s.chars, c->as.s.len);
    *index = bvm_module_add_const(m, copy);
    return true;
}

static uint16_t intern_const(bvm_module *m, bvm_const c)
{
    uint16_t index = 0;
    bool room = bvm_module_intern_const(m, &c, &index);
    BVM_ASSERT(room); /* the convenience forms are for modules with room (tests, small builders) */
    (void)room;
    return index;
}

uint16_t bvm_module_intern_int(bvm_module *m, int64_t v)
{
    return intern_const(m, (bvm_const){.kind = BVM_CONST_INT, .as.i = v});
}

uint16_t bvm_module_intern_float(bvm_module *m, double v)
{
    return intern_const(m, (bvm_const){.kind = BVM_CONST_FLOAT, .as.f = v});
}

uint16_t bvm_module_intern_string(bvm_module *m, const char *s, uint32_t len)
{
    bvm_const c = {.kind = BVM_CONST_STRING};
    c.as.s.chars = (char *)s; /* copied if it is new */
    c.as.s.len = len;
    return intern_const(m, c);
}

/* ---- the other tables -------------------------------------------------------- */

uint16_t bvm_module_add_record(bvm_module *m, const char *name)
{
    GROW(m->records, m->nrecords);
    m->records[m->nrecords] = (bvm_record){.name = bvm_xstrdup(name)};
    return (uint16_t)m->nrecords++;
}

void bvm_module_add_field(bvm_module *m, uint16_t record, const char *name, uint16_t type)
{
    bvm_record *r = &m->records[record];
    GROW(r->fields, r->nfields);
    r->fields[r->nfields++] = (bvm_field){.name = bvm_xstrdup(name), .type = type};
}

uint16_t bvm_module_add_global(bvm_module *m, const char *name, uint16_t type)
{
    GROW(m->globals, m->nglobals);
    m->globals[m->nglobals] = (bvm_global){.name = bvm_xstrdup(name), .type = type};
    return (uint16_t)m->nglobals++;
}

uint16_t bvm_module_add_function(bvm_module *m, const char *name)
{
    GROW(m->funcs, m->nfuncs);
    memset(&m->funcs[m->nfuncs], 0, sizeof m->funcs[0]);
    m->funcs[m->nfuncs].name = bvm_xstrdup(name);
    return (uint16_t)m->nfuncs++;
}

int bvm_module_find_function(const bvm_module *m, const char *name)
{
    for (uint32_t i = 0; i < m->nfuncs; i++)
        if (strcmp(m->funcs[i].name, name) == 0)
            return (int)i;
    return -1;
}

int bvm_module_find_record(const bvm_module *m, const char *name)
{
    for (uint32_t i = 0; i < m->nrecords; i++)
        if (strcmp(m->records[i].name, name) == 0)
            return (int)i;
    return -1;
}

int bvm_module_find_global(const bvm_module *m, const char *name)
{
    for (uint32_t i = 0; i < m->nglobals; i++)
        if (strcmp(m->globals[i].name, name) == 0)
            return (int)i;
    return -1;
}

uint32_t bvm_function_line_at(const bvm_function *f, uint32_t pc)
{
    /* Binary search for the last entry with entry.pc <= pc. */
    uint32_t lo = 0, hi = f->nlines, line = 0;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (f->lines[mid].pc <= pc) {
            line = f->lines[mid].line;
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return line;
}

bool bvm_type_is_ref(const bvm_module *m, uint16_t type)
{
    if (type >= m->ntypes)
        return false;
    uint8_t k = m->types[type].kind;
    return k == BVM_TK_STRING || k == BVM_TK_ARRAY || k == BVM_TK_RECORD;
}

bool bvm_type_equal(const bvm_module *m, uint16_t a, uint16_t b)
{
    /* Array element indices strictly decrease (module.h), so this ends. */
    while (a != b) {
        if (a >= m->ntypes || b >= m->ntypes)
            return false;
        const bvm_type *ta = &m->types[a], *tb = &m->types[b];
        if (ta->kind != tb->kind)
            return false;
        if (ta->kind == BVM_TK_RECORD)
            return ta->arg == tb->arg;
        if (ta->kind != BVM_TK_ARRAY)
            return true; /* same built-in kind */
        if (ta->arg >= a || tb->arg >= b)
            return false; /* malformed; never equal */
        a = ta->arg;
        b = tb->arg;
    }
    return true;
}

const char *bvm_type_name(const bvm_module *m, uint16_t type, char *buf, size_t size)
{
    static const char *const builtin[] = {"void", "int", "float", "bool", "string"};
    int dims = 0;
    /* Peel array levels; the element index must decrease, which also ends
     * the loop on unverified input. */
    while (type < m->ntypes && m->types[type].kind == BVM_TK_ARRAY && m->types[type].arg < type) {
        type = m->types[type].arg;
        dims++;
    }
    const char *base;
    char tmp[32];
    if (type >= m->ntypes) {
        snprintf(tmp, sizeof tmp, "<type %u>", type);
        base = tmp;
    } else if (m->types[type].kind == BVM_TK_RECORD) {
        uint16_t r = m->types[type].arg;
        if (r < m->nrecords) {
            base = m->records[r].name;
        } else {
            snprintf(tmp, sizeof tmp, "<record %u>", r);
            base = tmp;
        }
    } else if (m->types[type].kind <= BVM_TK_STRING) {
        base = builtin[m->types[type].kind];
    } else {
        snprintf(tmp, sizeof tmp, "<bad type %u>", type);
        base = tmp;
    }
    size_t n = (size_t)snprintf(buf, size, "%s", base);
    for (int i = 0; i < dims && n + 2 < size; i++) {
        buf[n++] = '[';
        buf[n++] = ']';
        buf[n] = '\0';
    }
    return buf;
}
