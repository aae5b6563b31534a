/*
 * build.h -- a tiny bytecode emitter for unit tests that need exact code:
 * modules are made with module.h's builders and instructions are encoded
 * through the opcode table, so tests never spell out encodings by hand.
 *
 *   bvm_module *m = bvm_module_new();
 *   fn_builder b = fn_begin(m, "main", BVM_TYPE_INT, 0);
 *   emit(&b, BVM_OP_ICONST, 42);
 *   emit(&b, BVM_OP_RETV);
 *   fn_end(&b, 4);                  // max_stack
 *   m->entry = b.index;
 */
#ifndef TEST_BUILD_H
#define TEST_BUILD_H

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "module.h"
#include "opcodes.h"
#include "util.h"

typedef struct {
    bvm_module *m;
    uint16_t index;
    bvm_buf code;
    uint16_t nlocals;
    uint16_t local_types[64];
} fn_builder;

static inline fn_builder fn_begin(bvm_module *m, const char *name, uint16_t ret, uint16_t nparams, ...)
{
    fn_builder b = {.m = m};
    b.index = bvm_module_add_function(m, name);
    m->funcs[b.index].ret_type = ret;
    m->funcs[b.index].nparams = nparams;
    va_list ap;
    va_start(ap, nparams);
    for (uint16_t i = 0; i < nparams; i++)
        b.local_types[b.nlocals++] = (uint16_t)va_arg(ap, int);
    va_end(ap);
    return b;
}

/* Declare one more (non-parameter) local; returns its slot. */
static inline uint16_t fn_local(fn_builder *b, uint16_t type)
{
    b->local_types[b->nlocals] = type;
    return b->nlocals++;
}

/* Current pc (for jump targets and handler ranges). */
static inline uint32_t fn_pc(const fn_builder *b) { return (uint32_t)b->code.len; }

/* Emit one instruction; operands follow the opcode's format. Jump operands
 * are given as absolute target pcs and converted to offsets here. */
static inline uint32_t emit(fn_builder *b, int op, ...)
{
    uint32_t pc = fn_pc(b);
    bvm_buf_u8(&b->code, (uint8_t)op);
    va_list ap;
    va_start(ap, op);
    switch (bvm_op(op)->format) {
    case BVM_FMT_NONE: break;
    case BVM_FMT_U8: bvm_buf_u8(&b->code, (uint8_t)va_arg(ap, int)); break;
    case BVM_FMT_I32: bvm_buf_u32(&b->code, (uint32_t)va_arg(ap, int)); break;
    case BVM_FMT_LOCAL_I32:
        bvm_buf_u16(&b->code, (uint16_t)va_arg(ap, int));
        bvm_buf_u32(&b->code, (uint32_t)va_arg(ap, int));
        break;
    case BVM_FMT_FIELD:
        bvm_buf_u16(&b->code, (uint16_t)va_arg(ap, int));
        bvm_buf_u16(&b->code, (uint16_t)va_arg(ap, int));
        break;
    case BVM_FMT_JUMP: bvm_buf_u32(&b->code, (uint32_t)(va_arg(ap, int) - (int)pc)); break;
    default: bvm_buf_u16(&b->code, (uint16_t)va_arg(ap, int)); break;
    }
    va_end(ap);
    return pc;
}

/* Patch the jump at `at` to land on `target`. */
static inline void patch_jump(fn_builder *b, uint32_t at, uint32_t target)
{
    bvm_write_i32(b->code.data + at + 1, (int32_t)(target - at));
}

static inline void fn_line(fn_builder *b, uint32_t line)
{
    bvm_function *f = &b->m->funcs[b->index];
    f->lines = bvm_xrealloc(f->lines, (f->nlines + 1) * sizeof *f->lines);
    f->lines[f->nlines++] = (bvm_line){.pc = fn_pc(b), .line = line};
}

static inline void fn_handler(fn_builder *b, uint32_t start, uint32_t end, uint32_t handler)
{
    bvm_function *f = &b->m->funcs[b->index];
    f->handlers = bvm_xrealloc(f->handlers, (f->nhandlers + 1) * sizeof *f->handlers);
    f->handlers[f->nhandlers++] = (bvm_handler){start, end, handler};
}

static inline void fn_end(fn_builder *b, uint16_t max_stack)
{
    bvm_function *f = &b->m->funcs[b->index];
    f->nlocals = b->nlocals;
    f->local_types = bvm_xmalloc((b->nlocals ? b->nlocals : 1) * sizeof(uint16_t));
    memcpy(f->local_types, b->local_types, b->nlocals * sizeof(uint16_t));
    f->max_stack = max_stack;
    f->code = b->code.data;
    f->code_len = (uint32_t)b->code.len;
    b->code = (bvm_buf){0};
}

#endif
