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

#include "util.h"
#include "verify.h"

/* Make room for one more entry, doubling the capacity when full.  Tables
 * are filled both through these builders and directly (the compiler and the
 * file reader size theirs up front), so the capacity is asked of the
 * allocator itself rather than kept in a field someone could forget. */
static void *grow_for_one(void *arr, size_t count, size_t size)
{
    if (arr && malloc_usable_size(arr) >= (count + 1) * size)
        return arr;
    return bvm_xrealloc(arr, (count ? count * 2 : 4) * size);
}

#define GROW(arr, count) ((arr) = grow_for_one((arr), (count), sizeof *(arr)))

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
    free(m);
}

uint16_t bvm_module_add_type(bvm_module *m, bvm_type t)
{
    GROW(m->types, m->ntypes);
    m->types[m->ntypes] = t;
    return (uint16_t)m->ntypes++;
}

static uint16_t intern_type(bvm_module *m, uint8_t kind, uint16_t arg)
{
    for (uint32_t i = BVM_TYPE__FIRST_USER; i < m->ntypes; i++)
        if (m->types[i].kind == kind && m->types[i].arg == arg)
            return (uint16_t)i;
    return bvm_module_add_type(m, (bvm_type){.kind = kind, .arg = arg});
}

uint16_t bvm_module_intern_array_type(bvm_module *m, uint16_t elem) { return intern_type(m, BVM_TK_ARRAY, elem); }
uint16_t bvm_module_intern_record_type(bvm_module *m, uint16_t record) { return intern_type(m, BVM_TK_RECORD, record); }

uint16_t bvm_module_add_const(bvm_module *m, bvm_const c)
{
    GROW(m->consts, m->nconsts);
    m->consts[m->nconsts] = c;
    return (uint16_t)m->nconsts++;
}

uint16_t bvm_module_intern_int(bvm_module *m, int64_t v)
{
    for (uint32_t i = 0; i < m->nconsts; i++)
        if (m->consts[i].kind == BVM_CONST_INT && m->consts[i].as.i == v)
            return (uint16_t)i;
    return bvm_module_add_const(m, (bvm_const){.kind = BVM_CONST_INT, .as.i = v});
}

uint16_t bvm_module_intern_float(bvm_module *m, double v)
{
    for (uint32_t i = 0; i < m->nconsts; i++)
        if (m->consts[i].kind == BVM_CONST_FLOAT && memcmp(&m->consts[i].as.f, &v, sizeof v) == 0)
            return (uint16_t)i;
    return bvm_module_add_const(m, (bvm_const){.kind = BVM_CONST_FLOAT, .as.f = v});
}

uint16_t bvm_module_intern_string(bvm_module *m, const char *s, uint32_t len)
{
    for (uint32_t i = 0; i < m->nconsts; i++) {
        const bvm_const *c = &m->consts[i];
        if (c->kind == BVM_CONST_STRING && c->as.s.len == len && memcmp(c->as.s.chars, s, len) == 0)
            return (uint16_t)i;
    }
    bvm_const c = {.kind = BVM_CONST_STRING};
    c.as.s.chars = bvm_xstrndup(s, len);
    c.as.s.len = len;
    return bvm_module_add_const(m, c);
}

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
