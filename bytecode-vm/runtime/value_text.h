/*
 * value_text.h -- values as text: what str(), print, string concatenation
 * of non-strings, sfmt and the debugger show (value_text.c).
 *
 * One function, bvm_value_to_text, decides how every type prints; a text
 * is built in a caller's buffer and never longer than the caller allows,
 * so a huge array cannot exhaust memory on its way to the heap limit.
 */
#ifndef BVM_VALUE_TEXT_H
#define BVM_VALUE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"
#include "value.h"

typedef struct bvm_vm bvm_vm;

/* Append the str() text of a value of static type `type` to out.  Returns
 * false, leaving a partial text, once more than max_len bytes would be
 * appended (the rest is not produced). */
bool bvm_value_to_text(const bvm_vm *vm, uint16_t type, bvm_value v, bvm_buf *out, size_t max_len);
/* Format v with one printf conversion spec, which the verifier has checked
 * is well-formed and fits v's type.  Appends to out. */
void bvm_format_spec(const bvm_string *spec, bvm_value v, bvm_buf *out);
/* Shortest round-trip text of a double, always with '.', 'e', inf or nan. */
void bvm_float_to_text(double f, bvm_buf *out);

#endif
