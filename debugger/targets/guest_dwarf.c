/*
 * guest_dwarf.c -- opening a guest's ELF with libdwfl, and the tables
 * vdb's lookups run on: symbols, line rows, source files, functions; the
 * unwinder (guest_dwarf.h).  Variables and values are guest_values.c's.
 *
 * At open, everything that lookups need is read once into sorted arrays:
 * the ELF symbol table (functions, objects and the labels of assembly
 * code, which is what lab 6's modes.S has), the line table of every
 * compilation unit (dwarf_getsrclines), each DW_TAG_subprogram's range.
 * Lookups are then binary searches, and never allocate.
 *
 * Unwinding is libdwfl's: dwfl_attach_state with callbacks that hand it
 * the innermost frame's registers and read the guest's memory, then
 * dwfl_getthread_frames, which applies the CFI (.debug_frame here: the
 * guest kernel has no unwind tables) frame by frame.  Where it stops
 * before the chain ends -- code without CFI, such as an assembly stub --
 * the rbp chain takes over: [rbp] is the caller's rbp, [rbp + 8] the
 * return address, while both stay inside the stack and go up.
 */
#include "guest_dwarf_internal.h"
#include "symbol_map.h"

#include <dwarf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_UNWIND 256

/* ==== growing arrays ========================================================= */

static bool grow(void **array, size_t *capacity, size_t count, size_t item)
{
    if (count < *capacity)
        return true;
    size_t bigger = *capacity ? *capacity * 2 : 64;
    void *p = realloc(*array, bigger * item);
    if (!p)
        return false;
    *array = p;
    *capacity = bigger;
    return true;
}

/* How many of a sorted array's n items (each `size` bytes, with a 64-bit
 * key at `offset`) have a key at or below address: the index after the
 * last of them. */
static size_t count_at_or_below(const void *items, size_t n, size_t size, size_t offset, uint64_t address)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t key;
        memcpy(&key, (const char *)items + mid * size + offset, sizeof key);
        if (key <= address)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void guest_dwarf_top_dies(const guest_dwarf *g, bool (*visit)(void *context, Dwarf_Die *die, Dwarf_Addr bias),
                          void *context)
{
    if (!g->module)
        return;  /* a System.map: no DWARF units */
    Dwarf_Die *cu = NULL;
    Dwarf_Addr bias;
    while ((cu = dwfl_module_nextcu(g->module, cu, &bias)) != NULL) {
        Dwarf_Die die;
        if (dwarf_child(cu, &die) != 0)
            continue;
        do {
            if (!visit(context, &die, bias))
                return;
        } while (dwarf_siblingof(&die, &die) == 0);
    }
}

/* ==== symbols ================================================================ */

int guest_symbol_by_address(const void *a, const void *b)
{
    const struct guest_symbol *x = a, *y = b;
    if (x->address != y->address)
        return x->address < y->address ? -1 : 1;
    return (int)y->function - (int)x->function;  /* at one address, functions first */
}

static bool read_symbols(guest_dwarf *g)
{
    int n = dwfl_module_getsymtab(g->module);
    size_t capacity = 0;
    for (int i = 1; i < n; i++) {
        GElf_Sym sym;
        GElf_Addr address;
        GElf_Word shndx;
        const char *name = dwfl_module_getsym_info(g->module, i, &sym, &address, &shndx, NULL, NULL);
        int type = GELF_ST_TYPE(sym.st_info);
        if (!name || !name[0] || sym.st_shndx == SHN_UNDEF || sym.st_shndx == SHN_ABS)
            continue;
        if (type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE)
            continue;
        if (name[0] == '.' || strncmp(name, "__", 2) == 0 || strchr(name, '$'))
            continue;  /* local assembler labels, linker-script symbols */
        if (!grow((void **)&g->symbols, &capacity, g->nsymbols, sizeof *g->symbols))
            return false;
        GElf_Addr bias;
        Elf *elf = dwfl_module_getelf(g->module, &bias);
        GElf_Shdr shdr;
        Elf_Scn *scn = elf ? elf_getscn(elf, shndx) : NULL;
        bool has_section = scn && gelf_getshdr(scn, &shdr);
        bool code = has_section && (shdr.sh_flags & SHF_EXECINSTR);
        uint64_t section_end = has_section && (shdr.sh_flags & SHF_ALLOC) ? shdr.sh_addr + shdr.sh_size : 0;
        g->symbols[g->nsymbols++] = (struct guest_symbol){
            .name = name, .address = address, .size = sym.st_size, .section_end = section_end,
            .function = type == STT_FUNC, .code = code || type == STT_FUNC,
        };
    }
    if (g->nsymbols)
        qsort(g->symbols, g->nsymbols, sizeof *g->symbols, guest_symbol_by_address);
    return true;
}

/* The last symbol at or before address (functions preferred at a tie). */
static const struct guest_symbol *symbol_before(const guest_dwarf *g, uint64_t address)
{
    size_t lo = count_at_or_below(g->symbols, g->nsymbols, sizeof *g->symbols,
                                  offsetof(struct guest_symbol, address), address);
    if (lo == 0)
        return NULL;
    const struct guest_symbol *s = &g->symbols[lo - 1];
    while (s > g->symbols && s[-1].address == s->address)
        s--;  /* the first of a tie: a function if one is there */
    return s;
}

/* ==== source files and line rows ============================================= */

static uint32_t file_index(guest_dwarf *g, const char *source, const char *comp_dir, size_t *capacity)
{
    for (size_t i = 0; i < g->nfiles; i++)
        if (strcmp(g->files[i].path, source) == 0 || strcmp(g->files[i].name, source) == 0)
            return (uint32_t)i;
    if (!grow((void **)&g->files, capacity, g->nfiles, sizeof *g->files))
        return UINT32_MAX;
    /* The name as the DWARF gives it, relative to the comp dir where it
     * is inside; the path to open: the absolute one if it is there, else
     * the relative name (from vdb's folder: the same tree elsewhere, as in
     * the sandbox), else the absolute one (which `list` reports as
     * unreadable). */
    size_t dir = comp_dir ? strlen(comp_dir) : 0;
    const char *name = source;
    if (dir && strncmp(source, comp_dir, dir) == 0 && source[dir] == '/')
        name = source + dir + 1;
    char *absolute = NULL;
    if (source[0] != '/' && comp_dir) {
        if (asprintf(&absolute, "%s/%s", comp_dir, source) < 0)
            absolute = NULL;
    } else {
        absolute = strdup(source);
    }
    struct guest_file *f = &g->files[g->nfiles];
    f->name = strdup(name);
    if (absolute && access(absolute, R_OK) != 0 && access(name, R_OK) == 0) {
        f->path = strdup(name);
        free(absolute);
    } else {
        f->path = absolute ? absolute : strdup(source);
    }
    if (!f->name || !f->path) {
        free(f->name);
        free(f->path);
        return UINT32_MAX;
    }
    return (uint32_t)g->nfiles++;
}

static int by_start(const void *a, const void *b)
{
    const struct guest_row *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

static bool read_lines(guest_dwarf *g)
{
    size_t row_capacity = 0, file_capacity = 0;
    Dwarf_Die *cu = NULL;
    Dwarf_Addr bias;
    while ((cu = dwfl_module_nextcu(g->module, cu, &bias)) != NULL) {
        Dwarf_Lines *lines;
        size_t count;
        if (dwarf_getsrclines(cu, &lines, &count) != 0)
            continue;  /* a unit without a line table */
        Dwarf_Attribute attr;
        const char *comp_dir = dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &attr));
        for (size_t i = 0; i + 1 < count; i++) {
            Dwarf_Line *line = dwarf_onesrcline(lines, i), *next = dwarf_onesrcline(lines, i + 1);
            bool end_sequence = false;
            Dwarf_Addr start, end;
            int number = 0;
            if (!line || !next || dwarf_lineendsequence(line, &end_sequence) != 0 || end_sequence ||
                dwarf_lineaddr(line, &start) != 0 || dwarf_lineaddr(next, &end) != 0 ||
                dwarf_lineno(line, &number) != 0 || end < start)
                continue;
            const char *source = dwarf_linesrc(line, NULL, NULL);
            if (!source)
                continue;
            uint32_t file = file_index(g, source, comp_dir, &file_capacity);
            if (file == UINT32_MAX)
                return false;
            bool statement = true;
            dwarf_linebeginstatement(line, &statement);
            if (!grow((void **)&g->rows, &row_capacity, g->nrows, sizeof *g->rows))
                return false;
            g->rows[g->nrows++] = (struct guest_row){
                .start = start + bias, .end = end + bias, .line = (uint32_t)number, .file = file,
                .statement = statement,
            };
        }
    }
    if (g->nrows)
        qsort(g->rows, g->nrows, sizeof *g->rows, by_start);
    return true;
}

/* The row that covers address: of the rows that start at or before it and
 * end after it, the last (an empty row at one address yields to the one
 * that holds code). */
static const struct guest_row *row_at(const guest_dwarf *g, uint64_t address)
{
    size_t lo = count_at_or_below(g->rows, g->nrows, sizeof *g->rows, offsetof(struct guest_row, start), address);
    for (size_t i = lo; i-- > 0;) {
        const struct guest_row *r = &g->rows[i];
        if (address >= r->start && address < r->end)
            return r;
        if (lo - i > 8)
            break;  /* rows do not overlap by more than a few */
    }
    return NULL;
}

/* ==== functions ============================================================== */

static int by_low(const void *a, const void *b)
{
    const struct guest_function_entry *x = a, *y = b;
    return x->f.low < y->f.low ? -1 : x->f.low > y->f.low;
}

/* Whether the unit of a DIE was compiled with optimization: gcc records
 * its flags in DW_AT_producer ("GNU C11 12.2.0 ... -g -O2 ..."), the last
 * -O winning and none meaning -O0.  -O, -O1 .. -O3, -Os, -Og, -Ofast. */
static bool compiled_optimized(const guest_dwarf *g, Dwarf_Off die_offset)
{
    Dwarf_Die die, unit;
    Dwarf_Attribute attribute;
    if (!dwarf_offdie(g->dwarf, die_offset, &die) || !dwarf_diecu(&die, &unit, NULL, NULL))
        return false;
    const char *producer = dwarf_formstring(dwarf_attr(&unit, DW_AT_producer, &attribute));
    bool optimized = false;
    for (const char *p = producer ? strstr(producer, " -O") : NULL; p; p = strstr(p + 1, " -O"))
        optimized = p[3] != '0';
    return optimized;
}

/* Where a function's body starts, where `break NAME` stops.  Unoptimized
 * code: the first statement row after its first address (gcc's prologue
 * ends where the line of the first statement begins), or the first
 * address when there is none.  Optimized code: the first address itself,
 * as gdb does where the variables have location lists -- the prologue is
 * mixed with the body there, and the row after the first may well be a
 * branch not taken (kernel_main's first such row is its failure path). */
static uint64_t body_of(const guest_dwarf *g, const struct guest_function_entry *e)
{
    uint64_t low = e->f.low, high = e->f.high;
    if (!e->die || compiled_optimized(g, e->die))
        return low;
    const struct guest_row *first = row_at(g, low);
    for (size_t i = 0; i < g->nrows; i++) {
        const struct guest_row *r = &g->rows[i];
        if (r->start > low && r->start < high && r->statement && r->line != 0 && r->start < r->end &&
            (!first || r->line != first->line || r->file != first->file))
            return r->start;
        if (r->start >= high)
            break;
    }
    return low;
}

static bool add_function(guest_dwarf *g, size_t *capacity, const char *name, uint64_t low, uint64_t high,
                         Dwarf_Off die)
{
    if (!grow((void **)&g->functions, capacity, g->nfunctions, sizeof *g->functions))
        return false;
    g->functions[g->nfunctions++] = (struct guest_function_entry){
        .f = { .name = name, .low = low, .high = high, .body = low }, .die = die,
    };
    return true;
}

typedef struct {
    guest_dwarf *g;
    size_t capacity;
    bool ok;
} function_reader;

static bool read_subprogram(void *context, Dwarf_Die *die, Dwarf_Addr bias)
{
    function_reader *r = context;
    Dwarf_Addr low, high;
    const char *name = dwarf_diename(die);
    if (dwarf_tag(die) != DW_TAG_subprogram || !name || dwarf_lowpc(die, &low) != 0 ||
        dwarf_highpc(die, &high) != 0 || high <= low)
        return true;
    r->ok = add_function(r->g, &r->capacity, name, low + bias, high + bias, dwarf_dieoffset(die));
    return r->ok;
}

static bool read_functions(guest_dwarf *g)
{
    function_reader reader = { g, 0, true };
    guest_dwarf_top_dies(g, read_subprogram, &reader);
    if (!reader.ok)
        return false;
    size_t capacity = reader.capacity;
    /* Functions the DWARF does not describe (assembly): from the symbol
     * table, a FUNC symbol's size, or up to the next symbol. */
    for (size_t i = 0; i < g->nsymbols; i++) {
        const struct guest_symbol *s = &g->symbols[i];
        if (!s->code)
            continue;
        bool known = false;
        for (size_t k = 0; k < g->nfunctions && !known; k++)
            known = g->functions[k].die && s->address >= g->functions[k].f.low && s->address < g->functions[k].f.high;
        if (known)
            continue;
        uint64_t end = s->size ? s->address + s->size : 0;
        for (size_t k = i + 1; !end && k < g->nsymbols; k++)
            if (g->symbols[k].address > s->address)
                end = g->symbols[k].address;
        if (!s->size && s->section_end && (!end || end > s->section_end))
            end = s->section_end;  /* a label ends with its section (one past it, such as _edata: nothing) */
        if (end > s->address && !add_function(g, &capacity, s->name, s->address, end, 0))
            return false;
    }
    if (g->nfunctions)
        qsort(g->functions, g->nfunctions, sizeof *g->functions, by_low);
    for (size_t i = 0; i < g->nfunctions; i++) {
        guest_function *f = &g->functions[i].f;
        f->body = body_of(g, &g->functions[i]);
        const struct guest_row *r = row_at(g, f->low);
        f->has_lines = r != NULL && r->line != 0;
    }
    return true;
}

const struct guest_function_entry *guest_dwarf_function_entry(const guest_dwarf *g, uint64_t address)
{
    size_t lo = count_at_or_below(g->functions, g->nfunctions, sizeof *g->functions,
                                  offsetof(struct guest_function_entry, f.low), address);
    /* The innermost (the latest-starting) range that holds it. */
    for (size_t i = lo; i-- > 0;)
        if (address >= g->functions[i].f.low && address < g->functions[i].f.high)
            return &g->functions[i];
    return NULL;
}

/* ==== completion names ======================================================= */

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

bool guest_dwarf_read_completions(guest_dwarf *g)
{
    size_t capacity = 0;
    for (size_t i = 0; i < g->nfunctions; i++) {
        if (!grow((void **)&g->completions, &capacity, g->ncompletions, sizeof *g->completions))
            return false;
        g->completions[g->ncompletions++] = g->functions[i].f.name;
    }
    for (size_t i = 0; i < g->nsymbols; i++) {
        if (!grow((void **)&g->completions, &capacity, g->ncompletions, sizeof *g->completions))
            return false;
        g->completions[g->ncompletions++] = g->symbols[i].name;
    }
    if (!g->ncompletions)
        return true;
    qsort(g->completions, g->ncompletions, sizeof *g->completions, by_name);
    size_t kept = 1;
    for (size_t i = 1; i < g->ncompletions; i++)
        if (strcmp(g->completions[i], g->completions[kept - 1]) != 0)
            g->completions[kept++] = g->completions[i];
    g->ncompletions = kept;
    return true;
}

/* ==== a damaged file ========================================================= */

/* Whether [offset, offset + size) lies inside a file of file_size bytes. */
static bool inside_file(uint64_t offset, uint64_t size, uint64_t file_size)
{
    return offset <= file_size && size <= file_size - offset;
}

/* A section's name for a message: ".debug_info", or "section 7" where the
 * names cannot be read. */
static void section_label(Elf *elf, size_t index, const GElf_Shdr *shdr, bool names, char *out, size_t size)
{
    size_t shstrndx;
    const char *name = names && elf_getshdrstrndx(elf, &shstrndx) == 0 ? elf_strptr(elf, shstrndx, shdr->sh_name)
                                                                         : NULL;
    if (name && name[0])
        snprintf(out, size, "section %s", name);
    else
        snprintf(out, size, "section %zu", index);
}

/* What is wrong with the file, if anything: its headers, program headers
 * and sections must lie inside it (a truncated or overwritten file reads
 * as an ELF with nothing in it, so libdwfl alone would give no symbols and
 * no reason).  0, or -1 with err set. */
static int check_elf(const char *path, char *err, size_t err_size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, err_size, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    uint64_t file_size = (uint64_t)st.st_size;
    elf_version(EV_CURRENT);
    Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
    GElf_Ehdr ehdr;
    int rc = -1;
    if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &ehdr)) {
        snprintf(err, err_size, "%s: libelf cannot read its ELF header: %s", path, elf_errmsg(-1));
        goto done;
    }
    uint64_t phsize = ehdr.e_phnum ? (uint64_t)ehdr.e_phnum * ehdr.e_phentsize : 0;
    if (phsize && !inside_file(ehdr.e_phoff, phsize, file_size)) {
        snprintf(err, err_size,
                 "%s: the program header table (offset 0x%" PRIx64 ", %u x %u bytes) runs past the end of the file "
                 "(%" PRIu64 " bytes)", path, (uint64_t)ehdr.e_phoff, ehdr.e_phnum, ehdr.e_phentsize, file_size);
        goto done;
    }
    for (unsigned i = 0; i < ehdr.e_phnum; i++) {
        GElf_Phdr phdr;
        if (!gelf_getphdr(elf, (int)i, &phdr)) {
            snprintf(err, err_size, "%s: libelf cannot read program header %u: %s", path, i, elf_errmsg(-1));
            goto done;
        }
        if (phdr.p_type == PT_LOAD && !inside_file(phdr.p_offset, phdr.p_filesz, file_size)) {
            snprintf(err, err_size,
                     "%s: program header %u (PT_LOAD: offset 0x%" PRIx64 ", 0x%" PRIx64 " bytes) runs past the end "
                     "of the file (%" PRIu64 " bytes)", path, i, (uint64_t)phdr.p_offset, (uint64_t)phdr.p_filesz,
                     file_size);
            goto done;
        }
    }
    size_t nsections = 0;
    if (ehdr.e_shoff != 0) {
        /* e_shnum 0 with e_shoff set: the count is in section 0 (libelf reads it) */
        uint64_t first = ehdr.e_shentsize ? ehdr.e_shentsize : 1;
        if (!inside_file(ehdr.e_shoff, ehdr.e_shnum ? (uint64_t)ehdr.e_shnum * ehdr.e_shentsize : first, file_size)) {
            snprintf(err, err_size,
                     "%s: the section header table (offset 0x%" PRIx64 ", %u x %u bytes) runs past the end of the file "
                     "(%" PRIu64 " bytes)", path, (uint64_t)ehdr.e_shoff, ehdr.e_shnum, ehdr.e_shentsize, file_size);
            goto done;
        }
        if (elf_getshdrnum(elf, &nsections) != 0) {
            snprintf(err, err_size, "%s: libelf cannot count its sections: %s", path, elf_errmsg(-1));
            goto done;
        }
        if (!inside_file(ehdr.e_shoff, (uint64_t)nsections * ehdr.e_shentsize, file_size)) {
            snprintf(err, err_size,
                     "%s: the section header table (offset 0x%" PRIx64 ", %zu x %u bytes) runs past the end of the file "
                     "(%" PRIu64 " bytes)", path, (uint64_t)ehdr.e_shoff, nsections, ehdr.e_shentsize, file_size);
            goto done;
        }
    }
    /* The section names first: every other message uses them. */
    size_t shstrndx = 0;
    bool names = false;
    if (nsections) {
        GElf_Shdr strings;
        Elf_Scn *scn = elf_getshdrstrndx(elf, &shstrndx) == 0 ? elf_getscn(elf, shstrndx) : NULL;
        names = scn && gelf_getshdr(scn, &strings) && strings.sh_type == SHT_STRTAB &&
                inside_file(strings.sh_offset, strings.sh_size, file_size);
    }
    for (size_t i = 1; i < nsections; i++) {
        GElf_Shdr shdr;
        Elf_Scn *scn = elf_getscn(elf, i);
        if (!scn || !gelf_getshdr(scn, &shdr)) {
            snprintf(err, err_size, "%s: libelf cannot read section header %zu: %s", path, i, elf_errmsg(-1));
            goto done;
        }
        if (shdr.sh_type == SHT_NOBITS || shdr.sh_type == SHT_NULL)
            continue;
        if (!inside_file(shdr.sh_offset, shdr.sh_size, file_size)) {
            char label[96];
            section_label(elf, i, &shdr, names && i != shstrndx, label, sizeof label);
            snprintf(err, err_size,
                     "%s: %s (offset 0x%" PRIx64 ", 0x%" PRIx64 " bytes) runs past the end of the file (%" PRIu64
                     " bytes)", path, label, (uint64_t)shdr.sh_offset, (uint64_t)shdr.sh_size, file_size);
            goto done;
        }
        if ((shdr.sh_type == SHT_SYMTAB || shdr.sh_type == SHT_DYNSYM) &&
            (shdr.sh_entsize == 0 || shdr.sh_link == 0 || shdr.sh_link >= nsections)) {
            char label[96];
            section_label(elf, i, &shdr, names, label, sizeof label);
            snprintf(err, err_size, "%s: %s: a symbol table %s", path, label,
                     shdr.sh_entsize == 0 ? "with entries of 0 bytes" : "without its string table");
            goto done;
        }
    }
    rc = 0;
done:
    if (elf)
        elf_end(elf);
    close(fd);
    return rc;
}

/* Whether the ELF has a section of this type (and name, unless NULL). */
static bool has_section(Elf *elf, GElf_Word type, const char *name)
{
    size_t shstrndx;
    if (elf_getshdrstrndx(elf, &shstrndx) != 0)
        return false;
    for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
        GElf_Shdr shdr;
        const char *n;
        if (gelf_getshdr(scn, &shdr) && shdr.sh_type == type &&
            (!name || ((n = elf_strptr(elf, shstrndx, shdr.sh_name)) && strcmp(n, name) == 0)))
            return true;
    }
    return false;
}

/* What libdwfl and libdw cannot read of a file whose sections are all
 * there: a symbol table it has, its DWARF, a unit of .debug_info or its
 * line table (an overwritten section).  0, or -1 with err set. */
static int read_damage(guest_dwarf *g, Elf *elf, const char *path, char *err, size_t err_size)
{
    if (has_section(elf, SHT_SYMTAB, NULL) && dwfl_module_getsymtab(g->module) < 0) {
        snprintf(err, err_size, "%s: its symbol table (.symtab) cannot be read: %s", path, dwfl_errmsg(-1));
        return -1;
    }
    if (!g->dwarf) {
        if (has_section(elf, SHT_PROGBITS, ".debug_info")) {
            snprintf(err, err_size, "%s: its DWARF (.debug_info) cannot be read: %s", path, dwfl_errmsg(-1));
            return -1;
        }
        return 0;
    }
    Dwarf_Off offset = 0, next;
    size_t header_size;
    int rc;
    while ((rc = dwarf_nextcu(g->dwarf, offset, &next, &header_size, NULL, NULL, NULL)) == 0) {
        Dwarf_Die cu;
        Dwarf_Attribute attribute;
        Dwarf_Lines *lines;
        size_t count;
        if (!dwarf_offdie(g->dwarf, offset + header_size, &cu)) {
            snprintf(err, err_size, "%s: section .debug_info: the unit at offset 0x%" PRIx64 " cannot be read: %s",
                     path, (uint64_t)offset, dwarf_errmsg(-1));
            return -1;
        }
        if (dwarf_attr(&cu, DW_AT_stmt_list, &attribute) && dwarf_getsrclines(&cu, &lines, &count) != 0) {
            snprintf(err, err_size,
                     "%s: section .debug_line: the line table of the unit at offset 0x%" PRIx64 " cannot be read: %s",
                     path, (uint64_t)offset, dwarf_errmsg(-1));
            return -1;
        }
        offset = next;
    }
    if (rc < 0) {
        snprintf(err, err_size, "%s: section .debug_info: the unit at offset 0x%" PRIx64 " cannot be read: %s", path,
                 (uint64_t)offset, dwarf_errmsg(-1));
        return -1;
    }
    return 0;
}

/* ==== opening ================================================================ */

static const Dwfl_Callbacks offline_callbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
};

guest_dwarf *guest_dwarf_open(const char *path, char *err, size_t err_size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, err_size, "%s: %s", path, strerror(errno));
        return NULL;
    }
    unsigned char magic[4] = { 0 };
    ssize_t got = read(fd, magic, sizeof magic);
    close(fd);
    if (got != 4 || memcmp(magic, "\177ELF", 4) != 0) {
        if (symbol_map_detect(path))
            return guest_dwarf_open_map(path, err, err_size);
        snprintf(err, err_size, "%s is no ELF file, nor a System.map (lines of ADDRESS TYPE NAME)", path);
        return NULL;
    }
    if (check_elf(path, err, err_size) != 0)
        return NULL;
    guest_dwarf *g = calloc(1, sizeof *g);
    if (!g) {
        snprintf(err, err_size, "out of memory reading %s", path);
        return NULL;
    }
    g->dwfl = dwfl_begin(&offline_callbacks);
    if (!g->dwfl) {
        snprintf(err, err_size, "libdwfl: %s", dwfl_errmsg(-1));
        free(g);
        return NULL;
    }
    dwfl_report_begin(g->dwfl);
    g->module = dwfl_report_offline(g->dwfl, "guest", path, -1);
    if (!g->module || dwfl_report_end(g->dwfl, NULL, NULL) != 0) {
        snprintf(err, err_size, "%s: libdwfl cannot read it: %s", path, dwfl_errmsg(-1));
        guest_dwarf_close(g);
        return NULL;
    }
    GElf_Addr elf_bias;
    Elf *elf = dwfl_module_getelf(g->module, &elf_bias);
    GElf_Ehdr ehdr;
    if (!elf || !gelf_getehdr(elf, &ehdr)) {
        snprintf(err, err_size, "%s: libelf cannot read its header: %s", path, dwfl_errmsg(-1));
        guest_dwarf_close(g);
        return NULL;
    }
    g->x86_64 = ehdr.e_ident[EI_CLASS] == ELFCLASS64 && ehdr.e_machine == EM_X86_64;
    g->dwarf = dwfl_module_getdwarf(g->module, &g->bias);  /* NULL: no DWARF, symbols only */
    if (read_damage(g, elf, path, err, err_size) != 0) {
        guest_dwarf_close(g);
        return NULL;
    }
    g->cfi = dwfl_module_dwarf_cfi(g->module, &g->cfi_bias);
    if (!g->cfi)
        g->cfi = dwfl_module_eh_cfi(g->module, &g->cfi_bias);
    if (!read_symbols(g) || (g->dwarf && !read_lines(g)) || !read_functions(g) || !guest_dwarf_read_completions(g)) {
        snprintf(err, err_size, "out of memory reading %s", path);
        guest_dwarf_close(g);
        return NULL;
    }
    return g;
}

void guest_dwarf_close(guest_dwarf *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->nfiles; i++) {
        free(g->files[i].name);
        free(g->files[i].path);
    }
    free(g->files);
    free(g->rows);
    free(g->symbols);
    free(g->functions);
    free(g->completions);
    free(g->map_text);
    if (g->dwfl)
        dwfl_end(g->dwfl);
    free(g);
}

bool guest_dwarf_has_lines(const guest_dwarf *g) { return g->nrows > 0; }
bool guest_dwarf_is_x86_64(const guest_dwarf *g) { return g->x86_64; }
bool guest_dwarf_has_cfi(const guest_dwarf *g) { return g->cfi != NULL; }
size_t guest_dwarf_symbol_count(const guest_dwarf *g) { return g->nsymbols; }

bool guest_dwarf_has_info(const guest_dwarf *g)
{
    for (size_t i = 0; i < g->nfunctions; i++)
        if (g->functions[i].die)
            return true;
    return false;
}

/* ==== symbols ================================================================ */

bool guest_dwarf_symbol_address(const guest_dwarf *g, const char *name, uint64_t *address)
{
    for (size_t i = 0; i < g->nfunctions; i++)
        if (strcmp(g->functions[i].f.name, name) == 0) {
            *address = g->functions[i].f.low;
            return true;
        }
    for (size_t i = 0; i < g->nsymbols; i++)
        if (strcmp(g->symbols[i].name, name) == 0) {
            *address = g->symbols[i].address;
            return true;
        }
    return false;
}

bool guest_dwarf_symbolize(const guest_dwarf *g, uint64_t address, char *out, size_t size)
{
    const struct guest_function_entry *f = guest_dwarf_function_entry(g, address);
    const struct guest_symbol *s = symbol_before(g, address);
    const char *name = NULL;
    uint64_t base = 0;
    if (f) {
        name = f->f.name;
        base = f->f.low;
    }
    /* A symbol inside the function (an assembly label) says more; one
     * names only what it holds: a sized symbol its bytes, an unsized one
     * (a label, the linker's _edata) the rest of its section -- never an
     * address far past it (gdb's "No symbol matches"). */
    bool holds = s && (address == s->address || (s->size ? address < s->address + s->size
                                                           : address < s->section_end));
    if (s && holds && (!f || s->address > base)) {
        name = s->name;
        base = s->address;
    }
    if (!name) {
        snprintf(out, size, "0x%" PRIx64, address);
        return false;
    }
    if (address == base)
        snprintf(out, size, "%s", name);
    else
        snprintf(out, size, "%s+%" PRIu64, name, address - base);
    return true;
}

const char *guest_dwarf_completion(const guest_dwarf *g, size_t i)
{
    return i < g->ncompletions ? g->completions[i] : NULL;
}

/* ==== lines ================================================================== */

bool guest_dwarf_line(const guest_dwarf *g, uint64_t address, guest_line *out)
{
    const struct guest_row *r = row_at(g, address);
    if (!r || r->line == 0)
        return false;
    *out = (guest_line){ .path = g->files[r->file].path, .name = g->files[r->file].name, .line = r->line,
                         .start = r->start, .end = r->end };
    return true;
}

bool guest_dwarf_line_starts(const guest_dwarf *g, uint64_t address)
{
    const struct guest_row *r = row_at(g, address);
    return r && r->start == address && r->statement && r->line != 0;
}

/* Whether a file's name is FILE, or ends in "/FILE". */
static bool file_matches(const struct guest_file *f, const char *file)
{
    size_t n = strlen(f->name), k = strlen(file);
    if (strcmp(f->name, file) == 0 || strcmp(f->path, file) == 0)
        return true;
    return k < n && f->name[n - k - 1] == '/' && strcmp(f->name + n - k, file) == 0;
}

int guest_dwarf_find_line(const guest_dwarf *g, const char *file, uint32_t line, uint64_t *address,
                          uint32_t *found, char *err, size_t err_size)
{
    bool any_file = false;
    uint32_t best_line = 0;
    uint64_t best_address = 0;
    for (size_t i = 0; i < g->nrows; i++) {
        const struct guest_row *r = &g->rows[i];
        if (!file_matches(&g->files[r->file], file))
            continue;
        any_file = true;
        if (!r->statement || r->line < line || r->line == 0)
            continue;
        /* The lowest line at or after the one asked for; of its rows, the
         * lowest address. */
        if (best_line == 0 || r->line < best_line || (r->line == best_line && r->start < best_address)) {
            best_line = r->line;
            best_address = r->start;
        }
    }
    if (!any_file) {
        snprintf(err, err_size, "no source file named %s", file);
        return -1;
    }
    if (best_line == 0) {
        snprintf(err, err_size, "%s has no code at line %u or after it", file, line);
        return -1;
    }
    *address = best_address;
    *found = best_line;
    return 0;
}

/* ==== functions ============================================================== */

bool guest_dwarf_function(const guest_dwarf *g, uint64_t address, guest_function *out)
{
    const struct guest_function_entry *f = guest_dwarf_function_entry(g, address);
    if (!f)
        return false;
    *out = f->f;
    return true;
}

bool guest_dwarf_function_named(const guest_dwarf *g, const char *name, guest_function *out)
{
    for (size_t pass = 0; pass < 2; pass++)  /* DWARF's first, then the symbol table's */
        for (size_t i = 0; i < g->nfunctions; i++)
            if ((pass == 0) == (g->functions[i].die != 0) && strcmp(g->functions[i].f.name, name) == 0) {
                *out = g->functions[i].f;
                return true;
            }
    return false;
}

/* ==== the CFA ================================================================ */

/* The value of a CFA expression (libdw gives the rule as one: usually
 * DW_OP_bregN OFFSET) over a frame's registers. */
static bool cfa_expression(const Dwarf_Op *ops, size_t n, const guest_frame *frame, uint64_t *cfa)
{
    if (n == 1 && ops[0].atom >= DW_OP_breg0 && ops[0].atom <= DW_OP_breg16) {
        unsigned reg = ops[0].atom - DW_OP_breg0;
        if (!(frame->known & (1u << reg)))
            return false;
        *cfa = frame->regs[reg] + (uint64_t)(int64_t)ops[0].number;
        return true;
    }
    if (n == 1 && ops[0].atom == DW_OP_bregx && ops[0].number < GUEST_REGS) {
        if (!(frame->known & (1u << ops[0].number)))
            return false;
        *cfa = frame->regs[ops[0].number] + (uint64_t)(int64_t)ops[0].number2;
        return true;
    }
    return false;
}

bool guest_dwarf_cfa(const guest_dwarf *g, const guest_frame *frame, uint64_t *cfa)
{
    if (g->cfi && g->x86_64) {
        Dwarf_Frame *f = NULL;
        if (dwarf_cfi_addrframe(g->cfi, frame->pc - g->cfi_bias, &f) == 0) {
            Dwarf_Op *ops;
            size_t n;
            bool ok = dwarf_frame_cfa(f, &ops, &n) == 0 && cfa_expression(ops, n, frame, cfa);
            free(f);
            if (ok)
                return true;
        }
    }
    if (frame->known & (1u << GUEST_REG_RBP)) {
        *cfa = frame->regs[GUEST_REG_RBP] + 16;  /* push rbp; mov rbp, rsp */
        return true;
    }
    return false;
}

/* ==== unwinding ============================================================== */

static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
    if (*thread_argp)
        return 0;  /* one thread: the vCPU */
    *thread_argp = arg;
    return 1;
}

static bool read_word(Dwfl *dwfl, Dwarf_Addr address, Dwarf_Word *result, void *arg)
{
    guest_dwarf *g = arg;
    uint64_t word;
    char err[128];
    if (!g->unwind_access || g->unwind_access->read(g->unwind_access->context, address, &word, sizeof word,
                                                    err, sizeof err) != 0)
        return false;
    *result = word;
    return true;
}

static bool set_initial_registers(Dwfl_Thread *thread, void *arg)
{
    guest_dwarf *g = arg;
    Dwarf_Word regs[GUEST_REGS];
    for (int i = 0; i < GUEST_REGS; i++)
        regs[i] = g->unwind_from->regs[i];
    return dwfl_thread_state_registers(thread, 0, GUEST_REGS, regs);
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
    .next_thread = next_thread,
    .memory_read = read_word,
    .set_initial_registers = set_initial_registers,
};

static int take_frame(Dwfl_Frame *state, void *arg)
{
    guest_dwarf *g = arg;
    if (g->unwind_count >= g->unwind_max)
        return DWARF_CB_ABORT;
    Dwarf_Addr pc;
    bool activation = false;
    if (!dwfl_frame_pc(state, &pc, &activation))
        return DWARF_CB_ABORT;
    guest_frame *f = &g->unwind_frames[g->unwind_count];
    *f = (guest_frame){ .pc = pc };
    if (g->unwind_count == 0) {
        *f = *g->unwind_from;
    } else {
        if (pc == 0)
            return DWARF_CB_ABORT;  /* the end of the chain */
        f->return_address = pc;
        for (int r = 0; r < GUEST_REGS; r++) {
            Dwarf_Word value;
            if (dwfl_frame_reg(state, (unsigned)r, &value) == 0) {
                f->regs[r] = value;
                f->known |= 1u << r;
            }
        }
        f->regs[GUEST_REG_RIP] = pc;
        f->known |= 1u << GUEST_REG_RIP;
    }
    g->unwind_count++;
    return DWARF_CB_OK;
}

/* Whether the CFI at pc describes a signal frame (.cfi_signal_frame, the
 * 'S' augmentation): a trap or interrupt handler's entry, whose caller is
 * the interrupted code. */
static bool signal_frame_at(const guest_dwarf *g, uint64_t pc)
{
    Dwarf_Frame *f = NULL;
    if (!g->cfi || !g->x86_64 || dwarf_cfi_addrframe(g->cfi, pc - g->cfi_bias, &f) != 0)
        return false;
    bool signal = false;
    dwarf_frame_info(f, NULL, NULL, &signal);
    free(f);
    return signal;
}

/* One frame further by the rbp chain, from frame `from`: false at its end. */
static bool unwind_by_rbp(const guest_access *access, const guest_frame *from, guest_frame *to)
{
    if (!(from->known & (1u << GUEST_REG_RBP)))
        return false;
    uint64_t rbp = from->regs[GUEST_REG_RBP], words[2];
    char err[128];
    uint64_t sp = from->known & (1u << GUEST_REG_RSP) ? from->regs[GUEST_REG_RSP] : 0;
    if (rbp == 0 || rbp % 8 != 0 || rbp < sp ||
        access->read(access->context, rbp, words, sizeof words, err, sizeof err) != 0)
        return false;
    if (words[1] == 0 || (words[0] != 0 && words[0] <= rbp))
        return false;  /* no return address, or a chain that does not go up the stack */
    *to = (guest_frame){ .pc = words[1], .return_address = words[1], .by_frame_pointer = true };
    to->regs[GUEST_REG_RBP] = words[0];
    to->regs[GUEST_REG_RSP] = rbp + 16;
    to->regs[GUEST_REG_RIP] = words[1];
    to->known = 1u << GUEST_REG_RBP | 1u << GUEST_REG_RSP | 1u << GUEST_REG_RIP;
    return true;
}

size_t guest_dwarf_unwind(guest_dwarf *g, const guest_frame *innermost, const guest_access *access,
                          guest_find_call find_call, void *find_context, guest_frame *frames, size_t max)
{
    if (max == 0)
        return 0;
    if (max > MAX_UNWIND)
        max = MAX_UNWIND;
    g->unwind_from = innermost;
    g->unwind_access = access;
    g->unwind_frames = frames;
    g->unwind_count = 0;
    g->unwind_max = max;
    if (g->x86_64 && g->cfi) {
        if (!g->attached)
            g->attached = dwfl_attach_state(g->dwfl, NULL, 1, &thread_callbacks, g);
        if (g->attached)
            dwfl_getthread_frames(g->dwfl, 1, take_frame, g);  /* an error at the end is the end */
    }
    if (g->unwind_count == 0)
        frames[g->unwind_count++] = *innermost;
    /* Where the CFI left off (a frame it could not step out of), the rbp
     * chain, if it goes on from the last frame the CFI found. */
    while (g->unwind_count < max) {
        guest_frame *last = &frames[g->unwind_count - 1];
        const struct guest_function_entry *f = guest_dwarf_function_entry(g, last->pc);
        if (f && f->die && !last->by_frame_pointer && g->unwind_count > 1)
            break;  /* the CFI stopped in a function that has it: the end (kernel_main's caller) */
        guest_frame next;
        if (!unwind_by_rbp(access, last, &next))
            break;
        frames[g->unwind_count++] = next;
    }
    /* Outer frames: from the return address to the call in progress --
     * except the frame an interrupt or exception stopped, which the CFI of
     * the frame inside it marks a signal frame: its pc is the interrupted
     * instruction itself. */
    for (size_t i = 1; i < g->unwind_count; i++) {
        guest_frame *f = &frames[i];
        if (!f->by_frame_pointer && signal_frame_at(g, frames[i - 1].pc)) {
            f->interrupted = true;
            continue;
        }
        const struct guest_function_entry *fn = guest_dwarf_function_entry(g, f->return_address - 1);
        uint64_t call = fn && find_call ? find_call(find_context, fn->f.low, f->return_address) : 0;
        f->pc = call ? call : f->return_address - 1;
    }
    g->unwind_access = NULL;
    g->unwind_from = NULL;
    return g->unwind_count;
}
