/*
 * asm_internal.h -- what the assembler (asm.c) and the disassembler (disasm.c)
 * must agree on, so that `bvm dis` output assembles back to the same module.
 * Private to those two files; the public interface is asm.h.
 *
 * Agreement rules:
 *   - A name (function, record, field, global, slot, debug name) is written
 *     bare when asm_is_plain_name() says so, and otherwise quoted like a
 *     string.  Reserved words are never plain: they mean something else
 *     where a name could stand (`int` a type, `none` no function, `inf` and
 *     `nan` floats).
 *   - A symbolic operand names the FIRST table entry with that name or
 *     value.  The assembler resolves names through the hash map of
 *     support/hashmap.h, whose bvm_map_add keeps the first value stored
 *     under a key; the disassembler writes a symbol only when it is that
 *     first entry, and the raw index (#N) otherwise.
 *   - Float literals are parsed by asm_parse_float on both sides: the
 *     disassembler prints a float symbolically only when asm_parse_float
 *     gives back exactly its bits.
 *   - Strings use the escapes of asm_escape_letter / asm_unescape_letter.
 */
#ifndef BVM_ASM_INTERNAL_H
#define BVM_ASM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashmap.h"

/* Spellings of the built-in types, indexed by type index 0..4. */
extern const char *const asm_builtin_type_names[];

/* Identifiers: [A-Za-z_$][A-Za-z0-9_$@]*  ('$' for compiler-made names such
 * as `$init`, '@' for the slot names the disassembler makes unique). */
static inline bool asm_is_ident_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}
static inline bool asm_is_ident_char(int c) { return asm_is_ident_start(c) || (c >= '0' && c <= '9') || c == '@'; }

/* Is s (len bytes) one of the reserved words? */
bool asm_is_reserved(const char *s, size_t len);

/* May this name be written without quotes? (an identifier, not reserved) */
bool asm_is_plain_name(const char *s, size_t len);

/* The letter after '\' that stands for byte c in a quoted string, or 0 if
 * c is written as itself (printable ASCII) or as \xHH (anything else). */
static inline char asm_escape_letter(unsigned char c)
{
    switch (c) {
    case '\n': return 'n';
    case '\t': return 't';
    case '\r': return 'r';
    case '\0': return '0';
    case '\\': return '\\';
    case '"': return '"';
    default: return 0;
    }
}

/* The byte that escape letter l stands for; -1 if l is not an escape
 * letter ('x' is handled by the caller: two hex digits follow it). */
static inline int asm_unescape_letter(char l)
{
    switch (l) {
    case 'n': return '\n';
    case 't': return '\t';
    case 'r': return '\r';
    case '0': return '\0';
    case '\\': return '\\';
    case '"': return '"';
    case '\'': return '\'';
    default: return -1;
    }
}

/* Parse a float literal: [+-]digits[.digits][e[+-]digits], or [+-]inf,
 * [+-]nan.  Returns false if text is not one or overflows to infinity. */
bool asm_parse_float(const char *text, size_t len, double *out);

#endif
