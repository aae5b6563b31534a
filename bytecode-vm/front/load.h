/*
 * load.h -- turning a file named on the command line into a verified
 * module, whatever it holds: bytecode (told by its magic, or a .vbc
 * name), assembly (a .vasm file) or Vela source (anything else).
 *
 * Every path ends in bvm_verify_module: nothing reaches the interpreter
 * unverified.
 */
#ifndef BVM_LOAD_H
#define BVM_LOAD_H

#include <stdbool.h>

#include "diag.h"
#include "module.h"

typedef enum { BVM_INPUT_SOURCE, BVM_INPUT_ASSEMBLY, BVM_INPUT_BYTECODE } bvm_input_kind;

/* Load and verify; NULL with diagnostics on any error.  *kind (optional)
 * tells what the file was. */
bvm_module *bvm_load_file(const char *path, bvm_diags *diags, bvm_input_kind *kind);

/* The same, without the verifier (for `bvm dis` of a broken file). */
bvm_module *bvm_load_file_unverified(const char *path, bvm_diags *diags, bvm_input_kind *kind);

#endif
