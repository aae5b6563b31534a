// trees.java -- binary trees (Benchmarks Game style).  Twin of trees.c; the
// garbage collector reclaims the dropped trees.  Prints "trees(15) = 6444382".
final class trees {
    static final int SIZE = 15, MIN_DEPTH = 4;

    static final class Tree {
        final Tree left, right;

        Tree(Tree left, Tree right) {
            this.left = left;
            this.right = right;
        }
    }

    static Tree make(int depth) {
        if (depth == 0) return new Tree(null, null);
        Tree left = make(depth - 1);
        return new Tree(left, make(depth - 1));
    }

    static long check(Tree t) {
        if (t.left == null) return 1;
        return 1 + check(t.left) + check(t.right);
    }

    public static void main(String[] args) {
        long total = check(make(SIZE + 1));
        Tree longLived = make(SIZE);
        for (int d = MIN_DEPTH; d <= SIZE; d += 2) {
            long iterations = 1L << (SIZE - d + MIN_DEPTH);
            for (long i = 0; i < iterations; i++) total += check(make(d));
        }
        total += check(longLived);
        System.out.println("trees(" + SIZE + ") = " + total);
    }
}
