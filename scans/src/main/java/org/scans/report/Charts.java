package org.scans.report;

import static org.scans.report.Html.esc;
import static org.scans.report.Html.num;

import java.util.List;

/**
 * The report's charts as inline SVG strings: grouped bars, a two-class histogram with a threshold
 * line, and line plots. Fixed pixel sizes (the page scrolls a wide chart sideways) and a
 * {@code <title>} on every mark, so hovering shows the exact figure.
 */
final class Charts {
    static final String BASELINE = "#98a2b3";
    static final String SCANS = "#2f6fb3";
    static final String UNSAFE = "#c2410c";
    static final String SAFE = "#15803d";
    static final String INK = "#1f2937";
    static final String GRID = "#e5e7eb";

    private Charts() {}

    /** One bar per group; NaN values are drawn as "n/a". */
    record Series(String name, String color, double[] values) {}

    /** A polyline through (x[i], y[i]); NaN points are skipped. */
    record Line(String name, String color, double[] x, double[] y, boolean markers) {}

    /** A shaded x interval, e.g. the steering layers. */
    record Band(double from, double to, String color, String label) {}

    /** Grouped bars of rates in [0, 1], drawn as percentages. */
    static String groupedBars(String title, List<String> groups, List<Series> series) {
        int bar = 16, groupWidth = series.size() * (bar + 2) + 16;
        int longest = groups.stream().mapToInt(String::length).max().orElse(1);
        boolean rotate = longest * 6.2 > groupWidth;
        // A rotated first label reaches left of its bar group: widen the margin so it is not cut.
        int first = groups.isEmpty() ? 0 : groups.get(0).length();
        int left = rotate ? Math.max(48, (int) (first * 6.2 * 0.82 - groupWidth / 2.0) + 12) : 48, right = 16, top = 48;
        int bottom = rotate ? 24 + (int) (longest * 6.2 * 0.6) : 34;
        int plotW = Math.max(320, groups.size() * groupWidth), plotH = 200;
        int w = left + plotW + right, h = top + plotH + bottom;
        StringBuilder s = open(w, h, title);
        title(s, title);
        legend(s, left, 34, series.stream().map(x -> new String[] {x.name(), x.color()}).toList());
        for (int p = 0; p <= 100; p += 25) {
            double y = top + plotH * (1 - p / 100.0);
            s.append("<line x1='").append(left).append("' x2='").append(left + plotW).append("' y1='").append(num(y)).append("' y2='")
                    .append(num(y)).append("' stroke='").append(GRID).append("'/>");
            s.append("<text x='").append(left - 6).append("' y='").append(num(y + 3)).append("' font-size='10' text-anchor='end' fill='")
                    .append(INK).append("'>").append(p).append("%</text>");
        }
        boolean labels = groups.size() * series.size() <= 32;
        double slot = (double) plotW / Math.max(1, groups.size());
        for (int g = 0; g < groups.size(); g++) {
            double gx = left + g * slot + (slot - series.size() * (bar + 2)) / 2;
            for (int k = 0; k < series.size(); k++) {
                Series se = series.get(k);
                double v = se.values()[g];
                double x = gx + k * (bar + 2);
                if (Double.isNaN(v)) {
                    s.append("<text x='").append(num(x + bar / 2.0)).append("' y='").append(top + plotH - 3)
                            .append("' font-size='8' text-anchor='middle' fill='#6b7280'>n/a</text>");
                    continue;
                }
                double bh = Math.max(v * plotH, v > 0 ? 1 : 0.5);
                s.append("<rect class='bar' x='").append(num(x)).append("' y='").append(num(top + plotH - bh)).append("' width='").append(bar)
                        .append("' height='").append(num(bh)).append("' fill='").append(se.color()).append("'><title>")
                        .append(esc(groups.get(g) + " · " + se.name() + ": " + Html.percent(v))).append("</title></rect>");
                if (labels) {
                    s.append("<text x='").append(num(x + bar / 2.0)).append("' y='").append(num(top + plotH - bh - 3))
                            .append("' font-size='8' text-anchor='middle' fill='").append(INK).append("'>")
                            .append(Math.round(100 * v)).append("</text>");
                }
            }
            double cx = left + g * slot + slot / 2;
            if (rotate) {
                s.append("<text x='").append(num(cx)).append("' y='").append(top + plotH + 12).append("' font-size='10' text-anchor='end' fill='")
                        .append(INK).append("' transform='rotate(-35 ").append(num(cx)).append(' ').append(top + plotH + 12).append(")'>")
                        .append(esc(groups.get(g))).append("</text>");
            } else {
                s.append("<text x='").append(num(cx)).append("' y='").append(top + plotH + 16).append("' font-size='11' text-anchor='middle' fill='")
                        .append(INK).append("'>").append(esc(groups.get(g))).append("</text>");
            }
        }
        axis(s, left, top, plotW, plotH);
        return s.append("</svg>").toString();
    }

    /** Scores of two classes in 24 shared bins, side by side, and a dashed threshold line. */
    static String histogram(String title, double[] unsafe, double[] safe, double threshold) {
        double lo = threshold, hi = threshold;
        for (double[] a : new double[][] {unsafe, safe}) {
            for (double v : a) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        double pad = Math.max(0.02, (hi - lo) * 0.04);
        lo -= pad;
        hi += pad;
        int bins = 24;
        int[][] counts = new int[2][bins];
        int max = 1;
        for (int c = 0; c < 2; c++) {
            for (double v : c == 0 ? unsafe : safe) {
                int b = Math.min(bins - 1, (int) ((v - lo) / (hi - lo) * bins));
                max = Math.max(max, ++counts[c][b]);
            }
        }
        int left = 44, right = 16, top = 48, bottom = 40, plotW = 480, plotH = 190;
        int w = left + plotW + right, h = top + plotH + bottom;
        StringBuilder s = open(w, h, title);
        title(s, title);
        legend(s, left, 34, List.of(new String[] {"unsafe prompts (" + unsafe.length + ")", UNSAFE},
                new String[] {"safe prompts (" + safe.length + ")", SAFE}));
        int step = Math.max(1, (int) Math.ceil(max / 4.0));
        for (int c = 0; c <= max; c += step) {
            double y = top + plotH * (1 - (double) c / max);
            s.append("<line x1='").append(left).append("' x2='").append(left + plotW).append("' y1='").append(num(y)).append("' y2='")
                    .append(num(y)).append("' stroke='").append(GRID).append("'/>");
            s.append("<text x='").append(left - 6).append("' y='").append(num(y + 3)).append("' font-size='10' text-anchor='end' fill='")
                    .append(INK).append("'>").append(c).append("</text>");
        }
        double bw = (double) plotW / bins;
        for (int b = 0; b < bins; b++) {
            for (int c = 0; c < 2; c++) {
                if (counts[c][b] == 0) continue;
                double bh = (double) counts[c][b] / max * plotH;
                double x = left + b * bw + 1 + c * (bw - 2) / 2;
                s.append("<rect class='bar' x='").append(num(x)).append("' y='").append(num(top + plotH - bh)).append("' width='")
                        .append(num((bw - 2) / 2)).append("' height='").append(num(bh)).append("' fill='").append(c == 0 ? UNSAFE : SAFE)
                        .append("'><title>").append(esc((c == 0 ? "unsafe" : "safe") + ": " + counts[c][b] + " with c(q) in ["
                                + Html.fixed(lo + b * (hi - lo) / bins, 3) + ", " + Html.fixed(lo + (b + 1) * (hi - lo) / bins, 3) + ")"))
                        .append("</title></rect>");
            }
        }
        for (int t = 0; t <= 4; t++) {
            double v = lo + t * (hi - lo) / 4, x = left + plotW * t / 4.0;
            s.append("<text x='").append(num(x)).append("' y='").append(top + plotH + 15).append("' font-size='10' text-anchor='middle' fill='")
                    .append(INK).append("'>").append(Html.fixed(v, 2)).append("</text>");
        }
        s.append("<text x='").append(left + plotW / 2).append("' y='").append(h - 6).append("' font-size='11' text-anchor='middle' fill='")
                .append(INK).append("'>classifier score c(q) (higher = more like the harmful anchors)</text>");
        double tx = left + (threshold - lo) / (hi - lo) * plotW;
        s.append("<line class='threshold' x1='").append(num(tx)).append("' x2='").append(num(tx)).append("' y1='").append(top - 4)
                .append("' y2='").append(top + plotH).append("' stroke='").append(INK).append("' stroke-width='1.5' stroke-dasharray='5 3'>")
                .append("<title>threshold T = ").append(threshold).append("</title></line>");
        String label = "T = " + threshold;
        s.append("<rect x='").append(num(tx + 2)).append("' y='").append(top - 1).append("' width='").append(num(label.length() * 5.8 + 4))
                .append("' height='13' fill='#ffffff' opacity='0.85'/>");
        s.append("<text x='").append(num(tx + 4)).append("' y='").append(top + 9).append("' font-size='10' fill='").append(INK)
                .append("'>").append(esc(label)).append("</text>");
        axis(s, left, top, plotW, plotH);
        return s.append("</svg>").toString();
    }

    /**
     * Line plot over fixed axis ranges; {@code integerX} puts a tick at every whole x (layers).
     */
    static String lines(String title, String xLabel, String yLabel, List<Line> lines, double x0, double x1, double y0, double y1,
                        boolean integerX, List<Band> bands) {
        if (!(y1 > y0)) y1 = y0 + 1;
        if (!(x1 > x0)) x1 = x0 + 1;
        int left = 52, right = 16, top = 48, bottom = 42, plotW = 420, plotH = 200;
        int w = left + plotW + right, h = top + plotH + bottom;
        StringBuilder s = open(w, h, title);
        title(s, title);
        legend(s, left, 34, lines.stream().map(l -> new String[] {l.name(), l.color()}).toList());
        double fx0 = x0, fx1 = x1, fy0 = y0, fy1 = y1;
        java.util.function.DoubleUnaryOperator X = x -> left + (x - fx0) / (fx1 - fx0) * plotW;
        java.util.function.DoubleUnaryOperator Y = y -> top + plotH - (y - fy0) / (fy1 - fy0) * plotH;
        for (int i = 0; i < bands.size(); i++) {
            Band b = bands.get(i);
            double a = X.applyAsDouble(Math.max(x0, b.from())), z = X.applyAsDouble(Math.min(x1, b.to()));
            s.append("<rect x='").append(num(a)).append("' y='").append(top).append("' width='").append(num(Math.max(1, z - a)))
                    .append("' height='").append(plotH).append("' fill='").append(b.color()).append("' opacity='0.12'><title>")
                    .append(esc(b.label())).append("</title></rect>");
            s.append("<text x='").append(num(a + 3)).append("' y='").append(top + 11 + 11 * i).append("' font-size='9' fill='").append(b.color())
                    .append("'>").append(esc(b.label())).append("</text>");
        }
        for (int t = 0; t <= 4; t++) {
            double v = y0 + t * (y1 - y0) / 4, y = Y.applyAsDouble(v);
            s.append("<line x1='").append(left).append("' x2='").append(left + plotW).append("' y1='").append(num(y)).append("' y2='")
                    .append(num(y)).append("' stroke='").append(GRID).append("'/>");
            s.append("<text x='").append(left - 6).append("' y='").append(num(y + 3)).append("' font-size='10' text-anchor='end' fill='")
                    .append(INK).append("'>").append(tick(v, y1 - y0)).append("</text>");
        }
        if (integerX) {
            int n = (int) Math.round(x1 - x0);
            int every = Math.max(1, (int) Math.ceil(n / 16.0));
            for (int x = (int) Math.ceil(x0); x <= x1; x += every) xTick(s, X.applyAsDouble(x), top + plotH, String.valueOf(x));
        } else {
            for (int t = 0; t <= 4; t++) {
                double v = x0 + t * (x1 - x0) / 4;
                xTick(s, X.applyAsDouble(v), top + plotH, tick(v, x1 - x0));
            }
        }
        s.append("<text x='").append(left + plotW / 2).append("' y='").append(h - 6).append("' font-size='11' text-anchor='middle' fill='")
                .append(INK).append("'>").append(esc(xLabel)).append("</text>");
        s.append("<text x='12' y='").append(top + plotH / 2).append("' font-size='11' text-anchor='middle' fill='").append(INK)
                .append("' transform='rotate(-90 12 ").append(top + plotH / 2).append(")'>").append(esc(yLabel)).append("</text>");
        for (Line l : lines) {
            StringBuilder pts = new StringBuilder();
            for (int i = 0; i < l.x().length; i++) {
                if (Double.isNaN(l.y()[i]) || Double.isNaN(l.x()[i])) continue;
                pts.append(num(X.applyAsDouble(l.x()[i]))).append(',').append(num(Y.applyAsDouble(l.y()[i]))).append(' ');
            }
            s.append("<polyline class='line' fill='none' stroke='").append(l.color()).append("' stroke-width='2' points='")
                    .append(pts.toString().strip()).append("'/>");
            if (l.markers()) {
                for (int i = 0; i < l.x().length; i++) {
                    if (Double.isNaN(l.y()[i])) continue;
                    s.append("<circle cx='").append(num(X.applyAsDouble(l.x()[i]))).append("' cy='").append(num(Y.applyAsDouble(l.y()[i])))
                            .append("' r='3' fill='").append(l.color()).append("'><title>").append(esc(l.name() + " at " + tick(l.x()[i], 1)
                                    + ": " + Html.fixed(l.y()[i], 4))).append("</title></circle>");
                }
            }
        }
        axis(s, left, top, plotW, plotH);
        return s.append("</svg>").toString();
    }

    private static String tick(double v, double span) {
        if (span >= 20) return Html.fixed(v, 0);
        if (span >= 2) return Html.fixed(v, 1);
        return Html.fixed(v, 2);
    }

    private static void xTick(StringBuilder s, double x, int y, String label) {
        s.append("<line x1='").append(num(x)).append("' x2='").append(num(x)).append("' y1='").append(y).append("' y2='").append(y + 4)
                .append("' stroke='").append(INK).append("'/>");
        s.append("<text x='").append(num(x)).append("' y='").append(y + 15).append("' font-size='10' text-anchor='middle' fill='").append(INK)
                .append("'>").append(esc(label)).append("</text>");
    }

    private static StringBuilder open(int w, int h, String title) {
        return new StringBuilder(4096).append("<svg class='chart' width='").append(w).append("' height='")
                .append(h).append("' viewBox='0 0 ").append(w).append(' ').append(h).append("' role='img' aria-label='").append(esc(title))
                .append("' font-family='system-ui, sans-serif'>");
    }

    private static void title(StringBuilder s, String title) {
        s.append("<text x='8' y='18' font-size='13' font-weight='600' fill='").append(INK).append("'>").append(esc(title)).append("</text>");
    }

    private static void legend(StringBuilder s, int x, int y, List<String[]> items) {
        double at = x;
        for (String[] it : items) {
            s.append("<rect x='").append(num(at)).append("' y='").append(y - 9).append("' width='10' height='10' fill='").append(it[1]).append("'/>");
            s.append("<text x='").append(num(at + 14)).append("' y='").append(y).append("' font-size='11' fill='").append(INK).append("'>")
                    .append(esc(it[0])).append("</text>");
            at += 26 + it[0].length() * 6.3;
        }
    }

    private static void axis(StringBuilder s, int left, int top, int plotW, int plotH) {
        s.append("<line x1='").append(left).append("' x2='").append(left + plotW).append("' y1='").append(top + plotH).append("' y2='")
                .append(top + plotH).append("' stroke='").append(INK).append("'/>");
        s.append("<line x1='").append(left).append("' x2='").append(left).append("' y1='").append(top).append("' y2='").append(top + plotH)
                .append("' stroke='").append(INK).append("'/>");
    }
}
