package org.scans.method;

/**
 * The arithmetic of SCANS.md §4–§5 on captured hidden states, in double: running sums that become
 * the refusal direction and the reference transition vector.
 */
public final class VectorMath {
    private VectorMath() {}

    /** Σ of vectors, accumulated in double. */
    public static final class Sum {
        private final double[] sum;
        private int count;

        public Sum(int dim) {
            this.sum = new double[dim];
        }

        public void add(float[] v) {
            for (int i = 0; i < sum.length; i++) sum[i] += v[i];
            count++;
        }

        /** Adds {@code a − b}. */
        public void addDifference(float[] a, float[] b) {
            for (int i = 0; i < sum.length; i++) sum[i] += (double) a[i] - b[i];
            count++;
        }

        public int count() {
            return count;
        }

        public double[] mean() {
            if (count == 0) throw new IllegalStateException("mean of nothing");
            double[] m = new double[sum.length];
            for (int i = 0; i < m.length; i++) m[i] = sum[i] / count;
            return m;
        }
    }

    /** {@code u = a − b}. */
    public static double[] difference(double[] a, double[] b) {
        double[] u = new double[a.length];
        for (int i = 0; i < u.length; i++) u[i] = a[i] - b[i];
        return u;
    }

    public static double norm(double[] u) {
        double s = 0;
        for (double x : u) s += x * x;
        return Math.sqrt(s);
    }

    /** {@code u / ‖u‖} in float (a zero vector stays zero rather than becoming NaN). */
    public static float[] unit(double[] u) {
        double n = norm(u);
        float[] v = new float[u.length];
        if (n == 0) return v;
        for (int i = 0; i < v.length; i++) v[i] = (float) (u[i] / n);
        return v;
    }

    public static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) d[i];
        return f;
    }
}
