// matmul.java -- float matrix multiplication.  Twin of matmul.c: the same
// IEEE operations in the same order, so the same bits.
// Prints "matmul(440) = -15079264777".
final class matmul {
    static final int SIZE = 440;

    static double[][] generate(int n, double seed) {
        double[][] m = new double[n][n];
        double scale = seed / n / n;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                m[i][j] = scale * (i - j) * (i + j);
        return m;
    }

    static double[][] multiply(double[][] a, double[][] b, int n) {
        double[][] bt = new double[n][n]; // b transposed
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                bt[j][i] = b[i][j];
        double[][] c = new double[n][n];
        for (int i = 0; i < n; i++) {
            double[] ai = a[i];
            for (int j = 0; j < n; j++) {
                double[] btj = bt[j];
                double sum = 0.0;
                for (int k = 0; k < n; k++) sum += ai[k] * btj[k];
                c[i][j] = sum;
            }
        }
        return c;
    }

    public static void main(String[] args) {
        double[][] c = multiply(generate(SIZE, 1.0), generate(SIZE, 2.0), SIZE);
        double total = 0.0;
        for (int i = 0; i < SIZE; i++)
            for (int j = 0; j < SIZE; j++)
                total += c[i][j];
        System.out.println("matmul(" + SIZE + ") = " + (long) (total * 1000.0));
    }
}
