package org.scans.eval;

/**
 * CPython's {@code random.Random}, as far as the reference's perplexity windows use it: the
 * Mersenne Twister MT19937 seeded from an integer the way CPython seeds it (the magnitude's 32-bit
 * words, least significant first, through the generator's {@code init_by_array}), and
 * {@code randint} drawn by rejection from {@code getrandbits}. The reference draws its C4 windows
 * after {@code random.seed(0)}; with this generator and the same documents, ours are its windows,
 * draw for draw. Checked against CPython 3.11's own outputs in the tests.
 */
public final class PythonRandom {
    private static final int N = 624;
    private static final int M = 397;
    private static final int MATRIX_A = 0x9908b0df;
    private static final int UPPER = 0x80000000;
    private static final int LOWER = 0x7fffffff;

    private final int[] mt = new int[N];
    private int next = N;

    /** {@code random.Random(seed)}: CPython seeds with the absolute value of an int. */
    public PythonRandom(long seed) {
        long magnitude = seed < 0 ? -seed : seed;   // as unsigned bits, right for Long.MIN_VALUE too
        int[] key = (magnitude >>> 32) == 0 ? new int[] {(int) magnitude} : new int[] {(int) magnitude, (int) (magnitude >>> 32)};
        seedByArray(key);
    }

    private void seedByArray(int[] key) {
        mt[0] = 19650218;
        for (int i = 1; i < N; i++) mt[i] = 1812433253 * (mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
        int i = 1, j = 0;
        for (int k = Math.max(N, key.length); k > 0; k--) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1664525)) + key[j] + j;
            i++;
            j++;
            if (i >= N) {
                mt[0] = mt[N - 1];
                i = 1;
            }
            if (j >= key.length) j = 0;
        }
        for (int k = N - 1; k > 0; k--) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1566083941)) - i;
            i++;
            if (i >= N) {
                mt[0] = mt[N - 1];
                i = 1;
            }
        }
        mt[0] = UPPER;  // a non-zero state whatever the key
    }

    /** The next 32 tempered bits (CPython's {@code genrand_uint32}), as the int holding them. */
    int nextBits() {
        if (next >= N) {
            for (int k = 0; k < N; k++) {
                int y = (mt[k] & UPPER) | (mt[(k + 1) % N] & LOWER);
                mt[k] = mt[(k + M) % N] ^ (y >>> 1) ^ ((y & 1) == 0 ? 0 : MATRIX_A);
            }
            next = 0;
        }
        int y = mt[next++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y;
    }

    /** {@code getrandbits(k)} for 1 ≤ k ≤ 32: the top k bits of one draw. */
    long bits(int k) {
        if (k < 1 || k > 32) throw new IllegalArgumentException("k must be in 1..32, got " + k);
        return Integer.toUnsignedLong(nextBits()) >>> (32 - k);
    }

    /** {@code randint(a, b)}: uniform in {@code [a, b]}, by CPython's rejection over {@code bit_length(b − a + 1)} bits. */
    public int randint(int a, int b) {
        long width = (long) b - a + 1;
        if (width < 1) throw new IllegalArgumentException("empty range for randint(" + a + ", " + b + ")");
        int k = 64 - Long.numberOfLeadingZeros(width);
        long r = bits(k);
        while (r >= width) r = bits(k);
        return (int) (a + r);
    }
}
