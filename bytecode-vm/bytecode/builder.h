/*
 * builder.h -- building one function: its code and its tables, with labels
 * that may be used before they are placed.  The code generator
 * (front/codegen.c) and the assembler (asm.c) both build functions with it.
 *
 *   bvm_builder b = {0};
 *   uint32_t loop = bvm_builder_new_label(&b);
 *   bvm_builder_place_label(&b, loop);            // the label is here
 *   ... bvm_buf_u8(&b.code, op) ...               // code goes into b.code
 *   bvm_builder_use_label(&b, BVM_FIX_JUMP, jump_pc, loop, 0);
 *   bvm_builder_resolve(&b, NULL, NULL);          // every use gets its pc
 *   bvm_builder_finish(&b, function);             // the function owns it all
 *
 * A use of a label (a fixup) is wherever a pc is wanted before it is known:
 * a jump's operand, a line-table entry's pc, a handler's range or target, a
 * local name's range.  The caller fills the tables (lines, handlers, names)
 * directly, growing them with BVM_PUSH; the builder owns them until finish.
 *
 * Invariants: a label is placed at most once, at a pc within the code
 * (label_pc[i] == BVM_LABEL_UNPLACED until then); a JUMP fixup's index is
 * the pc of an instruction whose 32-bit offset operand follows its opcode;
 * any other fixup's index is an entry of the table its kind names.
 */
#ifndef BVM_BUILDER_H
#define BVM_BUILDER_H

#include <stdbool.h>
#include <stdint.h>

#include "module.h"
#include "util.h"

#define BVM_LABEL_UNPLACED UINT32_MAX

typedef enum {
    BVM_FIX_JUMP,            /* index: the jump's pc; its offset becomes label - pc */
    BVM_FIX_LINE,            /* index: a line-table entry; its pc                */
    BVM_FIX_HANDLER_START,   /* index: a handler; its start, end or target      */
    BVM_FIX_HANDLER_END,
    BVM_FIX_HANDLER_TARGET,
    BVM_FIX_NAME_START,      /* index: a local name; the start or end of its range */
    BVM_FIX_NAME_END,
} bvm_fixup_kind;

typedef struct {
    uint8_t kind;            /* bvm_fixup_kind                                    */
    uint32_t index;
    uint32_t label;
    uint32_t tag;            /* the caller's own: where the use was written      */
} bvm_fixup;

typedef struct {
    bvm_buf code;
    bvm_line *lines;
    uint32_t nlines, lines_cap;
    bvm_handler *handlers;
    uint32_t nhandlers, handlers_cap;
    bvm_local_name *names;
    uint32_t nnames, names_cap;
    uint32_t *label_pc;      /* [nlabels]: where each label is, or BVM_LABEL_UNPLACED */
    uint32_t nlabels, labels_cap;
    bvm_fixup *fixups;
    uint32_t nfixups, fixups_cap;
} bvm_builder;

/* The pc the next instruction will have. */
static inline uint32_t bvm_builder_pc(const bvm_builder *b) { return (uint32_t)b->code.len; }

uint32_t bvm_builder_new_label(bvm_builder *b);
/* Places the label at the current pc. */
void bvm_builder_place_label(bvm_builder *b, uint32_t label);
/* Records a use of the label, resolved by bvm_builder_resolve. */
void bvm_builder_use_label(bvm_builder *b, bvm_fixup_kind kind, uint32_t index, uint32_t label, uint32_t tag);

/* Gives every use its label's pc.  A use of a label that was never placed
 * is left as it is and reported to unplaced(context, fixup), in the order
 * of the uses; unplaced may be NULL when every label is placed. */
void bvm_builder_resolve(bvm_builder *b, void (*unplaced)(void *context, const bvm_fixup *use), void *context);

/* Moves the code and the tables into f, which owns them from now on, and
 * frees the rest; b is empty (zeroed) after.  f's other fields (types,
 * max_stack, ...) are the caller's. */
void bvm_builder_finish(bvm_builder *b, bvm_function *f);

/* Frees everything (a function that will not be finished). */
void bvm_builder_free(bvm_builder *b);

#endif
