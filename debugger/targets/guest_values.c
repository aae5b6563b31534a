/*
 * guest_values.c -- variables, their DWARF types and values, and the
 * expressions of `print` and `set var` (guest_dwarf.h).
 *
 * Finding a name: libdw's dwarf_getscopes gives the scopes at a pc, from
 * the innermost lexical block out to the compilation unit, and
 * dwarf_getscopevar the innermost variable of that name in them; a name
 * not there (a global of another unit) is looked for at the top of every
 * unit, definitions (with a location) before declarations.
 *
 * Where a value is: the variable's DW_AT_location for the frame's pc
 * (dwarf_getlocation_addr picks the entry of a location list), evaluated
 * here as the DWARF stack machine says over the frame's registers, its
 * frame base (the function's DW_AT_frame_base, which gcc makes
 * DW_OP_call_frame_cfa) and the guest's memory.  The result is an
 * address, a register, a value (DW_OP_stack_value, DW_OP_implicit_value)
 * or bytes put together from DW_OP_piece parts; no location at the pc,
 * an entry value, or a register the unwinder did not recover is
 * <optimized out>, as gdb says.
 *
 * Values are printed as gdb prints them: integers in decimal, char with
 * its character, bool as true/false, pointers in hex (char * with the
 * string, function pointers with their symbol), arrays and structs in
 * braces, enums by their enumerator.  Output longer than the buffer ends
 * in "...".
 */
#include "guest_dwarf_internal.h"

#include <ctype.h>
#include <dwarf.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ELEMENTS 200      /* of an array, printed */
#define MAX_STRING 200        /* characters of a string, printed */
#define MAX_DEPTH 4           /* structs in structs, printed */
#define MAX_PIECES_BYTES 32

/* ==== a text buffer that cuts with "..." ===================================== */

typedef struct {
    char *s;
    size_t size, len;
    bool cut;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text *t, const char *fmt, ...)
{
    if (t->cut || t->size == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->s + t->len, t->size - t->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= t->size - t->len) {
        t->len = t->size - 1;
        t->cut = true;
        if (t->size > 4)
            memcpy(t->s + t->size - 4, "...", 4);
        return;
    }
    t->len += (size_t)n;
}

/* ==== values ================================================================= */

typedef enum {
    AT_MEMORY,        /* at address */
    IN_REGISTER,      /* regno of the frame */
    IN_BYTES,         /* bytes[0 .. nbytes) */
    OPTIMIZED_OUT,
    A_NUMBER,         /* a literal: number, no type */
    AN_ADDRESS,       /* &lvalue: a pointer to type whose value is address */
    NO_DEBUG,         /* a symbol the DWARF does not describe: its address (symbol, code) */
} where_kind;

typedef struct {
    where_kind where;
    bool has_type;            /* false: void, or a literal */
    Dwarf_Die type;
    uint64_t address;
    int regno;
    uint8_t bytes[MAX_PIECES_BYTES];
    size_t nbytes;
    int64_t number;
    const char *symbol;       /* NO_DEBUG: its name */
    bool code;                /* NO_DEBUG: in an executable section */
} gval;

typedef struct {
    const guest_dwarf *g;
    const guest_frame *frame;
    const guest_access *access;
    char *err;
    size_t err_size;
} context;

static int fail(context *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(context *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, c->err_size, fmt, ap);
    va_end(ap);
    return -1;
}

/* ==== types ================================================================== */

/* The type a DIE's DW_AT_type names; false for none (void). */
static bool type_of(Dwarf_Die *die, Dwarf_Die *type)
{
    Dwarf_Attribute attr;
    return dwarf_attr_integrate(die, DW_AT_type, &attr) && dwarf_formref_die(&attr, type) != NULL;
}

/* Without typedefs and qualifiers; false for void. */
static bool peeled(const Dwarf_Die *type, Dwarf_Die *out)
{
    Dwarf_Die t = *type;
    for (int i = 0; i < 32; i++) {
        int tag = dwarf_tag(&t);
        if (tag != DW_TAG_typedef && tag != DW_TAG_const_type && tag != DW_TAG_volatile_type &&
            tag != DW_TAG_restrict_type && tag != DW_TAG_atomic_type) {
            *out = t;
            return true;
        }
        if (!type_of(&t, &t))
            return false;
    }
    return false;
}

static uint64_t type_size(Dwarf_Die *type)
{
    Dwarf_Word size = 0;
    if (dwarf_aggregate_size(type, &size) != 0)
        return 0;
    return size;
}

static void type_name(Dwarf_Die *type, text *out, int depth);

/* Whether a type carries a qualifier (DW_TAG_const_type, ...) among the
 * qualifiers at its top: `const volatile int` has both. */
static bool qualified(const Dwarf_Die *type, int tag)
{
    Dwarf_Die t = *type;
    for (int i = 0; i < 8; i++) {
        int here = dwarf_tag(&t);
        if (here == tag)
            return true;
        if ((here != DW_TAG_const_type && here != DW_TAG_volatile_type && here != DW_TAG_restrict_type &&
             here != DW_TAG_atomic_type) || !type_of(&t, &t))
            return false;
    }
    return false;
}

/* The elements of one dimension of an array (DW_TAG_subrange_type). */
static bool subrange_count(Dwarf_Die *sub, uint64_t *count)
{
    Dwarf_Attribute attr;
    Dwarf_Word n;
    if (dwarf_attr(sub, DW_AT_count, &attr) && dwarf_formudata(&attr, &n) == 0) {
        *count = n;
        return true;
    }
    if (dwarf_attr(sub, DW_AT_upper_bound, &attr) && dwarf_formudata(&attr, &n) == 0) {
        *count = n + 1;
        return true;
    }
    return false;
}

static void type_name_of(Dwarf_Die *die, bool has, text *out)
{
    if (!has)
        put(out, "void");
    else
        type_name(die, out, 0);
}

/* A function's type (a DW_TAG_subprogram or DW_TAG_subroutine_type) as C
 * writes it, with `middle` between the return type and the parameters:
 * "long long int (long long int)", "void (*)(void)". */
static void signature(Dwarf_Die *function, const char *middle, text *out, int depth)
{
    Dwarf_Die r, p;
    bool has_return = type_of(function, &r);
    if (has_return)
        type_name(&r, out, depth + 1);
    else
        put(out, "void");
    put(out, " %s(", middle);
    bool any = false, prototyped = false;
    Dwarf_Attribute attr;
    if (dwarf_attr(function, DW_AT_prototyped, &attr))
        dwarf_formflag(&attr, &prototyped);
    if (dwarf_child(function, &p) == 0) {
        do {
            Dwarf_Die pt;
            int tag = dwarf_tag(&p);
            if (tag == DW_TAG_formal_parameter) {
                put(out, "%s", any ? ", " : "");
                if (type_of(&p, &pt))
                    type_name(&pt, out, depth + 1);
                else
                    put(out, "void");
                any = true;
            } else if (tag == DW_TAG_unspecified_parameters) {
                put(out, "%s...", any ? ", " : "");
                any = true;
            }
        } while (dwarf_siblingof(&p, &p) == 0);
    }
    put(out, "%s)", !any && prototyped ? "void" : "");
}

static void type_name(Dwarf_Die *type, text *out, int depth)
{
    const char *name = dwarf_diename(type);
    Dwarf_Die inner;
    bool has_inner = type_of(type, &inner);
    if (depth > 8) {
        put(out, "...");
        return;
    }
    switch (dwarf_tag(type)) {
    case DW_TAG_base_type:
    case DW_TAG_typedef:
        put(out, "%s", name ? name : "?");
        return;
    case DW_TAG_structure_type:
    case DW_TAG_union_type:
    case DW_TAG_enumeration_type: {
        int tag = dwarf_tag(type);
        put(out, "%s %s", tag == DW_TAG_structure_type ? "struct" : tag == DW_TAG_union_type ? "union" : "enum",
            name ? name : "{...}");
        return;
    }
    case DW_TAG_const_type:
    case DW_TAG_volatile_type: {
        const char *q = dwarf_tag(type) == DW_TAG_const_type ? "const" : "volatile";
        Dwarf_Die p, element;
        /* gcc qualifies an array of const elements twice, the array and its
         * elements: `const char *const a[5]` is const (array of (const
         * pointer)); C has no qualified arrays, so the elements' say it. */
        if (has_inner && dwarf_tag(&inner) == DW_TAG_array_type && type_of(&inner, &element) &&
            qualified(&element, dwarf_tag(type))) {
            type_name(&inner, out, depth + 1);
            return;
        }
        if (has_inner && peeled(&inner, &p) && dwarf_tag(&p) == DW_TAG_pointer_type) {
            type_name(&inner, out, depth + 1);
            put(out, " %s", q);
        } else {
            put(out, "%s ", q);
            if (has_inner)
                type_name(&inner, out, depth + 1);
            else
                put(out, "void");
        }
        return;
    }
    case DW_TAG_pointer_type:
        if (has_inner && (dwarf_tag(&inner) == DW_TAG_subroutine_type || dwarf_tag(&inner) == DW_TAG_subprogram)) {
            signature(&inner, "(*)", out, depth);
            return;
        }
        type_name_of(&inner, has_inner, out);
        put(out, " *");
        return;
    case DW_TAG_array_type: {
        type_name_of(&inner, has_inner, out);
        Dwarf_Die sub;
        if (dwarf_child(type, &sub) == 0) {
            do {
                uint64_t n;
                if (dwarf_tag(&sub) != DW_TAG_subrange_type)
                    continue;
                if (subrange_count(&sub, &n))
                    put(out, " [%" PRIu64 "]", n);
                else
                    put(out, " []");
            } while (dwarf_siblingof(&sub, &sub) == 0);
        }
        return;
    }
    case DW_TAG_subroutine_type:
    case DW_TAG_subprogram:
        signature(type, "", out, depth);
        return;
    default:
        put(out, "%s", name ? name : "?");
    }
}

/* The number of elements of an array type (all dimensions), 0 unknown. */
static uint64_t array_count(Dwarf_Die *array)
{
    uint64_t total = 1;
    bool any = false;
    Dwarf_Die sub;
    if (dwarf_child(array, &sub) != 0)
        return 0;
    do {
        uint64_t n;
        if (dwarf_tag(&sub) != DW_TAG_subrange_type)
            continue;
        if (!subrange_count(&sub, &n))
            return 0;
        total *= n;
        any = true;
    } while (dwarf_siblingof(&sub, &sub) == 0);
    return any ? total : 0;
}

static bool is_char_type(Dwarf_Die *type)
{
    Dwarf_Die p;
    Dwarf_Attribute attr;
    Dwarf_Word encoding;
    if (!peeled(type, &p) || dwarf_tag(&p) != DW_TAG_base_type || type_size(&p) != 1)
        return false;
    if (!dwarf_attr(&p, DW_AT_encoding, &attr) || dwarf_formudata(&attr, &encoding) != 0)
        return false;
    return encoding == DW_ATE_signed_char || encoding == DW_ATE_unsigned_char;
}

/* ==== reading values ========================================================= */

static int read_bytes(context *c, const gval *v, uint64_t offset, void *buffer, size_t size)
{
    switch (v->where) {
    case AT_MEMORY:
        return c->access->read(c->access->context, v->address + offset, buffer, size, c->err, c->err_size);
    case IN_REGISTER: {
        if (v->regno < 0 || v->regno >= GUEST_REGS || !(c->frame->known & (1u << v->regno)))
            return fail(c, "<optimized out>");
        uint64_t r = c->frame->regs[v->regno];
        if (offset + size > 8)
            return fail(c, "a value wider than its register");
        memcpy(buffer, (uint8_t *)&r + offset, size);
        return 0;
    }
    case IN_BYTES:
        if (offset + size > v->nbytes)
            return fail(c, "<optimized out>");
        memcpy(buffer, v->bytes + offset, size);
        return 0;
    case A_NUMBER:
    case AN_ADDRESS: {
        uint64_t n = v->where == A_NUMBER ? (uint64_t)v->number : v->address;
        if (offset + size > 8)
            return fail(c, "a number has 8 bytes");
        memcpy(buffer, (uint8_t *)&n + offset, size);
        return 0;
    }
    case NO_DEBUG:
        return fail(c, "'%s' has no debug information, so no type", v->symbol);
    case OPTIMIZED_OUT:
        break;
    }
    return fail(c, "<optimized out>");
}

/* A part of v: size bytes at offset, of type `type`. */
static int sub_value(context *c, const gval *v, uint64_t offset, Dwarf_Die *type, gval *out)
{
    *out = (gval){ .where = v->where, .has_type = true, .type = *type };
    if (v->where == AT_MEMORY) {
        out->address = v->address + offset;
        return 0;
    }
    if (v->where == OPTIMIZED_OUT)
        return 0;
    uint64_t size = type_size(type);
    if (size > sizeof out->bytes)
        return fail(c, "a part of a value not in memory is too large to show");
    out->where = IN_BYTES;
    out->nbytes = size;
    return read_bytes(c, v, offset, out->bytes, size);
}

/* The integer in v (its type's size, sign-extended when signed). */
static int integer_of(context *c, const gval *v, int64_t *value)
{
    if (v->where == A_NUMBER) {
        *value = v->number;
        return 0;
    }
    if (v->where == AN_ADDRESS) {
        *value = (int64_t)v->address;
        return 0;
    }
    if (v->where == NO_DEBUG)
        return fail(c, "'%s' has no debug information, so no type", v->symbol);
    Dwarf_Die t;
    if (!v->has_type || !peeled(&v->type, &t))
        return fail(c, "a void value has no number");
    int tag = dwarf_tag(&t);
    if (tag != DW_TAG_base_type && tag != DW_TAG_pointer_type && tag != DW_TAG_enumeration_type)
        return fail(c, "not a number or pointer");
    uint64_t size = type_size(&t);
    if (size == 0 || size > 8)
        return fail(c, "a number of %" PRIu64 " bytes", size);
    uint64_t raw = 0;
    if (read_bytes(c, v, 0, &raw, size) != 0)
        return -1;
    bool is_signed = false;
    Dwarf_Attribute attr;
    Dwarf_Word encoding;
    if (tag == DW_TAG_base_type && dwarf_attr(&t, DW_AT_encoding, &attr) && dwarf_formudata(&attr, &encoding) == 0)
        is_signed = encoding == DW_ATE_signed || encoding == DW_ATE_signed_char;
    if (tag == DW_TAG_base_type && dwarf_attr(&t, DW_AT_encoding, &attr) && dwarf_formudata(&attr, &encoding) == 0 &&
        encoding == DW_ATE_float)
        return fail(c, "a floating-point value is not an integer");
    if (is_signed && size < 8 && (raw >> (size * 8 - 1)) & 1)
        raw |= ~0ull << (size * 8);
    *value = (int64_t)raw;
    return 0;
}

/* ==== locations ============================================================== */

static int frame_base(context *c, uint64_t *base);
static Dwarf_Die *frame_function(context *c, Dwarf_Die *out);

/* Evaluates a DWARF location expression (the DWARF stack machine). */
static int evaluate_location(context *c, const Dwarf_Op *ops, size_t n, gval *out)
{
    uint64_t stack[64];
    size_t depth = 0;
    enum { ADDRESS, REGISTER, VALUE, IMPLICIT } result = ADDRESS;
    int regno = -1;
    const uint8_t *implicit = NULL;
    size_t implicit_size = 0;
    uint8_t pieces[MAX_PIECES_BYTES];
    size_t npieces = 0;
    bool pieced = false;
    const guest_frame *f = c->frame;
#define PUSH(x) do { if (depth == 64) return fail(c, "a DWARF expression too deep"); stack[depth++] = (x); } while (0)
#define NEED(k) do { if (depth < (k)) return fail(c, "a malformed DWARF expression"); } while (0)
#define REG(r, into) do { if ((r) >= GUEST_REGS || !(f->known & (1u << (r)))) { out->where = OPTIMIZED_OUT; return 0; } into = f->regs[(r)]; } while (0)
    for (size_t i = 0; i < n; i++) {
        const Dwarf_Op *op = &ops[i];
        uint8_t atom = op->atom;
        uint64_t a, b;
        if (atom >= DW_OP_lit0 && atom <= DW_OP_lit31) {
            PUSH(atom - DW_OP_lit0);
        } else if (atom >= DW_OP_breg0 && atom <= DW_OP_breg31) {
            REG((unsigned)(atom - DW_OP_breg0), a);
            PUSH(a + (uint64_t)(int64_t)op->number);
        } else if (atom >= DW_OP_reg0 && atom <= DW_OP_reg31) {
            result = REGISTER;
            regno = atom - DW_OP_reg0;
        } else {
            switch (atom) {
            case DW_OP_addr: PUSH(op->number + c->g->bias); break;
            case DW_OP_const1u: case DW_OP_const2u: case DW_OP_const4u: case DW_OP_const8u:
            case DW_OP_constu: PUSH(op->number); break;
            case DW_OP_const1s: case DW_OP_const2s: case DW_OP_const4s: case DW_OP_const8s:
            case DW_OP_consts: PUSH((uint64_t)(int64_t)op->number); break;
            case DW_OP_regx: result = REGISTER; regno = (int)op->number; break;
            case DW_OP_bregx: REG((unsigned)op->number, a); PUSH(a + (uint64_t)(int64_t)op->number2); break;
            case DW_OP_fbreg:
                if (frame_base(c, &a) != 0)
                    return -1;
                PUSH(a + (uint64_t)(int64_t)op->number);
                break;
            case DW_OP_call_frame_cfa:
                if (!guest_dwarf_cfa(c->g, f, &a)) {
                    out->where = OPTIMIZED_OUT;
                    return 0;
                }
                PUSH(a);
                break;
            case DW_OP_dup: NEED(1); a = stack[depth - 1]; PUSH(a); break;
            case DW_OP_drop: NEED(1); depth--; break;
            case DW_OP_over: NEED(2); a = stack[depth - 2]; PUSH(a); break;
            case DW_OP_swap: NEED(2); a = stack[depth - 1]; stack[depth - 1] = stack[depth - 2]; stack[depth - 2] = a; break;
            case DW_OP_plus_uconst: NEED(1); stack[depth - 1] += op->number; break;
            case DW_OP_neg: NEED(1); stack[depth - 1] = -stack[depth - 1]; break;
            case DW_OP_not: NEED(1); stack[depth - 1] = ~stack[depth - 1]; break;
            case DW_OP_plus: case DW_OP_minus: case DW_OP_mul: case DW_OP_and: case DW_OP_or:
            case DW_OP_xor: case DW_OP_shl: case DW_OP_shr: case DW_OP_shra:
                NEED(2);
                b = stack[--depth];
                a = stack[depth - 1];
                switch (atom) {
                case DW_OP_plus: a += b; break;
                case DW_OP_minus: a -= b; break;
                case DW_OP_mul: a *= b; break;
                case DW_OP_and: a &= b; break;
                case DW_OP_or: a |= b; break;
                case DW_OP_xor: a ^= b; break;
                case DW_OP_shl: a = b < 64 ? a << b : 0; break;
                case DW_OP_shr: a = b < 64 ? a >> b : 0; break;
                default: a = b < 64 ? (uint64_t)((int64_t)a >> b) : 0; break;
                }
                stack[depth - 1] = a;
                break;
            case DW_OP_deref:
            case DW_OP_deref_size: {
                NEED(1);
                size_t size = atom == DW_OP_deref ? 8 : (size_t)op->number;
                uint64_t word = 0;
                if (size > 8 || c->access->read(c->access->context, stack[depth - 1], &word, size, c->err, c->err_size) != 0)
                    return -1;
                stack[depth - 1] = word;
                break;
            }
            case DW_OP_stack_value: result = VALUE; break;
            case DW_OP_implicit_value:
                result = IMPLICIT;
                implicit = (const uint8_t *)(uintptr_t)op->number2;
                implicit_size = (size_t)op->number;
                break;
            case DW_OP_piece: {
                size_t size = (size_t)op->number;
                if (npieces + size > sizeof pieces)
                    return fail(c, "a value in pieces too large to show");
                uint8_t part[MAX_PIECES_BYTES] = { 0 };
                if (result == REGISTER) {
                    uint64_t r;
                    REG((unsigned)regno, r);
                    memcpy(part, &r, size < 8 ? size : 8);
                } else if (result == VALUE && depth) {
                    memcpy(part, &stack[depth - 1], size < 8 ? size : 8);
                } else if (result == IMPLICIT) {
                    memcpy(part, implicit, size < implicit_size ? size : implicit_size);
                } else if (depth) {
                    if (c->access->read(c->access->context, stack[depth - 1], part, size, c->err, c->err_size) != 0)
                        return -1;
                } else {
                    out->where = OPTIMIZED_OUT;  /* an empty piece: that part is gone */
                    return 0;
                }
                memcpy(pieces + npieces, part, size);
                npieces += size;
                pieced = true;
                depth = 0;
                result = ADDRESS;
                break;
            }
            case DW_OP_entry_value:
            case DW_OP_GNU_entry_value:
            case DW_OP_GNU_parameter_ref:
                out->where = OPTIMIZED_OUT;  /* the value at the call: gone from this frame */
                return 0;
            case DW_OP_nop:
                break;
            default:
                return fail(c, "DWARF operation 0x%x is not supported", atom);
            }
        }
    }
#undef PUSH
#undef NEED
#undef REG
    if (pieced) {
        out->where = IN_BYTES;
        memcpy(out->bytes, pieces, npieces);
        out->nbytes = npieces;
        return 0;
    }
    switch (result) {
    case REGISTER:
        out->where = IN_REGISTER;
        out->regno = regno;
        return 0;
    case VALUE:
        if (!depth)
            return fail(c, "a malformed DWARF expression");
        out->where = IN_BYTES;
        memcpy(out->bytes, &stack[depth - 1], 8);
        out->nbytes = 8;
        return 0;
    case IMPLICIT:
        out->where = IN_BYTES;
        out->nbytes = implicit_size < sizeof out->bytes ? implicit_size : sizeof out->bytes;
        memcpy(out->bytes, implicit, out->nbytes);
        return 0;
    case ADDRESS:
        if (!depth) {
            out->where = OPTIMIZED_OUT;
            return 0;
        }
        out->where = AT_MEMORY;
        out->address = stack[depth - 1];
        return 0;
    }
    return fail(c, "a malformed DWARF expression");
}

/* The frame's function DIE, or NULL outside any. */
static Dwarf_Die *frame_function(context *c, Dwarf_Die *out)
{
    const struct guest_function_entry *f = guest_dwarf_function_entry(c->g, c->frame->pc);
    if (!f || !f->die || !dwarf_offdie(c->g->dwarf, f->die, out))
        return NULL;
    return out;
}

static int frame_base(context *c, uint64_t *base)
{
    Dwarf_Die function;
    Dwarf_Attribute attr;
    Dwarf_Op *ops;
    size_t n;
    if (!frame_function(c, &function) || !dwarf_attr_integrate(&function, DW_AT_frame_base, &attr) ||
        dwarf_getlocation_addr(&attr, c->frame->pc - c->g->bias, &ops, &n, 1) <= 0)
        return fail(c, "no frame base here");
    gval v = { 0 };
    for (size_t i = 0; i < n; i++)
        if (ops[i].atom == DW_OP_fbreg)
            return fail(c, "a frame base defined by itself");
    if (evaluate_location(c, ops, n, &v) != 0)
        return -1;
    if (v.where == AT_MEMORY) {
        *base = v.address;
        return 0;
    }
    if (v.where == IN_REGISTER && v.regno < GUEST_REGS && (c->frame->known & (1u << v.regno))) {
        *base = c->frame->regs[v.regno];
        return 0;
    }
    return fail(c, "<optimized out>");
}

/* A variable's value: its location (or constant) at the frame's pc. */
static int variable_value(context *c, Dwarf_Die *var, gval *out)
{
    *out = (gval){ .where = OPTIMIZED_OUT };
    out->has_type = type_of(var, &out->type);
    Dwarf_Attribute attr;
    if (dwarf_attr_integrate(var, DW_AT_const_value, &attr)) {
        Dwarf_Block block;
        Dwarf_Sword s;
        out->where = IN_BYTES;
        if (dwarf_formblock(&attr, &block) == 0) {
            out->nbytes = block.length < sizeof out->bytes ? block.length : sizeof out->bytes;
            memcpy(out->bytes, block.data, out->nbytes);
        } else if (dwarf_formsdata(&attr, &s) == 0) {
            memcpy(out->bytes, &s, 8);
            out->nbytes = 8;
        } else {
            out->where = OPTIMIZED_OUT;
        }
        return 0;
    }
    if (!dwarf_attr_integrate(var, DW_AT_location, &attr))
        return 0;  /* no location: optimized out */
    Dwarf_Op *ops;
    size_t n;
    int found = dwarf_getlocation_addr(&attr, c->frame->pc - c->g->bias, &ops, &n, 1);
    if (found < 0)
        return fail(c, "libdw cannot read the location of %s: %s", dwarf_diename(var), dwarf_errmsg(-1));
    if (found == 0 || n == 0)
        return 0;  /* not at this pc */
    Dwarf_Die type = out->type;
    bool has_type = out->has_type;
    int rc = evaluate_location(c, ops, n, out);
    out->type = type;
    out->has_type = has_type;
    return rc;
}

/* ==== finding names ========================================================== */

/* The scopes at the frame's pc, innermost first (malloc'd), or 0. */
static int scopes_at(context *c, Dwarf_Die **scopes)
{
    *scopes = NULL;
    if (!c->g->dwarf)
        return 0;
    Dwarf_Addr bias;
    Dwarf_Die *cu = dwfl_module_addrdie(c->g->module, c->frame->pc, &bias);
    if (!cu)
        return 0;
    int n = dwarf_getscopes(cu, c->frame->pc - bias, scopes);
    return n > 0 ? n : 0;
}

static bool has_place(Dwarf_Die *var)
{
    Dwarf_Attribute attr;
    return dwarf_attr_integrate(var, DW_AT_location, &attr) || dwarf_attr_integrate(var, DW_AT_const_value, &attr);
}

typedef struct {
    const char *name;
    Dwarf_Die *out;
    bool found;
} global_search;

static bool match_global(void *search_context, Dwarf_Die *die, Dwarf_Addr bias)
{
    global_search *search = search_context;
    const char *n = dwarf_diename(die);
    if (dwarf_tag(die) != DW_TAG_variable || !n || strcmp(n, search->name) != 0)
        return true;
    if (has_place(die)) {
        *search->out = *die;
        search->found = true;
        return false;  /* a definition: done */
    }
    if (!search->found)
        *search->out = *die;
    search->found = true;
    return true;
}

/* A global of any unit: a definition before a declaration. */
static bool find_global(const guest_dwarf *g, const char *name, Dwarf_Die *out)
{
    global_search search = { name, out, false };
    guest_dwarf_top_dies(g, match_global, &search);
    return search.found;
}

static bool find_variable(context *c, const char *name, Dwarf_Die *out)
{
    Dwarf_Die *scopes;
    int n = scopes_at(c, &scopes);
    bool found = false;
    if (n > 0) {
        int at = dwarf_getscopevar(scopes, n, name, 0, NULL, 0, 0, out);
        found = at >= 0 && (has_place(out) || at < n - 1);
    }
    free(scopes);
    if (found)
        return true;
    return c->g->dwarf && find_global(c->g, name, out);
}

/* ==== printing =============================================================== */

static void print_value(context *c, const gval *v, text *out, int depth, bool top);

static void print_string_at(context *c, uint64_t address, text *out)
{
    put(out, "\"");
    for (int i = 0; i < MAX_STRING; i++) {
        char ch;
        char err[64];
        if (c->access->read(c->access->context, address + (uint64_t)i, &ch, 1, err, sizeof err) != 0) {
            put(out, "\" <cannot read memory at 0x%" PRIx64 ">", address + (uint64_t)i);
            return;
        }
        if (!ch) {
            put(out, "\"");
            return;
        }
        if (ch == '\n')
            put(out, "\\n");
        else if (ch == '"' || ch == '\\')
            put(out, "\\%c", ch);
        else if (isprint((unsigned char)ch))
            put(out, "%c", ch);
        else
            put(out, "\\%03o", (unsigned char)ch);
    }
    put(out, "\"...");
}

static void print_base(context *c, Dwarf_Die *t, const gval *v, text *out)
{
    Dwarf_Attribute attr;
    Dwarf_Word encoding = DW_ATE_signed;
    if (dwarf_attr(t, DW_AT_encoding, &attr))
        dwarf_formudata(&attr, &encoding);
    uint64_t size = type_size(t);
    uint8_t raw[16] = { 0 };
    if (size == 0 || size > sizeof raw || read_bytes(c, v, 0, raw, size) != 0) {
        put(out, "%s", size > sizeof raw ? "<too large>" : c->err[0] == '<' ? c->err : "<unreadable>");
        return;
    }
    if (encoding == DW_ATE_float) {
        if (size == 4) {
            float x;
            memcpy(&x, raw, 4);
            put(out, "%.9g", (double)x);
        } else if (size == 8) {
            double x;
            memcpy(&x, raw, 8);
            put(out, "%.17g", x);
        } else {
            put(out, "<a float of %" PRIu64 " bytes>", size);
        }
        return;
    }
    int64_t n;
    if (integer_of(c, v, &n) != 0) {
        put(out, "%s", c->err);
        return;
    }
    switch (encoding) {
    case DW_ATE_boolean:
        put(out, n ? "true" : "false");
        return;
    case DW_ATE_signed_char:
    case DW_ATE_unsigned_char: {
        unsigned char ch = (unsigned char)n;
        put(out, "%" PRId64 " '", encoding == DW_ATE_unsigned_char ? (int64_t)ch : n);
        if (ch == '\n')
            put(out, "\\n'");
        else if (ch == '\'' || ch == '\\')
            put(out, "\\%c'", ch);
        else if (isprint(ch))
            put(out, "%c'", ch);
        else
            put(out, "\\%03o'", ch);
        return;
    }
    case DW_ATE_unsigned:
        put(out, "%" PRIu64, size < 8 ? (uint64_t)n & ((UINT64_C(1) << (size * 8)) - 1) : (uint64_t)n);
        return;
    default:
        put(out, "%" PRId64, n);
    }
}

static void print_pointer(context *c, Dwarf_Die *t, const gval *v, text *out, bool top)
{
    int64_t n;
    if (integer_of(c, v, &n) != 0) {
        put(out, "%s", c->err);
        return;
    }
    uint64_t p = (uint64_t)n;
    Dwarf_Die target;
    bool has_target = type_of(t, &target);
    Dwarf_Die pt;
    if (has_target && peeled(&target, &pt) && dwarf_tag(&pt) == DW_TAG_subroutine_type) {
        char sym[128];
        put(out, "0x%" PRIx64, p);
        if (p && guest_dwarf_symbolize(c->g, p, sym, sizeof sym))
            put(out, " <%s>", sym);
        return;
    }
    if (has_target && is_char_type(&target)) {
        put(out, "0x%" PRIx64, p);  /* strings as gdb shows them: no type, the text */
        if (p) {
            put(out, " ");
            print_string_at(c, p, out);
        }
        return;
    }
    if (top) {
        put(out, "(");
        type_name(t, out, 0);
        put(out, ") ");
    }
    put(out, "0x%" PRIx64, p);
}

static void print_enum(context *c, Dwarf_Die *t, const gval *v, text *out)
{
    int64_t n;
    if (integer_of(c, v, &n) != 0) {
        put(out, "%s", c->err);
        return;
    }
    Dwarf_Die e;
    if (dwarf_child(t, &e) == 0) {
        do {
            Dwarf_Attribute attr;
            Dwarf_Sword value;
            if (dwarf_tag(&e) == DW_TAG_enumerator && dwarf_attr(&e, DW_AT_const_value, &attr) &&
                dwarf_formsdata(&attr, &value) == 0 && value == n) {
                put(out, "%s", dwarf_diename(&e));
                return;
            }
        } while (dwarf_siblingof(&e, &e) == 0);
    }
    put(out, "%" PRId64, n);
}

static void print_array(context *c, Dwarf_Die *t, const gval *v, text *out, int depth)
{
    Dwarf_Die element;
    if (!type_of(t, &element)) {
        put(out, "<an array of void>");
        return;
    }
    uint64_t count = array_count(t), size = type_size(&element);
    if (is_char_type(&element) && v->where == AT_MEMORY) {
        /* char arrays as strings, up to their NUL or their end */
        put(out, "\"");
        for (uint64_t i = 0; i < count && i < MAX_STRING; i++) {
            char ch;
            if (read_bytes(c, v, i, &ch, 1) != 0) {
                put(out, "<unreadable>");
                break;
            }
            if (!ch)
                break;
            if (ch == '"' || ch == '\\')
                put(out, "\\%c", ch);
            else if (ch == '\n')
                put(out, "\\n");
            else if (isprint((unsigned char)ch))
                put(out, "%c", ch);
            else
                put(out, "\\%03o", (unsigned char)ch);
        }
        put(out, "\"");
        return;
    }
    put(out, "{");
    for (uint64_t i = 0; i < count && !out->cut; i++) {
        if (i == MAX_ELEMENTS) {
            put(out, "...");
            break;
        }
        gval e;
        if (i)
            put(out, ", ");
        if (sub_value(c, v, i * size, &element, &e) != 0) {
            put(out, "<%s>", c->err);
            break;
        }
        print_value(c, &e, out, depth + 1, false);
    }
    put(out, "}");
}

static uint64_t member_offset(Dwarf_Die *member)
{
    Dwarf_Attribute attr;
    Dwarf_Word offset = 0;
    if (dwarf_attr(member, DW_AT_data_member_location, &attr))
        dwarf_formudata(&attr, &offset);
    return offset;
}

static void print_struct(context *c, Dwarf_Die *t, const gval *v, text *out, int depth)
{
    if (depth >= MAX_DEPTH) {
        put(out, "{...}");
        return;
    }
    put(out, "{");
    Dwarf_Die m;
    bool first = true;
    if (dwarf_child(t, &m) == 0) {
        do {
            if (dwarf_tag(&m) != DW_TAG_member || out->cut)
                continue;
            const char *name = dwarf_diename(&m);
            put(out, "%s%s = ", first ? "" : ", ", name ? name : "<anonymous>");
            first = false;
            Dwarf_Attribute attr;
            Dwarf_Die mt;
            gval mv;
            if (dwarf_attr(&m, DW_AT_bit_size, &attr)) {
                put(out, "<bit-field>");
                continue;
            }
            if (!type_of(&m, &mt) || sub_value(c, v, member_offset(&m), &mt, &mv) != 0) {
                put(out, "<%s>", c->err[0] ? c->err : "no type");
                continue;
            }
            print_value(c, &mv, out, depth + 1, false);
        } while (dwarf_siblingof(&m, &m) == 0);
    }
    put(out, "}");
}

static void print_value(context *c, const gval *v, text *out, int depth, bool top)
{
    c->err[0] = '\0';
    if (v->where == OPTIMIZED_OUT) {
        put(out, "<optimized out>");
        return;
    }
    if (v->where == A_NUMBER) {
        put(out, "%" PRId64, v->number);
        return;
    }
    if (v->where == NO_DEBUG) {
        /* gdb's words for a symbol without a type (data ones fail in
         * guest_dwarf_evaluate: there is no value to show) */
        put(out, "{<%s variable, no debug info>} 0x%" PRIx64 " <%s>", v->code ? "text" : "data", v->address,
            v->symbol);
        return;
    }
    if (v->where == AN_ADDRESS && !v->has_type && v->symbol) {
        put(out, "(<%s variable, no debug info> *) 0x%" PRIx64 " <%s>", v->code ? "text" : "data", v->address,
            v->symbol);
        return;
    }
    if (v->where == AN_ADDRESS) {
        Dwarf_Die pointee = v->type;
        if (v->has_type && dwarf_tag(&pointee) == DW_TAG_subprogram) {
            put(out, "(");
            signature(&pointee, "(*)", out, 0);
            put(out, ") ");
        } else if (v->has_type) {
            put(out, "(");
            type_name(&pointee, out, 0);
            put(out, " *) ");
        }
        put(out, "0x%" PRIx64, v->address);
        char sym[128];
        if (guest_dwarf_symbolize(c->g, v->address, sym, sizeof sym) && !strchr(sym, '+'))
            put(out, " <%s>", sym);
        return;
    }
    Dwarf_Die t;
    if (!v->has_type || !peeled(&v->type, &t)) {
        put(out, "<void>");
        return;
    }
    switch (dwarf_tag(&t)) {
    case DW_TAG_base_type: print_base(c, &t, v, out); return;
    case DW_TAG_pointer_type: print_pointer(c, &t, v, out, top); return;
    case DW_TAG_enumeration_type: print_enum(c, &t, v, out); return;
    case DW_TAG_array_type: print_array(c, &t, v, out, depth); return;
    case DW_TAG_structure_type:
    case DW_TAG_union_type: print_struct(c, &t, v, out, depth); return;
    case DW_TAG_subroutine_type:
    case DW_TAG_subprogram: {
        char sym[128];
        put(out, "{");
        signature(&t, "", out, 0);
        put(out, "} 0x%" PRIx64, v->address);
        if (guest_dwarf_symbolize(c->g, v->address, sym, sizeof sym))
            put(out, " <%s>", sym);
        return;
    }
    default:
        put(out, "<a value of DWARF tag 0x%x>", dwarf_tag(&t));
    }
}

/* ==== expressions ============================================================ */

typedef struct {
    context *c;
    const char *p;
} parser;

static void skip_blanks(parser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\t')
        ps->p++;
}

static bool take(parser *ps, const char *token)
{
    skip_blanks(ps);
    size_t n = strlen(token);
    if (strncmp(ps->p, token, n) != 0)
        return false;
    ps->p += n;
    return true;
}

static int identifier(parser *ps, char *name, size_t size)
{
    skip_blanks(ps);
    size_t n = 0;
    if (!isalpha((unsigned char)*ps->p) && *ps->p != '_')
        return fail(ps->c, "expected a name at '%s'", ps->p);
    while ((isalnum((unsigned char)ps->p[n]) || ps->p[n] == '_') && n + 1 < size)
        n++;
    memcpy(name, ps->p, n);
    name[n] = '\0';
    ps->p += n;
    return 0;
}

static int parse_unary(parser *ps, gval *v);

/* A data symbol the DWARF does not describe has no type, so no value:
 * its address, and what shows its bytes. */
static int no_debug(context *c, const gval *v)
{
    return fail(c, "'%s' has no debug information, so no type: it is at 0x%" PRIx64 " (x/8xb 0x%" PRIx64
                " shows its bytes)", v->symbol, v->address, v->address);
}

static int parse_primary(parser *ps, gval *v)
{
    context *c = ps->c;
    skip_blanks(ps);
    if (take(ps, "(")) {
        if (parse_unary(ps, v) != 0)
            return -1;
        if (!take(ps, ")"))
            return fail(c, "expected ')' at '%s'", ps->p);
        return 0;
    }
    if (isdigit((unsigned char)*ps->p)) {
        char *end;
        unsigned long long n = strtoull(ps->p, &end, 0);
        *v = (gval){ .where = A_NUMBER, .number = (int64_t)n };
        ps->p = end;
        return 0;
    }
    if (*ps->p == '\'' && ps->p[1] && ps->p[2] == '\'') {
        *v = (gval){ .where = A_NUMBER, .number = (unsigned char)ps->p[1] };
        ps->p += 3;
        return 0;
    }
    char name[128];
    if (identifier(ps, name, sizeof name) != 0)
        return -1;
    Dwarf_Die var;
    if (find_variable(c, name, &var))
        return variable_value(c, &var, v);
    /* a function: its DW_TAG_subprogram is its type, its entry its address */
    for (size_t i = 0; i < c->g->nfunctions; i++) {
        const struct guest_function_entry *f = &c->g->functions[i];
        Dwarf_Die die;
        if (f->die && strcmp(f->f.name, name) == 0 && dwarf_offdie(c->g->dwarf, f->die, &die)) {
            *v = (gval){ .where = AT_MEMORY, .has_type = true, .type = die, .address = f->f.low };
            return 0;
        }
    }
    for (size_t i = 0; i < c->g->nsymbols; i++) {
        const struct guest_symbol *sym = &c->g->symbols[i];
        if (strcmp(sym->name, name) == 0) {
            *v = (gval){ .where = NO_DEBUG, .address = sym->address, .symbol = sym->name, .code = sym->code };
            return 0;
        }
    }
    return fail(c, "no symbol '%s' in the current context", name);
}

/* The pointee or element type of a pointer or array value. */
static int target_type(context *c, const gval *v, Dwarf_Die *t, Dwarf_Die *target, const char *what)
{
    if (v->where == AN_ADDRESS) {
        if (!v->has_type)
            return fail(c, "%s: a pointer to void", what);
        *target = v->type;
        return 0;
    }
    if (!v->has_type || !peeled(&v->type, t))
        return fail(c, "%s: a void value", what);
    int tag = dwarf_tag(t);
    if (tag != DW_TAG_pointer_type && tag != DW_TAG_array_type)
        return fail(c, "%s: not a pointer or an array", what);
    if (!type_of(t, target))
        return fail(c, "%s: a pointer to void", what);
    return 0;
}

/* *v, or v[index]. */
static int element(context *c, const gval *v, int64_t index, gval *out, const char *what)
{
    Dwarf_Die t, target;
    if (target_type(c, v, &t, &target, what) != 0)
        return -1;
    uint64_t size = type_size(&target);
    if (size == 0 && index != 0)
        return fail(c, "%s: elements of unknown size", what);
    if (v->where != AN_ADDRESS && dwarf_tag(&t) == DW_TAG_array_type) {
        uint64_t count = array_count(&t);
        if (count && (index < 0 || (uint64_t)index >= count))
            return fail(c, "index %" PRId64 " is outside the array (0 to %" PRIu64 ")", index, count - 1);
        return sub_value(c, v, (uint64_t)index * size, &target, out);
    }
    int64_t base;
    if (integer_of(c, v, &base) != 0)
        return -1;
    *out = (gval){ .where = AT_MEMORY, .has_type = true, .type = target,
                   .address = (uint64_t)base + (uint64_t)index * size };
    return 0;
}

static int member(context *c, const gval *v, const char *name, gval *out)
{
    Dwarf_Die t;
    if (!v->has_type || !peeled(&v->type, &t) ||
        (dwarf_tag(&t) != DW_TAG_structure_type && dwarf_tag(&t) != DW_TAG_union_type))
        return fail(c, "'.%s': not a struct or union", name);
    Dwarf_Die m;
    if (dwarf_child(&t, &m) == 0) {
        do {
            const char *n = dwarf_diename(&m);
            Dwarf_Die mt;
            if (dwarf_tag(&m) == DW_TAG_member && n && strcmp(n, name) == 0) {
                if (!type_of(&m, &mt))
                    return fail(c, "member %s has no type", name);
                return sub_value(c, v, member_offset(&m), &mt, out);
            }
        } while (dwarf_siblingof(&m, &m) == 0);
    }
    char tname[128] = "";
    text tn = { .s = tname, .size = sizeof tname };
    Dwarf_Die vt = v->type;
    type_name(&vt, &tn, 0);
    return fail(c, "%s has no member named %s", tn.s, name);
}

static int parse_postfix(parser *ps, gval *v)
{
    context *c = ps->c;
    if (parse_primary(ps, v) != 0)
        return -1;
    for (;;) {
        char name[128];
        gval next;
        if (take(ps, "[")) {
            gval index;
            int64_t i;
            if (parse_unary(ps, &index) != 0 || integer_of(c, &index, &i) != 0)
                return -1;
            if (!take(ps, "]"))
                return fail(c, "expected ']' at '%s'", ps->p);
            if (element(c, v, i, &next, "[]") != 0)
                return -1;
        } else if (take(ps, "->")) {
            gval pointee;
            if (identifier(ps, name, sizeof name) != 0 || element(c, v, 0, &pointee, "->") != 0 ||
                member(c, &pointee, name, &next) != 0)
                return -1;
        } else if (take(ps, ".")) {
            if (identifier(ps, name, sizeof name) != 0 || member(c, v, name, &next) != 0)
                return -1;
        } else {
            return 0;
        }
        *v = next;
    }
}

static int parse_unary(parser *ps, gval *v)
{
    context *c = ps->c;
    if (take(ps, "*")) {
        gval inner;
        if (parse_unary(ps, &inner) != 0)
            return -1;
        Dwarf_Die t;
        if (inner.where == AT_MEMORY && inner.has_type && peeled(&inner.type, &t) &&
            dwarf_tag(&t) == DW_TAG_subprogram) {
            *v = inner;  /* *fib is fib, as in C */
            return 0;
        }
        if (inner.where == NO_DEBUG)
            return no_debug(c, &inner);
        return element(c, &inner, 0, v, "*");
    }
    if (take(ps, "&")) {
        gval inner;
        if (parse_unary(ps, &inner) != 0)
            return -1;
        if (inner.where == NO_DEBUG) {
            *v = (gval){ .where = AN_ADDRESS, .address = inner.address, .symbol = inner.symbol, .code = inner.code };
            return 0;
        }
        if (inner.where != AT_MEMORY)
            return fail(c, "&: the value is not in memory");
        *v = (gval){ .where = AN_ADDRESS, .has_type = inner.has_type, .type = inner.type, .address = inner.address };
        return 0;
    }
    if (take(ps, "-")) {
        gval inner;
        int64_t n;
        if (parse_unary(ps, &inner) != 0 || integer_of(c, &inner, &n) != 0)
            return -1;
        *v = (gval){ .where = A_NUMBER, .number = -n };
        return 0;
    }
    return parse_postfix(ps, v);
}

static int parse_expression(context *c, const char *expression, gval *v)
{
    parser ps = { c, expression };
    if (parse_unary(&ps, v) != 0)
        return -1;
    skip_blanks(&ps);
    if (*ps.p)
        return fail(c, "unexpected '%s' in '%s'", ps.p, expression);
    return 0;
}

/* ==== the public face ======================================================== */

int guest_dwarf_evaluate(const guest_dwarf *g, const guest_frame *frame, const guest_access *access,
                         const char *expression, char *out, size_t size, char *err, size_t err_size)
{
    char why[256] = "";
    context c = { g, frame, access, why, sizeof why };
    gval v;
    if (parse_expression(&c, expression, &v) != 0 || (v.where == NO_DEBUG && !v.code && no_debug(&c, &v))) {
        snprintf(err, err_size, "%s", why);
        return -1;
    }
    text t = { .s = out, .size = size };
    out[0] = '\0';
    print_value(&c, &v, &t, 0, true);
    return 0;
}

int guest_dwarf_assign(const guest_dwarf *g, const guest_frame *frame, const guest_access *access,
                       const char *expression, const char *value, char *err, size_t err_size)
{
    char why[256] = "";
    context c = { g, frame, access, why, sizeof why };
    gval target, source;
    if (parse_expression(&c, expression, &target) != 0) {
        snprintf(err, err_size, "%s", why);
        return -1;
    }
    Dwarf_Die t;
    if (!target.has_type || !peeled(&target.type, &t)) {
        snprintf(err, err_size, "%s is not a variable that can be set", expression);
        return -1;
    }
    int tag = dwarf_tag(&t);
    uint64_t size = type_size(&t);
    if ((tag != DW_TAG_base_type && tag != DW_TAG_pointer_type && tag != DW_TAG_enumeration_type) || size == 0 ||
        size > 8) {
        snprintf(err, err_size, "%s: vdb sets numbers, characters and pointers, not a value of this type", expression);
        return -1;
    }
    uint64_t bits = 0;
    Dwarf_Attribute attr;
    Dwarf_Word encoding = 0;
    if (tag == DW_TAG_base_type && dwarf_attr(&t, DW_AT_encoding, &attr))
        dwarf_formudata(&attr, &encoding);
    if (encoding == DW_ATE_float) {
        char *end;
        double x = strtod(value, &end);
        if (end == value || *end) {
            snprintf(err, err_size, "'%s' is not a number", value);
            return -1;
        }
        if (size == 4) {
            float f = (float)x;
            memcpy(&bits, &f, 4);
        } else {
            memcpy(&bits, &x, 8);
        }
    } else {
        int64_t n;
        if (parse_expression(&c, value, &source) != 0 || integer_of(&c, &source, &n) != 0) {
            snprintf(err, err_size, "%s", why);
            return -1;
        }
        bits = (uint64_t)n;
    }
    if (target.where == AT_MEMORY) {
        if (!access->write)
            return snprintf(err, err_size, "the guest's memory cannot be written here"), -1;
        return access->write(access->context, target.address, &bits, size, err, err_size);
    }
    if (target.where == IN_REGISTER) {
        if (!access->write_register) {
            snprintf(err, err_size, "%s is in a register of an outer frame: select frame 0 to set it", expression);
            return -1;
        }
        uint64_t old = frame->known & (1u << target.regno) ? frame->regs[target.regno] : 0;
        uint64_t mask = size < 8 ? (1ull << (size * 8)) - 1 : ~0ull;
        return access->write_register(access->context, target.regno, (old & ~mask) | (bits & mask), err, err_size);
    }
    snprintf(err, err_size, "%s is %s: it cannot be set", expression,
             target.where == OPTIMIZED_OUT ? "optimized out" : "not in memory or a register");
    return -1;
}

/* ---- variables of a frame ---- */

typedef struct {
    context *c;
    guest_var_callback callback;
    void *callback_context;
    size_t count;
} listing;

static void list_one(listing *l, Dwarf_Die *var)
{
    const char *name = dwarf_diename(var);
    if (!name)
        return;
    l->count++;
    if (!l->callback)
        return;
    char type[64], value[256];
    text tt = { .s = type, .size = sizeof type }, tv = { .s = value, .size = sizeof value };
    type[0] = value[0] = '\0';
    gval v;
    type_name_of(&v.type, (v.has_type = type_of(var, &v.type)), &tt);
    l->c->err[0] = '\0';
    if (variable_value(l->c, var, &v) != 0)
        put(&tv, "<%s>", l->c->err);
    else
        print_value(l->c, &v, &tv, 0, false);
    l->callback(l->callback_context, name, type, value);
}

static void list_children(listing *l, Dwarf_Die *scope, int tag)
{
    Dwarf_Die die;
    if (dwarf_child(scope, &die) != 0)
        return;
    do {
        if (dwarf_tag(&die) == tag)
            list_one(l, &die);
    } while (dwarf_siblingof(&die, &die) == 0);
}

static bool list_global(void *listing_context, Dwarf_Die *die, Dwarf_Addr bias)
{
    if (dwarf_tag(die) == DW_TAG_variable && has_place(die))
        list_one(listing_context, die);
    return true;
}

size_t guest_dwarf_variables(const guest_dwarf *g, const guest_frame *frame, const guest_access *access,
                             guest_var_set set, guest_var_callback callback, void *callback_context)
{
    char why[256] = "";
    context c = { g, frame, access, why, sizeof why };
    listing l = { &c, callback, callback_context, 0 };
    if (set == GUEST_VARS_GLOBALS) {
        if (g->dwarf)
            guest_dwarf_top_dies(g, list_global, &l);
        return l.count;
    }
    Dwarf_Die *scopes;
    int n = scopes_at(&c, &scopes);
    for (int i = 0; i < n; i++) {
        int tag = dwarf_tag(&scopes[i]);
        bool function = tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine;
        if (set == GUEST_VARS_LOCALS)
            list_children(&l, &scopes[i], DW_TAG_variable);
        if (function) {
            if (set == GUEST_VARS_ARGS)
                list_children(&l, &scopes[i], DW_TAG_formal_parameter);
            break;
        }
    }
    free(scopes);
    return l.count;
}

bool guest_dwarf_return_value(const guest_dwarf *g, const char *function, uint64_t rax, bool have_xmm0,
                              uint64_t xmm0, char *out, size_t size)
{
    const struct guest_function_entry *f = NULL;
    for (size_t i = 0; i < g->nfunctions && !f; i++)
        if (g->functions[i].die && strcmp(g->functions[i].f.name, function) == 0)
            f = &g->functions[i];
    Dwarf_Die die, type, t;
    if (!f || !dwarf_offdie(g->dwarf, f->die, &die) || !type_of(&die, &type) || !peeled(&type, &t))
        return false;  /* void, or nothing known */
    char why[256] = "";
    guest_frame frame = { .pc = f->f.low };
    guest_access none = { 0 };
    context c = { g, &frame, &none, why, sizeof why };
    text tx = { .s = out, .size = size };
    out[0] = '\0';
    Dwarf_Attribute attr;
    Dwarf_Word encoding = 0;
    if (dwarf_tag(&t) == DW_TAG_base_type && dwarf_attr(&t, DW_AT_encoding, &attr))
        dwarf_formudata(&attr, &encoding);
    gval v = { .where = IN_BYTES, .has_type = true, .type = type, .nbytes = 8 };
    int tag = dwarf_tag(&t);
    if (tag == DW_TAG_structure_type || tag == DW_TAG_union_type || tag == DW_TAG_array_type) {
        put(&tx, "<a %s is returned in memory or in several registers: print it in the caller>",
            tag == DW_TAG_array_type ? "array" : "struct");
        return true;
    }
    if (encoding == DW_ATE_float) {
        if (!have_xmm0) {
            put(&tx, "<in xmm0, which this target does not show>");
            return true;
        }
        memcpy(v.bytes, &xmm0, 8);
    } else {
        memcpy(v.bytes, &rax, 8);
    }
    print_value(&c, &v, &tx, 0, true);
    return true;
}
