// sieve.java -- the sieve of Eratosthenes, 20 passes over a fresh array
// each.  Twin of sieve.c.  Prints "sieve(1000000) = 1569960".
final class sieve {
    static final int SIZE = 1000000, PASSES = 20;

    static long countPrimes(int n) {
        boolean[] composite = new boolean[n + 1];
        long count = 0;
        for (int i = 2; i <= n; i++) {
            if (!composite[i]) {
                count++;
                for (long j = (long) i * i; j <= n; j += i) composite[(int) j] = true;
            }
        }
        return count;
    }

    public static void main(String[] args) {
        long total = 0;
        for (int pass = 0; pass < PASSES; pass++) total += countPrimes(SIZE);
        System.out.println("sieve(" + SIZE + ") = " + total);
    }
}
