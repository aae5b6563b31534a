/*
 * builder.c -- building one function (builder.h).
 */
#include <stdlib.h>

#include "builder.h"
#include "bvm_assert.h"
#include "opcodes.h"

uint32_t bvm_builder_new_label(bvm_builder *b)
{
    BVM_PUSH(b->label_pc, b->nlabels, b->labels_cap, BVM_LABEL_UNPLACED);
    return b->nlabels - 1;
}

void bvm_builder_place_label(bvm_builder *b, uint32_t label)
{
    BVM_ASSERT(label < b->nlabels && b->label_pc[label] == BVM_LABEL_UNPLACED);
    b->label_pc[label] = bvm_builder_pc(b);
}

void bvm_builder_use_label(bvm_builder *b, bvm_fixup_kind kind, uint32_t index, uint32_t label, uint32_t tag)
{
    BVM_ASSERT(label < b->nlabels);
    bvm_fixup use = {.kind = (uint8_t)kind, .index = index, .label = label, .tag = tag};
    BVM_PUSH(b->fixups, b->nfixups, b->fixups_cap, use);
}

void bvm_builder_resolve(bvm_builder *b, void (*unplaced)(void *context, const bvm_fixup *use), void *context)
{
    for (uint32_t i = 0; i < b->nfixups; i++) {
        const bvm_fixup *use = &b->fixups[i];
        uint32_t pc = b->label_pc[use->label];
        if (pc == BVM_LABEL_UNPLACED) {
            BVM_ASSERT(unplaced != NULL);
            unplaced(context, use);
            continue;
        }
        BVM_ASSERT(pc <= b->code.len);
        switch ((bvm_fixup_kind)use->kind) {
        case BVM_FIX_JUMP:
            BVM_ASSERT(use->index + 1 + 4 <= b->code.len);
            bvm_write_i32(b->code.data + use->index + 1, (int32_t)((int64_t)pc - use->index));
            break;
        case BVM_FIX_LINE: b->lines[use->index].pc = pc; break;
        case BVM_FIX_HANDLER_START: b->handlers[use->index].start = pc; break;
        case BVM_FIX_HANDLER_END: b->handlers[use->index].end = pc; break;
        case BVM_FIX_HANDLER_TARGET: b->handlers[use->index].handler = pc; break;
        case BVM_FIX_NAME_START: b->names[use->index].start = pc; break;
        case BVM_FIX_NAME_END: b->names[use->index].end = pc; break;
        }
    }
}

void bvm_builder_finish(bvm_builder *b, bvm_function *f)
{
    f->code_len = (uint32_t)b->code.len;
    f->code = b->code.data ? b->code.data : bvm_xmalloc(1);
    f->nlines = b->nlines;
    f->lines = b->lines;
    f->nhandlers = b->nhandlers;
    f->handlers = b->handlers;
    f->nlocal_names = b->nnames;
    f->local_names = b->names;
    free(b->label_pc);
    free(b->fixups);
    *b = (bvm_builder){0};
}

void bvm_builder_free(bvm_builder *b)
{
    bvm_buf_free(&b->code);
    free(b->lines);
    free(b->handlers);
    for (uint32_t i = 0; i < b->nnames; i++)
        free(b->names[i].name);
    free(b->names);
    free(b->label_pc);
    free(b->fixups);
    *b = (bvm_builder){0};
}
