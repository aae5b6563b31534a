/*
 * disasm.c -- the disassembler (disasm.h): a module as .vasm text, the listing
 * `bvm dis` prints and `bvm asm` reads back.
 *
 * The listing declares every table entry in table order -- types,
 * constants, records with their fields, globals, then each function with
 * its locals, max_stack, handlers, debug names, line table and code -- so
 * that assembling it rebuilds exactly the same module.  It stays readable
 * by writing operands symbolically wherever a symbol names exactly the
 * entry the raw index does:
 *
 *   - a function, record, field or global by its name, a constant by its
 *     value, a type by its spelling (`int[]`, `Node`), when that entry is
 *     the FIRST with that name, value or structure (the assembler resolves
 *     a symbol to the first, see asm_internal.h); otherwise as #N;
 *   - a local by a slot name taken from the function's debug names (made
 *     unique with @slot when two slots share a name), else as #N;
 *   - a jump target, handler or debug range pc by a label L<pc> placed
 *     before the instruction there; pcs that are not instruction starts
 *     stay numbers (a jump as a signed offset +N/-N).
 *
 * Code is decoded linearly from pc 0, as the verifier does: a byte that
 * does not begin a whole instruction (an unknown opcode, or one running
 * past the end of the code) is listed as `.byte 0xNN`, so even broken code
 * lists exactly.  The line table is shown inline (`.line N` where the line
 * changes, after the source line as a comment when the source is known)
 * when its pcs are non-decreasing instruction starts, as the compiler makes
 * it; otherwise every entry is listed with its pc in the function header.
 *
 * bvm_disassemble_insn, used by --trace and the debugger for one
 * instruction at a time, shares the code that formats an instruction, so
 * it prints the same text as the listing's instruction lines.  For the
 * listing, which names many operands, the "is this entry the first with
 * its name" questions are answered from tables computed once per module;
 * for one instruction they are answered by scanning the earlier entries.
 */
#include "disasm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm_internal.h"
#include "opcodes.h"
#include "verify.h" /* instruction starts of verified code */

/* Types deeper than this many array levels are written as #N. */
#define MAX_SPELLED_DIMS 255

/* Column where the index / pc comments of the listing start. */
#define COMMENT_COLUMN 40

/* Indentation of statements inside blocks; labels sit to its left. */
#define INDENT "        "
#define INDENT_WIDTH 8

typedef struct {
    const bvm_module *m;

    /* Listing mode: entry i is the first with its key, so its symbol
     * names it.  NULL in single-instruction mode (scan instead). */
    uint8_t *first_func, *first_record, *first_global, *first_const, *first_type;
    uint8_t **first_field;       /* [nrecords][nfields]                */
    uint8_t *type_spellable;     /* [ntypes] listing mode, memoized    */

    /* The function being listed. */
    const bvm_function *f;
    char **slot_names;           /* [nlocals]; NULL entries unnamed; computed on first use */
    bool slots_named;
    uint8_t *boundary;           /* [code_len + 1] listing mode: an item starts here */
    uint8_t *label;              /* [code_len + 1] listing mode: print L<pc> here */
} dis_ctx;

/* ===== writing names, strings and numbers ================================= */

static void put_quoted(bvm_buf *out, const char *s, size_t len)
{
    bvm_buf_u8(out, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char letter = asm_escape_letter(c);
        if (letter) {
            bvm_buf_u8(out, '\\');
            bvm_buf_u8(out, (uint8_t)letter);
        } else if (c >= 0x20 && c < 0x7f) {
            bvm_buf_u8(out, c);
        } else {
            bvm_buf_printf(out, "\\x%02x", c);
        }
    }
    bvm_buf_u8(out, '"');
}

static const char *name_or_empty(const char *name) { return name ? name : ""; }

static void put_name(bvm_buf *out, const char *name)
{
    name = name_or_empty(name);
    size_t len = strlen(name);
    if (asm_is_plain_name(name, len))
        bvm_buf_put(out, name, len);
    else
        put_quoted(out, name, len);
}

/* The shortest decimal text that asm_parse_float reads back as exactly v,
 * made to look like a float ("1.0", not "1").  False when no text does
 * (a NaN with a payload): then the bits must be given. */
static bool float_text(double v, char *buf, size_t size)
{
    double back;
    for (int precision = 1; precision <= 17; precision++) {
        snprintf(buf, size, "%.*g", precision, v);
        if (asm_parse_float(buf, strlen(buf), &back) && memcmp(&back, &v, sizeof v) == 0)
            break;
    }
    if (!strpbrk(buf, ".en"))
        strncat(buf, ".0", size - strlen(buf) - 1);
    return asm_parse_float(buf, strlen(buf), &back) && memcmp(&back, &v, sizeof v) == 0;
}

/* ===== which entries a symbol names ======================================= */

static bool same_const(const bvm_const *a, const bvm_const *b)
{
    if (a->kind != b->kind)
        return false;
    if (a->kind == BVM_CONST_STRING)
        return a->as.s.len == b->as.s.len && memcmp(a->as.s.chars, b->as.s.chars, a->as.s.len) == 0;
    return memcmp(&a->as, &b->as, 8) == 0; /* int, or float bit for bit */
}

static bool func_is_first(const dis_ctx *c, uint32_t i)
{
    if (c->first_func)
        return c->first_func[i];
    for (uint32_t j = 0; j < i; j++)
        if (strcmp(name_or_empty(c->m->funcs[j].name), name_or_empty(c->m->funcs[i].name)) == 0)
            return false;
    return true;
}

static bool record_is_first(const dis_ctx *c, uint32_t i)
{
    if (c->first_record)
        return c->first_record[i];
    for (uint32_t j = 0; j < i; j++)
        if (strcmp(name_or_empty(c->m->records[j].name), name_or_empty(c->m->records[i].name)) == 0)
            return false;
    return true;
}

static bool global_is_first(const dis_ctx *c, uint32_t i)
{
    if (c->first_global)
        return c->first_global[i];
    for (uint32_t j = 0; j < i; j++)
        if (strcmp(name_or_empty(c->m->globals[j].name), name_or_empty(c->m->globals[i].name)) == 0)
            return false;
    return true;
}

static bool field_is_first(const dis_ctx *c, uint32_t r, uint32_t i)
{
    if (c->first_field)
        return c->first_field[r][i];
    const bvm_record *rec = &c->m->records[r];
    for (uint32_t j = 0; j < i; j++)
        if (strcmp(name_or_empty(rec->fields[j].name), name_or_empty(rec->fields[i].name)) == 0)
            return false;
    return true;
}

static bool const_is_first(const dis_ctx *c, uint32_t i)
{
    if (c->first_const)
        return c->first_const[i];
    for (uint32_t j = 0; j < i; j++)
        if (same_const(&c->m->consts[j], &c->m->consts[i]))
            return false;
    return true;
}

static bool type_is_first(const dis_ctx *c, uint32_t t)
{
    if (c->first_type)
        return c->first_type[t];
    const bvm_type *ty = &c->m->types[t];
    for (uint32_t j = BVM_TYPE__FIRST_USER; j < t; j++)
        if (c->m->types[j].kind == ty->kind && c->m->types[j].arg == ty->arg)
            return false;
    return true;
}

/* Does the spelling of type t (int[], Node[][]) name t itself, when only
 * types below `limit` count?  It does when t and every array level inside
 * it is the first type with its structure, down to a built-in type or to
 * a record whose name is its own. */
static bool spelling_names(const dis_ctx *c, uint32_t t, uint32_t limit)
{
    const bvm_module *m = c->m;
    for (int depth = 0; depth <= MAX_SPELLED_DIMS; depth++) {
        if (t < BVM_TYPE__FIRST_USER)
            return true;
        if (t >= m->ntypes || t >= limit || !type_is_first(c, t))
            return false;
        const bvm_type *ty = &m->types[t];
        if (ty->kind == BVM_TK_RECORD)
            return ty->arg < m->nrecords && record_is_first(c, ty->arg);
        if (ty->kind != BVM_TK_ARRAY)
            return false;
        t = ty->arg;
    }
    return false;
}

static bool type_spellable(const dis_ctx *c, uint32_t t)
{
    if (c->type_spellable)
        return t < c->m->ntypes && c->type_spellable[t];
    return spelling_names(c, t, c->m->ntypes);
}

/* Fill the listing-mode tables: one pass over each table with a map that
 * keeps the first index of every key. */
static void index_module(dis_ctx *c)
{
    const bvm_module *m = c->m;
    bvm_map map = {0};
    c->first_func = bvm_xcalloc(m->nfuncs, 1);
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        const char *n = name_or_empty(m->funcs[i].name);
        c->first_func[i] = bvm_map_add(&map, 0, n, strlen(n), i);
    }
    bvm_map_free(&map);
    c->first_record = bvm_xcalloc(m->nrecords, 1);
    c->first_field = bvm_xcalloc(m->nrecords, sizeof *c->first_field);
    for (uint32_t i = 0; i < m->nrecords; i++) {
        const bvm_record *r = &m->records[i];
        const char *n = name_or_empty(r->name);
        c->first_record[i] = bvm_map_add(&map, 0, n, strlen(n), i);
        c->first_field[i] = bvm_xcalloc(r->nfields, 1);
        for (uint32_t j = 0; j < r->nfields; j++) {
            const char *fname = name_or_empty(r->fields[j].name);
            c->first_field[i][j] = bvm_map_add(&map, 1 + i, fname, strlen(fname), j);
        }
    }
    bvm_map_free(&map);
    c->first_global = bvm_xcalloc(m->nglobals, 1);
    for (uint32_t i = 0; i < m->nglobals; i++) {
        const char *n = name_or_empty(m->globals[i].name);
        c->first_global[i] = bvm_map_add(&map, 0, n, strlen(n), i);
    }
    bvm_map_free(&map);
    c->first_const = bvm_xcalloc(m->nconsts, 1);
    for (uint32_t i = 0; i < m->nconsts; i++) {
        const bvm_const *k = &m->consts[i];
        c->first_const[i] = k->kind == BVM_CONST_STRING ? bvm_map_add(&map, k->kind, k->as.s.chars, k->as.s.len, i)
                                                        : bvm_map_add(&map, k->kind, &k->as, 8, i);
    }
    bvm_map_free(&map);
    c->first_type = bvm_xcalloc(m->ntypes, 1);
    for (uint32_t t = 0; t < m->ntypes; t++)
        c->first_type[t] = t < BVM_TYPE__FIRST_USER ||
                           bvm_map_add(&map, (uint32_t)m->types[t].kind << 16 | m->types[t].arg, NULL, 0, t);
    bvm_map_free(&map);
    c->type_spellable = bvm_xcalloc(m->ntypes, 1);
    for (uint32_t t = 0; t < m->ntypes; t++)
        c->type_spellable[t] = spelling_names(c, t, m->ntypes);
}

static void free_index(dis_ctx *c)
{
    free(c->first_func);
    free(c->first_record);
    free(c->first_global);
    free(c->first_const);
    free(c->first_type);
    free(c->type_spellable);
    for (uint32_t i = 0; c->first_field && i < c->m->nrecords; i++)
        free(c->first_field[i]);
    free(c->first_field);
}

/* ===== slot names ========================================================= */

typedef struct {
    const char *name;
    uint32_t slot;
} named_slot;

static int compare_named_slots(const void *pa, const void *pb)
{
    const named_slot *a = pa, *b = pb;
    int d = strcmp(a->name, b->name);
    return d ? d : (a->slot > b->slot) - (a->slot < b->slot);
}

static bool is_base_name(const named_slot *sorted, uint32_t n, const char *name)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int d = strcmp(sorted[mid].name, name);
        if (d == 0)
            return true;
        if (d < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* The assembly name of each local slot: the name of the slot's first debug
 * name entry, if it is a plain name.  When several slots share a name (a
 * variable `i` in two loops), the lowest slot keeps it and the others
 * become name@slot, unless that too is taken; then they stay unnamed. */
static char **name_slots(const bvm_function *f)
{
    uint32_t n = f->nlocals;
    char **names = bvm_xcalloc(n, sizeof *names);
    uint8_t *seen = bvm_xcalloc(n, 1);
    named_slot *sorted = bvm_xcalloc(n, sizeof *sorted);
    uint32_t count = 0;
    for (uint32_t i = 0; i < f->nlocal_names; i++) {
        const bvm_local_name *ln = &f->local_names[i];
        if (ln->slot >= n || seen[ln->slot])
            continue;
        seen[ln->slot] = 1;
        const char *name = name_or_empty(ln->name);
        if (asm_is_plain_name(name, strlen(name)))
            sorted[count++] = (named_slot){name, ln->slot};
    }
    qsort(sorted, count, sizeof *sorted, compare_named_slots);
    for (uint32_t k = 0; k < count; k++) {
        uint32_t slot = sorted[k].slot;
        if (k == 0 || strcmp(sorted[k - 1].name, sorted[k].name) != 0) {
            names[slot] = bvm_xstrdup(sorted[k].name);
            continue;
        }
        char *unique = bvm_format("%s@%u", sorted[k].name, slot);
        if (is_base_name(sorted, count, unique))
            free(unique);
        else
            names[slot] = unique;
    }
    free(sorted);
    free(seen);
    return names;
}

static const char *slot_name(dis_ctx *c, uint32_t slot)
{
    if (slot >= c->f->nlocals)
        return NULL;
    if (!c->slots_named) {
        c->slot_names = name_slots(c->f);
        c->slots_named = true;
    }
    return c->slot_names[slot];
}

static void free_slot_names(dis_ctx *c)
{
    for (uint32_t i = 0; c->slot_names && i < c->f->nlocals; i++)
        free(c->slot_names[i]);
    free(c->slot_names);
    c->slot_names = NULL;
    c->slots_named = false;
}

/* ===== code =============================================================== */

/* Length of the item at pc in linear decoding: an instruction's length, or
 * 0 for a byte that does not begin a whole instruction (a .byte). */
static uint32_t insn_length(const bvm_function *f, uint32_t pc)
{
    unsigned op = f->code[pc];
    if (bvm_op_valid(op) && bvm_op(op)->length <= f->code_len - pc)
        return bvm_op(op)->length;
    return 0;
}

static uint32_t item_length(const bvm_function *f, uint32_t pc)
{
    uint32_t n = insn_length(f, pc);
    return n ? n : 1;
}

/* Does an item of the linear decoding start at pc (or is pc the end)? */
static bool is_boundary(const dis_ctx *c, int64_t pc)
{
    const bvm_function *f = c->f;
    if (pc < 0 || pc > f->code_len)
        return false;
    if (c->boundary)
        return c->boundary[pc];
    /* One instruction at a time: verified code marks its instruction
     * starts (which are the linear decoding's); otherwise decode up to pc. */
    if (f->verified && pc < f->code_len && f->verified->depth[pc] != BVM_NOT_INSN)
        return true;
    uint32_t at = 0;
    while (at < pc)
        at += item_length(f, at);
    return at == pc;
}

static void put_pc(const dis_ctx *c, int64_t pc, bvm_buf *out)
{
    if (is_boundary(c, pc))
        bvm_buf_printf(out, "L%lld", (long long)pc);
    else
        bvm_buf_printf(out, "%lld", (long long)pc);
}

static void put_type(const dis_ctx *c, uint16_t t, bvm_buf *out)
{
    const bvm_module *m = c->m;
    if (!type_spellable(c, t)) {
        bvm_buf_printf(out, "#%u", t);
        return;
    }
    unsigned dims = 0;
    while (t >= BVM_TYPE__FIRST_USER && m->types[t].kind == BVM_TK_ARRAY) {
        t = m->types[t].arg;
        dims++;
    }
    if (t < BVM_TYPE__FIRST_USER)
        bvm_buf_printf(out, "%s", asm_builtin_type_names[t]);
    else
        put_name(out, m->records[m->types[t].arg].name);
    for (unsigned i = 0; i < dims; i++)
        bvm_buf_put(out, "[]", 2);
}

/* A constant's value as the assembler reads it; false if it has no exact
 * literal (a float NaN with a payload). */
static bool put_const_value(const bvm_const *k, bvm_buf *out)
{
    char text[40];
    switch (k->kind) {
    case BVM_CONST_INT:
        bvm_buf_printf(out, "%lld", (long long)k->as.i);
        return true;
    case BVM_CONST_FLOAT:
        if (!float_text(k->as.f, text, sizeof text))
            return false;
        bvm_buf_printf(out, "%s", text);
        return true;
    default:
        put_quoted(out, k->as.s.chars, k->as.s.len);
        return true;
    }
}

static void put_const_operand(const dis_ctx *c, uint16_t k, bvm_buf *out)
{
    if (k < c->m->nconsts && const_is_first(c, k)) {
        size_t mark = out->len;
        if (put_const_value(&c->m->consts[k], out))
            return;
        out->len = mark;
    }
    bvm_buf_printf(out, "#%u", k);
}

static void put_index_or_name(bvm_buf *out, uint16_t i, bool by_name, const char *name)
{
    if (by_name)
        put_name(out, name);
    else
        bvm_buf_printf(out, "#%u", i);
}

static void put_function_ref(const dis_ctx *c, uint16_t i, bvm_buf *out)
{
    bool named = i < c->m->nfuncs && func_is_first(c, i);
    put_index_or_name(out, i, named, named ? c->m->funcs[i].name : NULL);
}

/* One item of code at pc: "mnemonic operands", or ".byte 0xNN" for a byte
 * that does not begin a whole instruction.  Returns the instruction's
 * length, 0 for a .byte. */
static uint32_t put_insn(dis_ctx *c, uint32_t pc, bvm_buf *out)
{
    const bvm_module *m = c->m;
    const bvm_function *f = c->f;
    uint32_t length = insn_length(f, pc);
    const uint8_t *ip = f->code + pc;
    if (!length) {
        bvm_buf_printf(out, ".byte 0x%02x", ip[0]);
        return 0;
    }
    const bvm_op_info *info = bvm_op(ip[0]);
    bvm_buf_printf(out, "%s", info->mnemonic);
    if (info->format == BVM_FMT_NONE)
        return length;
    bvm_buf_u8(out, ' ');
    uint16_t a = length >= 3 ? bvm_read_u16(ip + 1) : 0;
    switch (info->format) {
    case BVM_FMT_U8:
        if (ip[1] <= 1)
            bvm_buf_printf(out, "%s", ip[1] ? "true" : "false");
        else
            bvm_buf_printf(out, "%u", ip[1]);
        break;
    case BVM_FMT_I32:
        bvm_buf_printf(out, "%d", bvm_read_i32(ip + 1));
        break;
    case BVM_FMT_CONST:
        put_const_operand(c, a, out);
        break;
    case BVM_FMT_LOCAL:
    case BVM_FMT_LOCAL_I32: {
        const char *name = slot_name(c, a);
        put_index_or_name(out, a, name != NULL, name);
        if (info->format == BVM_FMT_LOCAL_I32)
            bvm_buf_printf(out, ", %d", bvm_read_i32(ip + 3));
        break;
    }
    case BVM_FMT_GLOBAL: {
        bool named = a < m->nglobals && global_is_first(c, a);
        put_index_or_name(out, a, named, named ? m->globals[a].name : NULL);
        break;
    }
    case BVM_FMT_FUNC:
        put_function_ref(c, a, out);
        break;
    case BVM_FMT_TYPE:
        put_type(c, a, out);
        break;
    case BVM_FMT_FIELD: {
        uint16_t field = bvm_read_u16(ip + 3);
        bool record_exists = a < m->nrecords;
        bool record_named = record_exists && record_is_first(c, a);
        put_index_or_name(out, a, record_named, record_named ? m->records[a].name : NULL);
        bvm_buf_u8(out, '.');
        bool field_named = record_exists && field < m->records[a].nfields && field_is_first(c, a, field);
        put_index_or_name(out, field, field_named, field_named ? m->records[a].fields[field].name : NULL);
        break;
    }
    case BVM_FMT_JUMP: {
        int32_t offset = bvm_read_i32(ip + 1);
        int64_t target = (int64_t)pc + offset;
        if (is_boundary(c, target))
            bvm_buf_printf(out, "L%lld", (long long)target);
        else
            bvm_buf_printf(out, "%+d", offset);
        break;
    }
    case BVM_FMT_NONE:
    case BVM_FMT__COUNT:
        break;
    }
    return length;
}

uint32_t bvm_disassemble_insn(const bvm_module *m, const bvm_function *f, uint32_t pc, bvm_buf *out)
{
    if (pc >= f->code_len)
        return 0;
    dis_ctx c = {.m = m, .f = f};
    uint32_t length = put_insn(&c, pc, out);
    free_slot_names(&c);
    return length;
}

/* ===== the listing ======================================================== */

/* Pad the line begun at line_start to the comment column and start a
 * comment there (at least one space after the statement). */
static void comment_column(bvm_buf *out, size_t line_start)
{
    size_t width = out->len - line_start;
    do
        bvm_buf_u8(out, ' ');
    while (++width < COMMENT_COLUMN);
    bvm_buf_put(out, "; ", 2);
}

/* The source text split into lines, for `; 12 | text` comments. */
typedef struct {
    const char **starts;
    uint32_t count;
} source_lines;

static source_lines split_source(const char *text)
{
    source_lines s = {0};
    if (!text)
        return s;
    uint32_t cap = 0;
    for (const char *p = text;;) {
        BVM_PUSH(s.starts, s.count, cap, p);
        p = strchr(p, '\n');
        if (!p)
            break;
        p++;
    }
    return s;
}

static void put_source_line(const source_lines *s, uint32_t line, bvm_buf *out)
{
    if (line == 0 || line > s->count)
        return;
    const char *text = s->starts[line - 1];
    size_t len = strcspn(text, "\n");
    while (len > 0 && (text[len - 1] == '\r' || text[len - 1] == ' ' || text[len - 1] == '\t'))
        len--;
    bvm_buf_printf(out, "; %u | %.*s\n", line, (int)len, text);
}

static void list_header(const dis_ctx *c, bvm_buf *out)
{
    const bvm_module *m = c->m;
    bvm_buf_printf(out, "; vmlab bytecode assembly: `bvm asm` turns this listing back into the same bytecode\n");
    if (m->source_file) {
        bvm_buf_printf(out, ".source ");
        put_quoted(out, m->source_file, strlen(m->source_file));
        bvm_buf_u8(out, '\n');
    }
    const char *names[2] = {".entry", ".init"};
    uint16_t funcs[2] = {m->entry, m->init};
    for (int i = 0; i < 2; i++) {
        bvm_buf_printf(out, "%s ", names[i]);
        if (funcs[i] == BVM_NO_FUNC)
            bvm_buf_printf(out, "none");
        else
            put_function_ref(c, funcs[i], out);
        bvm_buf_u8(out, '\n');
    }
}

static void list_types(const dis_ctx *c, bvm_buf *out)
{
    const bvm_module *m = c->m;
    if (m->ntypes <= BVM_TYPE__FIRST_USER)
        return;
    bvm_buf_printf(out, "\n; types (#0-#4 are the built-ins: void int float bool string)\n");
    for (uint32_t t = BVM_TYPE__FIRST_USER; t < m->ntypes; t++) {
        const bvm_type *ty = &m->types[t];
        size_t start = out->len;
        bvm_buf_printf(out, ".type ");
        if (ty->kind == BVM_TK_RECORD) {
            if (ty->arg < m->nrecords && record_is_first(c, ty->arg))
                put_name(out, m->records[ty->arg].name);
            else
                bvm_buf_printf(out, "record #%u", ty->arg);
        } else if (spelling_names(c, ty->arg, t)) {
            put_type(c, ty->arg, out);
            bvm_buf_put(out, "[]", 2);
        } else {
            bvm_buf_printf(out, "#%u[]", ty->arg);
        }
        comment_column(out, start);
        bvm_buf_printf(out, "#%u\n", t);
    }
}

static void list_constants(const dis_ctx *c, bvm_buf *out)
{
    const bvm_module *m = c->m;
    if (m->nconsts == 0)
        return;
    bvm_buf_printf(out, "\n; constants\n");
    static const char *const kinds[] = {"int", "float", "string"};
    for (uint32_t i = 0; i < m->nconsts; i++) {
        const bvm_const *k = &m->consts[i];
        size_t start = out->len;
        bvm_buf_printf(out, ".const %s ", kinds[k->kind]);
        if (!put_const_value(k, out)) {
            uint64_t bits;
            memcpy(&bits, &k->as.f, sizeof bits);
            bvm_buf_printf(out, "bits 0x%016llx", (unsigned long long)bits);
        }
        comment_column(out, start);
        bvm_buf_printf(out, "#%u\n", i);
    }
}

static void list_records(const dis_ctx *c, bvm_buf *out)
{
    const bvm_module *m = c->m;
    for (uint32_t i = 0; i < m->nrecords; i++) {
        const bvm_record *r = &m->records[i];
        size_t start = out->len;
        bvm_buf_printf(out, "\n.record ");
        put_name(out, r->name);
        comment_column(out, start + 1);
        bvm_buf_printf(out, "record #%u\n", i);
        for (uint32_t j = 0; j < r->nfields; j++) {
            start = out->len;
            bvm_buf_printf(out, INDENT ".field ");
            put_type(c, r->fields[j].type, out);
            bvm_buf_u8(out, ' ');
            put_name(out, r->fields[j].name);
            comment_column(out, start);
            bvm_buf_printf(out, "field #%u\n", j);
        }
        bvm_buf_printf(out, ".end\n");
    }
}

static void list_globals(const dis_ctx *c, bvm_buf *out)
{
    const bvm_module *m = c->m;
    if (m->nglobals == 0)
        return;
    bvm_buf_printf(out, "\n; globals\n");
    for (uint32_t i = 0; i < m->nglobals; i++) {
        size_t start = out->len;
        bvm_buf_printf(out, ".global ");
        put_type(c, m->globals[i].type, out);
        bvm_buf_u8(out, ' ');
        put_name(out, m->globals[i].name);
        comment_column(out, start);
        bvm_buf_printf(out, "#%u\n", i);
    }
}

/* Mark where labels go: every pc the listing writes as a label. */
static void mark_labels(dis_ctx *c, bool inline_lines)
{
    const bvm_function *f = c->f;
    c->label = bvm_xcalloc((size_t)f->code_len + 1, 1);
#define MARK(pc)                         \
    do {                                 \
        int64_t p_ = (pc);               \
        if (is_boundary(c, p_))          \
            c->label[p_] = 1;            \
    } while (0)
    for (uint32_t pc = 0; pc < f->code_len; pc += item_length(f, pc))
        if (insn_length(f, pc) && bvm_op(f->code[pc])->format == BVM_FMT_JUMP)
            MARK((int64_t)pc + bvm_read_i32(f->code + pc + 1));
    for (uint32_t i = 0; i < f->nhandlers; i++) {
        MARK(f->handlers[i].start);
        MARK(f->handlers[i].end);
        MARK(f->handlers[i].handler);
    }
    for (uint32_t i = 0; i < f->nlocal_names; i++) {
        MARK(f->local_names[i].start);
        MARK(f->local_names[i].end);
    }
    for (uint32_t i = 0; !inline_lines && i < f->nlines; i++)
        MARK(f->lines[i].pc);
#undef MARK
}

/* Can the line table be written inline, one `.line N` before the
 * instruction where each entry starts?  Only if, read in code order, the
 * entries come out in table order at instruction starts. */
static bool lines_fit_inline(const dis_ctx *c)
{
    const bvm_function *f = c->f;
    for (uint32_t i = 0; i < f->nlines; i++)
        if (!is_boundary(c, f->lines[i].pc) || (i > 0 && f->lines[i].pc < f->lines[i - 1].pc))
            return false;
    return true;
}

static void list_function_header(dis_ctx *c, uint32_t index, bool inline_lines, bvm_buf *out)
{
    const bvm_function *f = c->f;
    size_t start = out->len;
    bvm_buf_printf(out, "\n.func ");
    put_type(c, f->ret_type, out);
    bvm_buf_u8(out, ' ');
    put_name(out, f->name);
    bvm_buf_u8(out, '(');
    for (uint32_t i = 0; i < f->nparams; i++) {
        if (i)
            bvm_buf_put(out, ", ", 2);
        put_type(c, f->local_types[i], out);
        if (slot_name(c, i))
            bvm_buf_printf(out, " %s", slot_name(c, i));
    }
    bvm_buf_u8(out, ')');
    comment_column(out, start + 1);
    bvm_buf_printf(out, "function #%u\n", index);

    for (uint32_t i = f->nparams; i < f->nlocals; i++) {
        start = out->len;
        bvm_buf_printf(out, INDENT ".local ");
        put_type(c, f->local_types[i], out);
        if (slot_name(c, i))
            bvm_buf_printf(out, " %s", slot_name(c, i));
        comment_column(out, start);
        bvm_buf_printf(out, "slot %u\n", i);
    }
    bvm_buf_printf(out, INDENT ".max_stack %u\n", f->max_stack);
    for (uint32_t i = 0; i < f->nhandlers; i++) {
        const bvm_handler *h = &f->handlers[i];
        bvm_buf_printf(out, INDENT ".handler ");
        put_pc(c, h->start, out);
        bvm_buf_u8(out, ' ');
        put_pc(c, h->end, out);
        bvm_buf_u8(out, ' ');
        put_pc(c, h->handler, out);
        bvm_buf_u8(out, '\n');
    }
    for (uint32_t i = 0; i < f->nlocal_names; i++) {
        const bvm_local_name *v = &f->local_names[i];
        const char *slot = slot_name(c, v->slot);
        bvm_buf_printf(out, INDENT ".var ");
        put_name(out, v->name);
        if (!slot || strcmp(slot, name_or_empty(v->name)) != 0) {
            bvm_buf_u8(out, ' ');
            put_index_or_name(out, v->slot, slot != NULL, slot);
        }
        bvm_buf_u8(out, ' ');
        put_pc(c, v->start, out);
        bvm_buf_u8(out, ' ');
        put_pc(c, v->end, out);
        bvm_buf_u8(out, '\n');
    }
    for (uint32_t i = 0; !inline_lines && i < f->nlines; i++) {
        bvm_buf_printf(out, INDENT ".line %u ", f->lines[i].line);
        put_pc(c, f->lines[i].pc, out);
        bvm_buf_u8(out, '\n');
    }
}

static void list_function(dis_ctx *c, uint32_t index, const source_lines *source, bvm_buf *out)
{
    const bvm_function *f = &c->m->funcs[index];
    c->f = f;
    c->boundary = bvm_xcalloc((size_t)f->code_len + 1, 1);
    for (uint32_t pc = 0; pc < f->code_len; pc += item_length(f, pc))
        c->boundary[pc] = 1;
    c->boundary[f->code_len] = 1;
    bool inline_lines = lines_fit_inline(c);
    mark_labels(c, inline_lines);
    list_function_header(c, index, inline_lines, out);

    bvm_buf_u8(out, '\n');
    uint32_t next_line = 0;
    for (uint32_t pc = 0;;) {
        while (inline_lines && next_line < f->nlines && f->lines[next_line].pc == pc) {
            put_source_line(source, f->lines[next_line].line, out);
            bvm_buf_printf(out, INDENT ".line %u\n", f->lines[next_line].line);
            next_line++;
        }
        if (pc >= f->code_len) {
            if (c->label[pc])
                bvm_buf_printf(out, "L%u:\n", pc);
            break;
        }
        size_t start = out->len;
        if (c->label[pc]) {
            bvm_buf_printf(out, "L%u:", pc);
            do
                bvm_buf_u8(out, ' ');
            while (out->len - start < INDENT_WIDTH);
        } else {
            bvm_buf_printf(out, INDENT);
        }
        put_insn(c, pc, out);
        comment_column(out, start);
        bvm_buf_printf(out, "pc %u\n", pc);
        pc += item_length(f, pc);
    }
    bvm_buf_printf(out, ".end\n");

    free(c->boundary);
    free(c->label);
    c->boundary = c->label = NULL;
    free_slot_names(c);
    c->f = NULL;
}

void bvm_disassemble(const bvm_module *m, const char *source_text, bvm_buf *out)
{
    dis_ctx c = {.m = m};
    index_module(&c);
    source_lines source = split_source(source_text);
    list_header(&c, out);
    list_types(&c, out);
    list_constants(&c, out);
    list_records(&c, out);
    list_globals(&c, out);
    for (uint32_t i = 0; i < m->nfuncs; i++)
        list_function(&c, i, &source, out);
    free(source.starts);
    free_index(&c);
}
