/*
 * ast.h -- the abstract syntax tree of a Vela program, and the arena that
 * holds it.
 *
 * The parser (parser.c) builds the tree; the checker (typecheck.c) resolves
 * names and types and writes its findings into the annotation fields (marked
 * "checker:" below); the code generator (codegen.c) reads both.
 *
 * Memory: every node, list and name of one compilation lives in one arena
 * and is freed at once with bvm_arena_free.  Nothing in the tree is freed on
 * its own, and nothing points outside the arena except token text (into the
 * source buffer, which outlives the compilation).
 *
 * Invariants:
 *   - child pointers are never NULL unless the field says "or NULL";
 *   - every node carries the 1-based line:col of its first token (FIELD and
 *     CALL nodes: of the name; BINARY: of the operator), used in messages
 *     and in the line table;
 *   - an expression's `height` (1 for a leaf) is at most BVM_MAX_EXPR_HEIGHT
 *     and statements nest at most BVM_MAX_NESTING deep, so the recursive
 *     passes over the tree have bounded depth whatever the input;
 *   - after a successful check, every expression's `type` is a type index
 *     of the module being built (or BVM_TYPE_NULL_LITERAL for `null`), every
 *     implicit int->float promotion is an explicit BVM_EXPR_CONVERT node (or
 *     an int literal rewritten into a float literal), and the operands of
 *     arithmetic and comparison operators have one type, except string
 *     concatenation, whose non-string side is converted by codegen;
 *   - the checker rewrites nodes in place (promotions, constant folding), so
 *     after checking a node's kind may differ from what the parser built.
 */
#ifndef BVM_AST_H
#define BVM_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "util.h"

/* ---- shared pieces -------------------------------------------------------- */

typedef struct {
    int line, col;
} bvm_pos;

/* Limits on the shape of the tree (see the invariants above). */
#define BVM_MAX_NESTING 256      /* nested statements, parentheses, calls ... */
#define BVM_MAX_EXPR_HEIGHT 1024 /* operators in one chain, e.g. a+b+c+...   */
#define BVM_MAX_ARRAY_DIMS 255   /* [] in one type                            */

/* Type index the checker gives the `null` literal, beside real indices. */
#define BVM_TYPE_NULL_LITERAL 0xFFFEu

/* A type as written: a base type and a number of [] after it. */
typedef enum {
    BVM_BASE_INT,
    BVM_BASE_FLOAT,
    BVM_BASE_BOOL,
    BVM_BASE_STRING,
    BVM_BASE_VOID,       /* only as a function's return type */
    BVM_BASE_NAMED,      /* a struct name */
} bvm_base_type;

typedef struct {
    bvm_pos pos;
    bvm_base_type base;
    const char *name;    /* BVM_BASE_NAMED: the struct name */
    uint32_t dims;       /* number of [] */
} bvm_type_expr;

/* ---- expressions ---------------------------------------------------------- */

typedef enum {
    BVM_EXPR_INT,        /* as.int_value */
    BVM_EXPR_FLOAT,      /* as.float_value */
    BVM_EXPR_STRING,     /* as.string */
    BVM_EXPR_BOOL,       /* as.bool_value */
    BVM_EXPR_NULL,
    BVM_EXPR_NAME,       /* as.name */
    BVM_EXPR_UNARY,      /* as.unary */
    BVM_EXPR_BINARY,     /* as.binary, including && and || */
    BVM_EXPR_CONDITIONAL,/* as.conditional: c ? a : b */
    BVM_EXPR_CALL,       /* as.call: user function or built-in */
    BVM_EXPR_INDEX,      /* as.index: a[i], s[i] */
    BVM_EXPR_FIELD,      /* as.field: r.f */
    BVM_EXPR_NEW_ARRAY,  /* as.new_array: new T[n]{[]} */
    BVM_EXPR_NEW_STRUCT, /* as.new_struct: new S(...) */
    BVM_EXPR_ARRAY,      /* as.array: [e1, e2, ...] */
    BVM_EXPR_CONVERT,    /* as.convert: int -> float, inserted by the checker */
    BVM_EXPR_ERROR,      /* stands in for an expression that did not parse */
} bvm_expr_kind;

typedef enum { BVM_UNOP_NEG, BVM_UNOP_NOT, BVM_UNOP_BITNOT } bvm_unop;

typedef enum {
    BVM_BINOP_ADD, BVM_BINOP_SUB, BVM_BINOP_MUL, BVM_BINOP_DIV, BVM_BINOP_REM,
    BVM_BINOP_BITAND, BVM_BINOP_BITOR, BVM_BINOP_BITXOR, BVM_BINOP_SHL, BVM_BINOP_SHR,
    BVM_BINOP_EQ, BVM_BINOP_NE, BVM_BINOP_LT, BVM_BINOP_LE, BVM_BINOP_GT, BVM_BINOP_GE,
    BVM_BINOP_AND, BVM_BINOP_OR,
} bvm_binop;

typedef enum {
    BVM_BUILTIN_NONE,    /* a user function */
    BVM_BUILTIN_PRINT,
    BVM_BUILTIN_PRINTF,
    BVM_BUILTIN_LEN,
    BVM_BUILTIN_STR,
    BVM_BUILTIN_INT,
    BVM_BUILTIN_FLOAT,
} bvm_builtin;

/* One piece of a printf format after checking: literal text, or one
 * conversion consuming one argument. */
typedef struct {
    bool is_conversion;
    bvm_bytes text;     /* literal bytes (with %% collapsed), or the spec "%-5.2f" */
    char conv;           /* conversion letter */
    bool plain;          /* spec is just '%' and the letter: no flags, width, precision */
} bvm_format_piece;

typedef struct bvm_expr bvm_expr;

struct bvm_expr {
    bvm_expr_kind kind;
    bvm_pos pos;
    uint16_t height;     /* 1 + the largest child height */
    uint16_t type;       /* checker: type index (see the invariants) */
    union {
        int64_t int_value;
        double float_value;
        bool bool_value;
        bvm_bytes string;
        struct {
            const char *name;
            bool is_global;      /* checker */
            uint16_t index;      /* checker: local slot or global index */
        } name;
        struct {
            bvm_unop op;
            bvm_expr *operand;
        } unary;
        struct {
            bvm_binop op;
            bvm_expr *left, *right;
        } binary;
        struct {
            bvm_expr *cond, *then_value, *else_value;
        } conditional;
        struct {
            const char *name;
            bvm_expr **args;
            uint32_t nargs;
            bvm_builtin builtin;      /* checker */
            uint16_t function;        /* checker: function index, user calls */
            bvm_format_piece *pieces; /* checker: printf only */
            uint32_t npieces;
        } call;
        struct {
            bvm_expr *base, *index;
        } index;
        struct {
            bvm_expr *base;
            const char *name;
            uint16_t record, field;   /* checker */
        } field;
        struct {
            bvm_type_expr elem;       /* element type: new int[n][] has elem int[] */
            bvm_expr *length;
        } new_array;
        struct {
            const char *name;
            bvm_pos name_pos;
            bvm_expr **args;
            uint32_t nargs;
            uint16_t record;          /* checker */
        } new_struct;
        struct {
            bvm_expr **elems;
            uint32_t count;           /* at least 1 */
        } array;
        struct {
            bvm_expr *operand;
        } convert;
    } as;
};

/* ---- statements ----------------------------------------------------------- */

typedef enum {
    BVM_STMT_BLOCK,      /* as.block */
    BVM_STMT_VAR,        /* as.var: local variable declaration */
    BVM_STMT_ASSIGN,     /* as.assign: =, op=, ++, -- */
    BVM_STMT_EXPR,       /* as.expr: a call */
    BVM_STMT_IF,         /* as.if_ */
    BVM_STMT_WHILE,      /* as.loop (no init, no update) */
    BVM_STMT_FOR,        /* as.loop */
    BVM_STMT_BREAK,
    BVM_STMT_CONTINUE,
    BVM_STMT_RETURN,     /* as.ret */
    BVM_STMT_THROW,      /* as.throw_ */
    BVM_STMT_TRY,        /* as.try_ */
} bvm_stmt_kind;

typedef struct bvm_stmt bvm_stmt;

struct bvm_stmt {
    bvm_stmt_kind kind;
    bvm_pos pos;
    bool completes;      /* checker: control can reach the end of it */
    union {
        struct {
            bvm_stmt **stmts;
            uint32_t count;
            bvm_pos end;          /* position of the closing } */
        } block;
        struct {
            bvm_type_expr type;
            const char *name;
            bvm_expr *init;       /* or NULL */
            uint16_t slot;        /* checker */
            uint16_t var_type;    /* checker */
        } var;
        struct {
            bvm_expr *target;     /* NAME, INDEX or FIELD */
            bool compound;        /* false for plain '=' */
            bvm_binop op;         /* compound: the operator (++ is ADD 1) */
            bool incdec;          /* written as ++ or -- */
            bvm_expr *value;      /* ++/--: the int literal 1 */
        } assign;
        struct {
            bvm_expr *call;
        } expr;
        struct {
            bvm_expr *cond;
            bvm_stmt *then_stmt;
            bvm_stmt *else_stmt;  /* or NULL */
        } if_;
        struct {
            bvm_stmt *init;       /* or NULL (always NULL for while) */
            bvm_expr *cond;       /* or NULL: for (;;) */
            bvm_stmt *update;     /* or NULL */
            bvm_stmt *body;
            bool has_break;       /* checker: a break leaves this loop */
            bool has_continue;    /* checker: a continue targets this loop */
        } loop;
        struct {
            bvm_expr *value;      /* or NULL */
        } ret;
        struct {
            bvm_expr *value;
        } throw_;
        struct {
            bvm_stmt *body;       /* a block */
            const char *name;     /* the catch variable */
            bvm_pos name_pos;
            bvm_stmt *handler;    /* a block */
            uint16_t slot;        /* checker: the catch variable's slot */
        } try_;
    } as;
};

/* ---- declarations --------------------------------------------------------- */

/* A field or a parameter. */
typedef struct {
    bvm_type_expr type;
    const char *name;
    bvm_pos pos;
} bvm_typed_name;

typedef enum { BVM_DECL_STRUCT, BVM_DECL_GLOBAL, BVM_DECL_FUNC } bvm_decl_kind;

typedef struct {
    bvm_decl_kind kind;
    bvm_pos pos;             /* of the name */
    const char *name;
    union {
        struct {
            bvm_typed_name *fields;
            uint32_t nfields;
            uint16_t record;          /* checker: record index */
        } struct_;
        struct {
            bvm_type_expr type;
            bvm_expr *init;           /* or NULL */
            uint16_t index;           /* checker: global index */
            uint16_t var_type;        /* checker */
        } global;
        struct {
            bvm_type_expr ret;
            bvm_typed_name *params;
            uint32_t nparams;
            bvm_stmt *body;           /* a block */
            uint16_t index;           /* checker: function index */
            uint16_t nlocals;         /* checker: parameters included */
            uint16_t *local_types;    /* checker: [nlocals], in the arena */
        } func;
    } as;
} bvm_decl;

typedef struct {
    bvm_decl **decls;
    uint32_t count;
} bvm_program;

/* ---- printing (debugging and parser tests) -------------------------------- */

/* S-expressions, e.g. "(+ 1 (* 2 x))", "(if (< i n) (block ...))". */
void bvm_ast_print_expr(const bvm_expr *e, bvm_buf *out);
void bvm_ast_print_stmt(const bvm_stmt *s, bvm_buf *out);
void bvm_ast_print_program(const bvm_program *p, bvm_buf *out);

/* Source spelling of an operator: "+", "&&", "!" ... */
const char *bvm_binop_text(bvm_binop op);
const char *bvm_unop_text(bvm_unop op);

#endif
