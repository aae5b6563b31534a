/*
 * printf_spec.h -- one printf conversion spec, parsed in one place:
 *
 *     %[flags][width][.precision]conversion
 *
 * flags: each of - + space 0 # at most once; width and precision: decimal,
 * at most BVM_PRINTF_MAX_FIELD; conversion: d i x X o c (an int), f e E g G
 * (a float), b (a bool), s (a string: any value, which the code generator
 * turns into one).  Vela's printf formats (front/typecheck.c), the sfmt
 * instruction's constant (verify.c) and the formatting itself
 * (runtime/value_text.c) all go through bvm_printf_parse, so the compiler,
 * the verifier and the runtime agree on what a spec is and how large it
 * may be.
 */
#ifndef BVM_PRINTF_SPEC_H
#define BVM_PRINTF_SPEC_H

#include <stddef.h>
#include <stdint.h>

#define BVM_PRINTF_MAX_FIELD 999   /* the largest width or precision      */
#define BVM_PRINTF_FLAGS "-+ 0#"

typedef enum {
    BVM_SPEC_OK,
    BVM_SPEC_REPEATED_FLAG,        /* `bad` is the flag; length ends the flags */
    BVM_SPEC_WIDTH_TOO_LARGE,      /* the digits are text[field_at, length)    */
    BVM_SPEC_PRECISION_TOO_LARGE,
    BVM_SPEC_UNFINISHED,           /* the text ends before the conversion      */
    BVM_SPEC_UNKNOWN_CONVERSION,   /* `bad` is the byte, at text[length]       */
} bvm_spec_status;

typedef struct {
    char flags[sizeof BVM_PRINTF_FLAGS]; /* the flags given, in order, NUL-terminated */
    int width;                     /* 0 when none                              */
    int precision;                 /* -1 when none                             */
    char conversion;
    uint32_t length;               /* OK: bytes from '%' through the conversion;
                                      an error: where it was found           */
    uint32_t field_at;             /* a field too large: where its digits start */
    char bad;                      /* the repeated flag, or the unknown byte    */
} bvm_printf_spec;

/* Parses the spec at text (len bytes, text[0] == '%'), which may go on
 * after it: spec->length says where it ends. */
bvm_spec_status bvm_printf_parse(const char *text, size_t len, bvm_printf_spec *spec);

/* The type a conversion letter formats: BVM_TYPE_INT, _FLOAT, _BOOL or
 * _STRING (module.h) for a conversion bvm_printf_parse accepted. */
uint16_t bvm_printf_conversion_type(char conversion);

#endif
