/*
 * trees.c -- binary trees in the style of the Computer Language Benchmarks
 * Game: allocation of many small, short-lived records, and one long-lived
 * tree that stays reachable throughout.
 *
 * With max depth SIZE: one "stretch" tree of depth SIZE+1 is built, checked
 * and dropped; a long-lived tree of depth SIZE is built; then for each depth
 * d = 4, 6, ..., SIZE, 2^(SIZE-d+4) trees of depth d are built, checked and
 * dropped; finally the long-lived tree is checked.  check() counts the
 * nodes, and the result is the sum of all the counts.  A leaf is a node
 * whose children are both null.  C frees each tree when it is dropped; the
 * other languages leave it to their garbage collectors.
 * Result line: "trees(15) = 6444382".
 */
#include "workload.h"

#define TREES_SIZE 15
#define TREES_MIN_DEPTH 4

typedef struct Tree Tree;
struct Tree {
    Tree *left;
    Tree *right;
};

static Tree *tree_new(Tree *left, Tree *right)
{
    Tree *t = wl_alloc(sizeof *t);
    t->left = left;
    t->right = right;
    return t;
}

static Tree *tree_make(long long depth)
{
    if (depth == 0)
        return tree_new(0, 0);
    Tree *left = tree_make(depth - 1); /* left first, as in every language */
    return tree_new(left, tree_make(depth - 1));
}

static long long tree_check(const Tree *t)
{
    if (t->left == 0)
        return 1;
    return 1 + tree_check(t->left) + tree_check(t->right);
}

static void tree_free(Tree *t)
{
    if (t->left != 0) {
        tree_free(t->left);
        tree_free(t->right);
    }
    wl_free(t);
}

/* Build a tree of the given depth, check it, drop it. */
static long long tree_check_temporary(long long depth)
{
    Tree *t = tree_make(depth);
    long long count = tree_check(t);
    tree_free(t);
    return count;
}

long long workload_trees(long long max_depth)
{
    long long total = tree_check_temporary(max_depth + 1);
    Tree *long_lived = tree_make(max_depth);
    for (long long d = TREES_MIN_DEPTH; d <= max_depth; d += 2) {
        long long iterations = 1LL << (max_depth - d + TREES_MIN_DEPTH);
        for (long long i = 0; i < iterations; i++)
            total += tree_check_temporary(d);
    }
    total += tree_check(long_lived);
    tree_free(long_lived);
    return total;
}

const wl_workload wl_trees = { "trees", TREES_SIZE, workload_trees };

#ifndef WORKLOAD_NO_MAIN
#include "native.h"
int main(void)
{
    return wl_native_main(&wl_trees);
}
#endif
