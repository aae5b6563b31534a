// fib.java -- recursive Fibonacci: the cost of a call and a return.
// Twin of fib.c.  Prints "fib(36) = 14930352".
// (Class names are lower case so that each file is NAME.java like its twins.)
final class fib {
    static final int SIZE = 36;

    static long fib(long n) {
        if (n < 2) return n;
        return fib(n - 1) + fib(n - 2);
    }

    public static void main(String[] args) {
        System.out.println("fib(" + SIZE + ") = " + fib(SIZE));
    }
}
