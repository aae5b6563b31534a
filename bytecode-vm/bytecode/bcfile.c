/*
 * bcfile.c -- reading and writing the binary bytecode file format (.vbc).
 *
 * docs/bytecode-format.md documents the format byte by byte.  In short:
 *
 *     header   magic "\x7fVBC", u16 major, u16 minor, u32 flags   (12 bytes)
 *     INFO     source file name, entry function, initializer function
 *     TYPE     user types (arrays and records; the built-ins are implicit)
 *     CNST     constants: int, float (IEEE bits) or string
 *     RECD     records and their typed fields
 *     GLOB     typed globals
 *     FUNC     functions: signature, local types, code and its tables
 *
 * Every section is a 4-byte ASCII tag, a u32 payload length and the payload.
 * All six always appear, in this order, and nothing follows the last.
 * Integers are little-endian; a string is a u32 byte count and the bytes.
 *
 * The writer is a straight walk over the module.  It is deterministic, and
 * the reader keeps everything the writer wrote (and accepts nothing the
 * writer could not have written), so write(read(bytes)) == bytes.
 *
 * The reader trusts nothing.  It reads through a cursor bounded by the end
 * of the current section, so no field can be read past it; it checks each
 * count against the bytes left in the section (every entry has a minimum
 * encoded size) BEFORE allocating for it, so a hostile file can make it
 * allocate no more than a small multiple of the file's own size.  The first
 * problem found ends the read with one diagnostic naming the section, the
 * entry (and the function, through bvm_diag_code) and the file offset.
 * Only structure is checked here; whether indices, types and code make
 * sense is the verifier's business.
 */
#include "bcfile.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opcodes.h" /* little-endian readers */

#define HEADER_SIZE 12        /* magic, major, minor, flags               */
#define SECTION_HEADER_SIZE 8 /* tag, payload length                      */

/* Smallest encoded size of each kind of entry, used to reject counts that
 * cannot fit in what is left of a section (docs/bytecode-format.md). */
enum {
    MIN_STRING = 4,                 /* u32 length, no bytes            */
    MIN_TYPE = 3,                   /* u8 kind, u16 arg                */
    MIN_CONST = 1 + MIN_STRING,     /* kind + the shortest payload     */
    MIN_RECORD = MIN_STRING + 2,    /* name, u16 field count           */
    MIN_FIELD = MIN_STRING + 2,     /* name, u16 type                  */
    MIN_GLOBAL = MIN_STRING + 2,    /* name, u16 type                  */
    MIN_FUNCTION = MIN_STRING + 2 + 2 + 2 + 2 + 4 + 4 + 4 + 4,
    LOCAL_TYPE_SIZE = 2,
    LINE_SIZE = 8,                  /* u32 pc, u32 line                */
    HANDLER_SIZE = 12,              /* u32 start, end, handler         */
    MIN_LOCAL_NAME = MIN_STRING + 2 + 4 + 4,
};

/* ===== writing ============================================================ */

static void put_string(bvm_buf *b, const char *s, uint32_t len)
{
    bvm_buf_u32(b, len);
    bvm_buf_put(b, s, len);
}

static void put_name(bvm_buf *b, const char *name)
{
    put_string(b, name ? name : "", name ? (uint32_t)strlen(name) : 0);
}

/* Start a section; returns where its length field is, for end_section. */
static size_t begin_section(bvm_buf *b, const char *tag)
{
    bvm_buf_put(b, tag, 4);
    size_t length_at = b->len;
    bvm_buf_u32(b, 0); /* patched by end_section */
    return length_at;
}

static void end_section(bvm_buf *b, size_t length_at)
{
    uint32_t len = (uint32_t)(b->len - length_at - 4);
    uint8_t *p = b->data + length_at;
    p[0] = (uint8_t)len;
    p[1] = (uint8_t)(len >> 8);
    p[2] = (uint8_t)(len >> 16);
    p[3] = (uint8_t)(len >> 24);
}

static void write_function(bvm_buf *b, const bvm_function *f)
{
    put_name(b, f->name);
    bvm_buf_u16(b, f->ret_type);
    bvm_buf_u16(b, f->nparams);
    bvm_buf_u16(b, f->nlocals);
    for (uint32_t i = 0; i < f->nlocals; i++)
        bvm_buf_u16(b, f->local_types[i]);
    bvm_buf_u16(b, f->max_stack);
    bvm_buf_u32(b, f->code_len);
    bvm_buf_put(b, f->code, f->code_len);
    bvm_buf_u32(b, f->nlines);
    for (uint32_t i = 0; i < f->nlines; i++) {
        bvm_buf_u32(b, f->lines[i].pc);
        bvm_buf_u32(b, f->lines[i].line);
    }
    bvm_buf_u32(b, f->nhandlers);
    for (uint32_t i = 0; i < f->nhandlers; i++) {
        bvm_buf_u32(b, f->handlers[i].start);
        bvm_buf_u32(b, f->handlers[i].end);
        bvm_buf_u32(b, f->handlers[i].handler);
    }
    bvm_buf_u32(b, f->nlocal_names);
    for (uint32_t i = 0; i < f->nlocal_names; i++) {
        const bvm_local_name *ln = &f->local_names[i];
        put_name(b, ln->name);
        bvm_buf_u16(b, ln->slot);
        bvm_buf_u32(b, ln->start);
        bvm_buf_u32(b, ln->end);
    }
}

static void write_info(bvm_buf *b, const bvm_module *m)
{
    put_name(b, m->source_file); /* "" when there is none */
    bvm_buf_u16(b, m->entry);
    bvm_buf_u16(b, m->init);
}

static void write_types(bvm_buf *b, const bvm_module *m)
{
    uint32_t first_user = BVM_TYPE__FIRST_USER;
    bvm_buf_u32(b, m->ntypes > first_user ? m->ntypes - first_user : 0);
    for (uint32_t i = first_user; i < m->ntypes; i++) {
        bvm_buf_u8(b, m->types[i].kind);
        bvm_buf_u16(b, m->types[i].arg);
    }
}

static void write_constants(bvm_buf *b, const bvm_module *m)
{
    bvm_buf_u32(b, m->nconsts);
    for (uint32_t i = 0; i < m->nconsts; i++) {
        const bvm_const *c = &m->consts[i];
        bvm_buf_u8(b, c->kind);
        switch (c->kind) {
        case BVM_CONST_INT:
            bvm_buf_u64(b, (uint64_t)c->as.i);
            break;
        case BVM_CONST_FLOAT: {
            uint64_t bits;
            memcpy(&bits, &c->as.f, sizeof bits);
            bvm_buf_u64(b, bits);
            break;
        }
        default:
            put_string(b, c->as.s.chars, c->as.s.len);
            break;
        }
    }
}

static void write_records(bvm_buf *b, const bvm_module *m)
{
    bvm_buf_u32(b, m->nrecords);
    for (uint32_t i = 0; i < m->nrecords; i++) {
        const bvm_record *r = &m->records[i];
        put_name(b, r->name);
        bvm_buf_u16(b, r->nfields);
        for (uint32_t j = 0; j < r->nfields; j++) {
            put_name(b, r->fields[j].name);
            bvm_buf_u16(b, r->fields[j].type);
        }
    }
}

static void write_globals(bvm_buf *b, const bvm_module *m)
{
    bvm_buf_u32(b, m->nglobals);
    for (uint32_t i = 0; i < m->nglobals; i++) {
        put_name(b, m->globals[i].name);
        bvm_buf_u16(b, m->globals[i].type);
    }
}

static void write_functions(bvm_buf *b, const bvm_module *m)
{
    bvm_buf_u32(b, m->nfuncs);
    for (uint32_t i = 0; i < m->nfuncs; i++)
        write_function(b, &m->funcs[i]);
}

bool bvm_is_bytecode(const uint8_t *data, size_t len)
{
    return len >= BVM_MAGIC_LEN && memcmp(data, BVM_MAGIC, BVM_MAGIC_LEN) == 0;
}

/* ===== reading: the cursor ================================================ */

typedef struct {
    const uint8_t *data;
    size_t len;            /* of the whole file                            */
    size_t pos;            /* next byte to read                            */
    size_t end;            /* reads stop here: end of the current section  */
    const char *file;
    bvm_diags *diags;
    bool failed;           /* a diagnostic was issued; stop reading        */
    const char *section;   /* tag of the section being read, or NULL       */
    char entry[96];        /* the entry being read ("constant #3"), or ""  */
    const char *func;      /* printable name of the function being read,
                              or NULL: then messages use bvm_diag_file  */
    char func_name[64];    /* storage for func                           */
} reader;

/* Report the first problem, prefixed with where the reader is. */
static void fail(reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(reader *r, const char *fmt, ...)
{
    if (r->failed)
        return;
    r->failed = true;
    va_list ap;
    va_start(ap, fmt);
    char *msg = bvm_vformat(fmt, ap);
    va_end(ap);
    char *where;
    if (!r->section)
        where = bvm_format("offset %zu", r->pos);
    else if (r->entry[0])
        where = bvm_format("section '%s', %s, offset %zu", r->section, r->entry, r->pos);
    else
        where = bvm_format("section '%s', offset %zu", r->section, r->pos);
    if (r->func)
        bvm_diag_code(r->diags, r->file, r->func, -1, "%s: %s", where, msg);
    else
        bvm_diag_file(r->diags, r->file, "%s: %s", where, msg);
    free(where);
    free(msg);
}

static size_t left(const reader *r) { return r->end - r->pos; }

/* Can `n` more bytes of `what` be read?  Reports truncation if not. */
static bool need(reader *r, size_t n, const char *what)
{
    if (r->failed)
        return false;
    if (left(r) >= n)
        return true;
    fail(r, "%s needs %zu bytes but only %zu remain in the section", what, n, left(r));
    return false;
}

/* Fixed-size reads.  On failure they return 0 and set r->failed, so a
 * caller can read a whole entry and check r->failed once at the end. */
static uint8_t get_u8(reader *r, const char *what)
{
    if (!need(r, 1, what))
        return 0;
    return r->data[r->pos++];
}

static uint16_t get_u16(reader *r, const char *what)
{
    if (!need(r, 2, what))
        return 0;
    uint16_t v = bvm_read_u16(r->data + r->pos);
    r->pos += 2;
    return v;
}

static uint32_t get_u32(reader *r, const char *what)
{
    if (!need(r, 4, what))
        return 0;
    uint32_t v = (uint32_t)bvm_read_i32(r->data + r->pos);
    r->pos += 4;
    return v;
}

static uint64_t get_u64(reader *r, const char *what)
{
    uint64_t lo = get_u32(r, what);
    uint64_t hi = get_u32(r, what);
    return lo | hi << 32;
}

/* A count of entries that each take at least `min_size` bytes.  It is
 * rejected, before anything is allocated for it, when it is over `limit`
 * or when that many entries could not fit in the rest of the section. */
static uint32_t get_count(reader *r, bool wide, uint32_t limit, size_t min_size, const char *what)
{
    size_t at = r->pos;
    uint32_t n = wide ? get_u32(r, what) : get_u16(r, what);
    if (r->failed)
        return 0;
    size_t remaining = left(r);
    if (n > limit) {
        r->pos = at; /* report the count's own offset */
        fail(r, "%s %u is over the limit of %u", what, n, limit);
        return 0;
    }
    if (min_size && n > remaining / min_size) {
        r->pos = at;
        fail(r, "%s %u is too large: it needs at least %llu more bytes, only %zu remain in the section", what, n,
             (unsigned long long)n * min_size, remaining);
        return 0;
    }
    return n;
}

/* A string: u32 length and bytes.  Names (everything but string constants)
 * are C strings in memory, so a NUL byte inside one is rejected.  The
 * result is always NUL-terminated; NULL on failure. */
static char *get_string(reader *r, uint32_t *len_out, bool is_name, const char *what)
{
    size_t at = r->pos;
    uint32_t len = get_u32(r, what);
    if (r->failed)
        return NULL;
    if (len > left(r)) {
        size_t remaining = left(r);
        r->pos = at;
        fail(r, "%s length %u overruns the section (%zu bytes remain after the length)", what, len, remaining);
        return NULL;
    }
    const char *bytes = (const char *)r->data + r->pos;
    const char *nul = is_name ? memchr(bytes, '\0', len) : NULL;
    if (nul) {
        fail(r, "%s contains a NUL byte (at offset %zu); names cannot", what, r->pos + (size_t)(nul - bytes));
        return NULL;
    }
    r->pos += len;
    if (len_out)
        *len_out = len;
    return bvm_xstrndup(bytes, len);
}

/* Copy an untrusted name into buf for a message: printable ASCII kept,
 * anything else shown as '?', long names cut short with "...". */
static const char *printable_name(const char *name, char *buf, size_t size)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (n + 4 >= size) {
            memcpy(buf + n, "...", 3);
            n += 3;
            break;
        }
        buf[n++] = (*p >= 0x20 && *p < 0x7f) ? (char)*p : '?';
    }
    buf[n] = '\0';
    return buf;
}

/* Name the entry being read, for messages: "record #2 'Node'". */
static void set_entry(reader *r, const char *kind, uint32_t index, const char *name)
{
    char shown[48];
    if (name)
        snprintf(r->entry, sizeof r->entry, "%s #%u '%s'", kind, index, printable_name(name, shown, sizeof shown));
    else
        snprintf(r->entry, sizeof r->entry, "%s #%u", kind, index);
}

/* ===== reading: sections ================================================== */

/* Show a 4-byte tag found in the file: as text when printable, else hex. */
static void describe_tag(const uint8_t *p, char out[24])
{
    bool printable = true;
    for (int i = 0; i < 4; i++)
        if (p[i] < 0x20 || p[i] >= 0x7f || p[i] == '\'')
            printable = false;
    if (printable)
        snprintf(out, 24, "'%c%c%c%c'", p[0], p[1], p[2], p[3]);
    else
        snprintf(out, 24, "bytes %02x %02x %02x %02x", p[0], p[1], p[2], p[3]);
}

/* Enter the section `tag`, which must come next (`after` names the one
 * before it, for messages); its payload becomes the readable range. */
static bool open_section(reader *r, const char *tag, const char *after)
{
    r->section = NULL;
    r->entry[0] = '\0';
    r->end = r->len;
    if (r->failed)
        return false;
    if (left(r) == 0) {
        fail(r, "truncated file: section '%s' is missing (the file ends here)", tag);
        return false;
    }
    if (left(r) < SECTION_HEADER_SIZE) {
        fail(r, "truncated file: the header of section '%s' needs %d bytes, only %zu remain", tag,
             SECTION_HEADER_SIZE, left(r));
        return false;
    }
    if (memcmp(r->data + r->pos, tag, 4) != 0) {
        char found[24];
        describe_tag(r->data + r->pos, found);
        if (after)
            fail(r, "expected section '%s' after section '%s', found %s", tag, after, found);
        else
            fail(r, "expected section '%s' after the header, found %s", tag, found);
        return false;
    }
    uint32_t len = (uint32_t)bvm_read_i32(r->data + r->pos + 4);
    if (len > left(r) - SECTION_HEADER_SIZE) {
        fail(r, "section '%s' is %u bytes long, but only %zu bytes follow its header (truncated file?)", tag, len,
             left(r) - SECTION_HEADER_SIZE);
        return false;
    }
    r->pos += SECTION_HEADER_SIZE;
    r->end = r->pos + len;
    r->section = tag;
    return true;
}

static void close_section(reader *r)
{
    r->entry[0] = '\0';
    r->func = NULL;
    if (!r->failed && r->pos != r->end)
        fail(r, "%zu bytes left over after the section's last entry (its length field is too large)", left(r));
    r->section = NULL;
    r->end = r->len;
}

static void read_header(reader *r)
{
    if (r->len < BVM_MAGIC_LEN || memcmp(r->data, BVM_MAGIC, BVM_MAGIC_LEN) != 0) {
        char found[40] = "";
        for (size_t i = 0; i < BVM_MAGIC_LEN && i < r->len; i++)
            snprintf(found + 3 * i, sizeof found - 3 * i, " %02x", r->data[i]);
        fail(r, "not a bytecode file: bad magic (expected 7f 56 42 43, found%s)", r->len ? found : " nothing");
        return;
    }
    if (r->len < HEADER_SIZE) {
        fail(r, "truncated file: the header needs %d bytes, the file has %zu", HEADER_SIZE, r->len);
        return;
    }
    uint16_t major = bvm_read_u16(r->data + 4), minor = bvm_read_u16(r->data + 6);
    uint32_t flags = (uint32_t)bvm_read_i32(r->data + 8);
    if (major != BVM_VERSION_MAJOR || minor > BVM_VERSION_MINOR) {
        r->pos = 4;
        fail(r, "unsupported bytecode version %u.%u (this bvm reads version %d.%d)", major, minor,
             BVM_VERSION_MAJOR, BVM_VERSION_MINOR);
        return;
    }
    if (flags != 0) {
        r->pos = 8;
        fail(r, "unsupported header flags 0x%08x (version %d.%d defines none)", flags, BVM_VERSION_MAJOR,
             BVM_VERSION_MINOR);
        return;
    }
    r->pos = HEADER_SIZE;
}

static void read_info(reader *r, bvm_module *m)
{
    char *source = get_string(r, NULL, true, "source file name");
    if (source && source[0] == '\0') { /* the empty name means "none" */
        free(source);
        source = NULL;
    }
    m->source_file = source;
    m->entry = get_u16(r, "entry function");
    m->init = get_u16(r, "initializer function");
}

static void read_types(reader *r, bvm_module *m)
{
    uint32_t n = get_count(r, true, BVM_MAX_TABLE - BVM_TYPE__FIRST_USER, MIN_TYPE, "type count");
    m->types = bvm_xrealloc(m->types, (BVM_TYPE__FIRST_USER + (size_t)n) * sizeof *m->types);
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        uint32_t index = BVM_TYPE__FIRST_USER + i;
        set_entry(r, "type", index, NULL);
        size_t at = r->pos;
        uint8_t kind = get_u8(r, "type kind");
        uint16_t arg = get_u16(r, "type argument");
        if (!r->failed && kind != BVM_TK_ARRAY && kind != BVM_TK_RECORD) {
            r->pos = at;
            fail(r, "kind %u is neither array (%d) nor record (%d); only those types are stored", kind,
                 BVM_TK_ARRAY, BVM_TK_RECORD);
        }
        m->types[index] = (bvm_type){.kind = kind, .arg = arg};
        m->ntypes = index + 1;
    }
}

static void read_constants(reader *r, bvm_module *m)
{
    uint32_t n = get_count(r, true, BVM_MAX_TABLE, MIN_CONST, "constant count");
    m->consts = bvm_xcalloc(n, sizeof *m->consts);
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        set_entry(r, "constant", i, NULL);
        bvm_const *c = &m->consts[i];
        size_t at = r->pos;
        c->kind = get_u8(r, "constant kind");
        switch (c->kind) {
        case BVM_CONST_INT:
            c->as.i = (int64_t)get_u64(r, "int constant");
            break;
        case BVM_CONST_FLOAT: {
            uint64_t bits = get_u64(r, "float constant");
            memcpy(&c->as.f, &bits, sizeof bits);
            break;
        }
        case BVM_CONST_STRING:
            c->as.s.chars = get_string(r, &c->as.s.len, false, "string constant");
            break;
        default:
            if (!r->failed) {
                r->pos = at;
                fail(r, "unknown constant kind %u (0 int, 1 float, 2 string)", c->kind);
            }
            c->kind = BVM_CONST_INT; /* nothing to free */
        }
        if (c->kind == BVM_CONST_STRING && !c->as.s.chars)
            c->kind = BVM_CONST_INT; /* failed: keep the module freeable */
        m->nconsts = i + 1;
    }
}

static void read_records(reader *r, bvm_module *m)
{
    uint32_t n = get_count(r, true, BVM_MAX_TABLE, MIN_RECORD, "record count");
    m->records = bvm_xcalloc(n, sizeof *m->records);
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        bvm_record *rec = &m->records[i];
        m->nrecords = i + 1;
        set_entry(r, "record", i, NULL);
        rec->name = get_string(r, NULL, true, "record name");
        if (r->failed)
            break;
        set_entry(r, "record", i, rec->name);
        uint32_t nfields = get_count(r, false, BVM_MAX_TABLE, MIN_FIELD, "field count");
        rec->fields = bvm_xcalloc(nfields, sizeof *rec->fields);
        rec->nfields = (uint16_t)nfields;
        for (uint32_t j = 0; j < nfields && !r->failed; j++) {
            rec->fields[j].name = get_string(r, NULL, true, "field name");
            rec->fields[j].type = get_u16(r, "field type");
        }
    }
}

static void read_globals(reader *r, bvm_module *m)
{
    uint32_t n = get_count(r, true, BVM_MAX_TABLE, MIN_GLOBAL, "global count");
    m->globals = bvm_xcalloc(n, sizeof *m->globals);
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        m->nglobals = i + 1;
        set_entry(r, "global", i, NULL);
        m->globals[i].name = get_string(r, NULL, true, "global name");
        m->globals[i].type = get_u16(r, "global type");
    }
}

static void read_function(reader *r, bvm_function *f, uint32_t index)
{
    set_entry(r, "function", index, NULL);
    f->name = get_string(r, NULL, true, "function name");
    if (r->failed)
        return;
    /* From here on, diagnostics name the function. */
    r->func = printable_name(f->name, r->func_name, sizeof r->func_name);
    f->ret_type = get_u16(r, "return type");
    f->nparams = get_u16(r, "parameter count");
    size_t at = r->pos;
    f->nlocals = (uint16_t)get_count(r, false, BVM_MAX_TABLE, LOCAL_TYPE_SIZE, "local count");
    if (!r->failed && f->nparams > f->nlocals) {
        r->pos = at;
        fail(r, "%u parameters but only %u locals (the parameters are the first locals)", f->nparams, f->nlocals);
        return;
    }
    f->local_types = bvm_xcalloc(f->nlocals, sizeof *f->local_types);
    for (uint32_t i = 0; i < f->nlocals && !r->failed; i++)
        f->local_types[i] = get_u16(r, "local type");
    f->max_stack = get_u16(r, "max_stack");

    uint32_t code_len = get_count(r, true, UINT32_MAX, 1, "code length");
    if (r->failed)
        return;
    f->code = bvm_xmalloc(code_len);
    memcpy(f->code, r->data + r->pos, code_len);
    f->code_len = code_len;
    r->pos += code_len;

    uint32_t nlines = get_count(r, true, UINT32_MAX, LINE_SIZE, "line table count");
    f->lines = bvm_xcalloc(nlines, sizeof *f->lines);
    f->nlines = nlines;
    for (uint32_t i = 0; i < nlines && !r->failed; i++) {
        f->lines[i].pc = get_u32(r, "line table pc");
        f->lines[i].line = get_u32(r, "line table line");
    }

    uint32_t nhandlers = get_count(r, true, UINT32_MAX, HANDLER_SIZE, "handler count");
    f->handlers = bvm_xcalloc(nhandlers, sizeof *f->handlers);
    f->nhandlers = nhandlers;
    for (uint32_t i = 0; i < nhandlers && !r->failed; i++) {
        f->handlers[i].start = get_u32(r, "handler start");
        f->handlers[i].end = get_u32(r, "handler end");
        f->handlers[i].handler = get_u32(r, "handler target");
    }

    uint32_t nnames = get_count(r, true, UINT32_MAX, MIN_LOCAL_NAME, "local name count");
    f->local_names = bvm_xcalloc(nnames, sizeof *f->local_names);
    f->nlocal_names = nnames;
    for (uint32_t i = 0; i < nnames && !r->failed; i++) {
        bvm_local_name *ln = &f->local_names[i];
        ln->name = get_string(r, NULL, true, "local name");
        ln->slot = get_u16(r, "local name slot");
        ln->start = get_u32(r, "local name start");
        ln->end = get_u32(r, "local name end");
    }
}

static void read_functions(reader *r, bvm_module *m)
{
    uint32_t n = get_count(r, true, BVM_MAX_TABLE, MIN_FUNCTION, "function count");
    m->funcs = bvm_xcalloc(n, sizeof *m->funcs);
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        m->nfuncs = i + 1;
        read_function(r, &m->funcs[i], i);
        r->func = NULL;
    }
}

/* ===== the section table ================================================== */

/* The sections in file order: the one place that order is written down. */
static const struct {
    char tag[5];
    void (*write)(bvm_buf *b, const bvm_module *m);
    void (*read)(reader *r, bvm_module *m);
} sections[] = {
    {"INFO", write_info, read_info},
    {"TYPE", write_types, read_types},
    {"CNST", write_constants, read_constants},
    {"RECD", write_records, read_records},
    {"GLOB", write_globals, read_globals},
    {"FUNC", write_functions, read_functions},
};
#define NSECTIONS (sizeof sections / sizeof sections[0])

void bvm_write_module(const bvm_module *m, bvm_buf *out)
{
    bvm_buf_put(out, BVM_MAGIC, BVM_MAGIC_LEN);
    bvm_buf_u16(out, BVM_VERSION_MAJOR);
    bvm_buf_u16(out, BVM_VERSION_MINOR);
    bvm_buf_u32(out, 0); /* flags: none defined */
    for (size_t i = 0; i < NSECTIONS; i++) {
        size_t length_at = begin_section(out, sections[i].tag);
        sections[i].write(out, m);
        end_section(out, length_at);
    }
}

bvm_module *bvm_read_module(const uint8_t *data, size_t len, const char *file, bvm_diags *diags)
{
    reader r = {.data = data, .len = len, .end = len, .file = file, .diags = diags};
    bvm_module *m = bvm_module_new();
    read_header(&r);
    for (size_t i = 0; i < NSECTIONS && !r.failed; i++)
        if (open_section(&r, sections[i].tag, i ? sections[i - 1].tag : NULL)) {
            sections[i].read(&r, m);
            close_section(&r);
        }
    if (!r.failed && r.pos != r.len)
        fail(&r, "%zu bytes of trailing garbage after the last section", r.len - r.pos);
    if (r.failed) {
        bvm_module_free(m);
        return NULL;
    }
    return m;
}
