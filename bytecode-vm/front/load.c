/*
 * load.c -- from a file name to a (verified) module; see load.h.
 */
#include "load.h"

#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "bcfile.h"
#include "compiler.h"
#include "util.h"
#include "verify.h"

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

bvm_module *bvm_load_file_unverified(const char *path, bvm_diags *diags, bvm_input_kind *kind)
{
    uint8_t *data;
    size_t len;
    const char *why;
    if (!bvm_read_file(path, &data, &len, &why)) {
        bvm_diag_file(diags, path, "cannot read file: %s", why);
        return NULL;
    }
    bvm_module *m;
    bvm_input_kind k;
    /* The magic decides; a .vbc file whose magic is damaged still goes to
     * the reader, which says so in one line instead of the lexer's flood. */
    if (bvm_is_bytecode(data, len) || has_suffix(path, ".vbc")) {
        k = BVM_INPUT_BYTECODE;
        m = bvm_read_module(data, len, path, diags);
    } else if (has_suffix(path, ".vasm")) {
        k = BVM_INPUT_ASSEMBLY;
        m = bvm_assemble((const char *)data, len, path, diags);
    } else {
        k = BVM_INPUT_SOURCE;
        m = bvm_compile((const char *)data, len, path, diags);
    }
    free(data);
    if (kind)
        *kind = k;
    return m;
}

bvm_module *bvm_load_file(const char *path, bvm_diags *diags, bvm_input_kind *kind)
{
    bvm_module *m = bvm_load_file_unverified(path, diags, kind);
    if (m && !bvm_verify_module(m, path, diags)) {
        bvm_module_free(m);
        return NULL;
    }
    return m;
}
