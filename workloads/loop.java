// loop.java -- a tight arithmetic loop: the cost of dispatching simple
// instructions.  Twin of loop.c.  Prints "loop(80000000) = 39959772570".
final class loop {
    static final long SIZE = 80000000;

    static long loop(long n) {
        long x = 1, sum = 0;
        for (long i = 1; i <= n; i++) {
            x = (x * 48271 + i) % 2147483647;
            sum += x % 1000;
        }
        return sum;
    }

    public static void main(String[] args) {
        System.out.println("loop(" + SIZE + ") = " + loop(SIZE));
    }
}
