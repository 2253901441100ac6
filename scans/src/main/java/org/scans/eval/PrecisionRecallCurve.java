package org.scans.eval;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * The precision–recall curve exactly as scikit-learn ≥ 1.1 builds it
 * ({@code sklearn.metrics.precision_recall_curve}, no sample weights, no
 * {@code drop_intermediate}), and its area as {@code sklearn.metrics.auc} computes it.
 *
 * <p>Construction: sort the scores in decreasing order; every distinct score is a threshold
 * (tied samples enter together); at each threshold {@code tp} and {@code fp} count the samples
 * scored at or above it; precision is {@code tp / (tp + fp)}, recall {@code tp / P} (all ones
 * when there is no positive sample, as sklearn does with a warning). The arrays are then
 * reversed so recall decreases, and a final point (precision 1, recall 0) without threshold is
 * appended. Old sklearn (&lt; 1.1) also cut the curve once full recall was reached; that
 * changes the area, and is not reproduced.
 *
 * <p>{@link #auc()} is the trapezoid rule over (recall, precision) with numpy's summation order
 * (pairwise summation), so values agree with sklearn to the last bit in the tested cases.
 *
 * @param precision  n + 1 values
 * @param recall     n + 1 values, non-increasing, ending in 0
 * @param thresholds n distinct scores, increasing
 */
public record PrecisionRecallCurve(double[] precision, double[] recall, double[] thresholds) {

    /**
     * @param positive {@code positive[i]} is true for the positive class
     * @param score    higher means more likely positive; NaN is rejected
     */
    public static PrecisionRecallCurve of(boolean[] positive, double[] score) {
        int n = score.length;
        if (positive.length != n) {
            throw new IllegalArgumentException(n + " scores but " + positive.length + " labels");
        }
        if (n == 0) {
            throw new IllegalArgumentException("precision-recall curve of no samples");
        }
        for (int i = 0; i < n; i++) {
            if (Double.isNaN(score[i])) {
                throw new IllegalArgumentException("score " + i + " is NaN");
            }
        }
        // Decreasing score; ties stay together, and their order inside a tie does not matter.
        Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> score[i]).reversed());

        double[] tps = new double[n];
        double[] fps = new double[n];
        double[] thresholds = new double[n];
        int points = 0;
        int tp = 0;
        for (int k = 0; k < n; k++) {
            int i = order[k];
            if (positive[i]) {
                tp++;
            }
            // A threshold closes where the next score differs (numpy: diff != 0) or at the end.
            if (k == n - 1 || score[order[k + 1]] != score[i]) {
                tps[points] = tp;
                fps[points] = k + 1 - tp;
                thresholds[points] = score[i];
                points++;
            }
        }
        double totalPositive = tps[points - 1];
        double[] precision = new double[points + 1];
        double[] recall = new double[points + 1];
        double[] reversedThresholds = new double[points];
        for (int p = 0; p < points; p++) {
            int r = points - 1 - p;     // reversed position
            precision[r] = tps[p] / (tps[p] + fps[p]);
            recall[r] = totalPositive == 0 ? 1.0 : tps[p] / totalPositive;
            reversedThresholds[r] = thresholds[p];
        }
        precision[points] = 1.0;
        recall[points] = 0.0;
        return new PrecisionRecallCurve(precision, recall, reversedThresholds);
    }

    /** Area under the curve: {@code sklearn.metrics.auc(recall, precision)}. */
    public double auc() {
        return Trapezoid.auc(recall, precision);
    }

    /** numpy's {@code trapz} and sklearn's {@code auc}, summed as numpy sums. */
    static final class Trapezoid {

        private Trapezoid() {
        }

        /**
         * sklearn {@code auc(x, y)}: x must be monotonic; a decreasing x gives the area with a
         * positive sign (direction −1).
         */
        static double auc(double[] x, double[] y) {
            if (x.length < 2) {
                throw new IllegalArgumentException("at least 2 points are needed to compute an area, got " + x.length);
            }
            boolean anyDecrease = false;
            boolean allNonIncreasing = true;
            for (int i = 1; i < x.length; i++) {
                double d = x[i] - x[i - 1];
                anyDecrease |= d < 0;
                allNonIncreasing &= d <= 0;
            }
            double direction = 1;
            if (anyDecrease) {
                if (!allNonIncreasing) {
                    throw new IllegalArgumentException("x is neither increasing nor decreasing: " + Arrays.toString(x));
                }
                direction = -1;
            }
            return direction * trapz(y, x);
        }

        /** numpy {@code trapz(y, x)}: sum of {@code (x[i+1]-x[i]) * (y[i+1]+y[i]) / 2}. */
        static double trapz(double[] y, double[] x) {
            double[] terms = new double[x.length - 1];
            for (int i = 0; i < terms.length; i++) {
                terms[i] = (x[i + 1] - x[i]) * (y[i + 1] + y[i]) / 2.0;
            }
            return pairwiseSum(terms, 0, terms.length);
        }

        /**
         * numpy's pairwise summation for float64 {@code add.reduce}: below 8 values a plain
         * loop, up to 128 eight interleaved partial sums, above that split in halves (rounded
         * down to a multiple of 8) and recurse.
         */
        static double pairwiseSum(double[] a, int from, int n) {
            if (n < 8) {
                double res = 0.0;
                for (int i = 0; i < n; i++) {
                    res += a[from + i];
                }
                return res;
            }
            if (n <= 128) {
                double[] r = new double[8];
                for (int j = 0; j < 8; j++) {
                    r[j] = a[from + j];
                }
                int i = 8;
                for (; i < n - (n % 8); i += 8) {
                    for (int j = 0; j < 8; j++) {
                        r[j] += a[from + i + j];
                    }
                }
                double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
                for (; i < n; i++) {
                    res += a[from + i];
                }
                return res;
            }
            int n2 = n / 2;
            n2 -= n2 % 8;
            return pairwiseSum(a, from, n2) + pairwiseSum(a, from + n2, n - n2);
        }
    }
}
