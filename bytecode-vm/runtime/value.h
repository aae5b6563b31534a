/*
 * value.h -- run-time values and managed objects.
 *
 * A value is one untagged 64-bit slot.  The verifier has proved which type
 * every slot holds at every pc, so nothing here carries a type tag:
 *
 *   int     i    (64-bit two's complement)
 *   float   f    (IEEE 754 double)
 *   bool    i    (0 or 1)
 *   string, array, record   ref (pointer to a bvm_obj, or NULL for null)
 *
 * Managed objects all begin with an 8-byte bvm_obj header.  The collector
 * (heap.c) finds them by walking its pages and its large-object list; which
 * of their slots are references follows from the header alone (string:
 * none; array: elem_is_ref; record: the record layout's reference map).
 */
#ifndef BVM_VALUE_H
#define BVM_VALUE_H

#include <stdint.h>

typedef struct bvm_obj bvm_obj;

typedef union {
    int64_t i;
    double f;
    bvm_obj *ref;
} bvm_value;

_Static_assert(sizeof(bvm_value) == 8, "a value is one 64-bit slot");

typedef enum {
    BVM_OBJ_STRING,
    BVM_OBJ_ARRAY,
    BVM_OBJ_RECORD,
    BVM_OBJ_FREE = 0xFF,    /* a free cell of the allocator, not an object    */
} bvm_obj_kind;

struct bvm_obj {
    uint8_t kind;           /* bvm_obj_kind                                   */
    uint8_t marked;         /* reached in the current collection              */
    uint8_t pinned;         /* never freed (constant-pool strings)            */
    uint8_t elem_is_ref;    /* ARRAY: elements are references to trace        */
    uint32_t aux;           /* ARRAY: element type; RECORD: record index      */
};

typedef struct {
    bvm_obj obj;
    int64_t length;         /* bytes, excluding the terminating NUL           */
    char chars[];           /* length bytes + NUL (for C interop only)        */
} bvm_string;

typedef struct {
    bvm_obj obj;
    int64_t length;
    bvm_value items[];
} bvm_array;

typedef struct {
    bvm_obj obj;
    bvm_value fields[];
} bvm_record_obj;

#define BVM_AS_STRING(o) ((bvm_string *)(o))
#define BVM_AS_ARRAY(o) ((bvm_array *)(o))
#define BVM_AS_RECORD(o) ((bvm_record_obj *)(o))

#endif
