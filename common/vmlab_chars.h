/*
 * vmlab_chars.h -- the character classes the parsers share: Vela's lexer
 * and the assembler (bvm), vdb's command parser and its GDB server, the
 * hypervisor adapter's addresses.  One definition, so a hex digit is the
 * same thing everywhere.
 */
#ifndef VMLAB_CHARS_H
#define VMLAB_CHARS_H

/* The value of c as a digit of base 16 (0-9, a-f, A-F), or -1.  Callers
 * of a smaller base compare the result with the base. */
static inline int vmlab_digit_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
