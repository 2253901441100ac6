package org.scans.method;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** Layer lists as people write them: {@code 10-19}, {@code 10,12,14}, {@code 3-5,8}. Ends inclusive. */
public final class Layers {
    private Layers() {}

    /** Parses a layer list and checks it against the model's layer count. */
    public static int[] parse(String text, int numLayers, String option) {
        TreeSet<Integer> out = new TreeSet<>();
        if (text == null || text.isBlank()) throw new IllegalArgumentException(option + ": no layers given");
        for (String part : text.split(",")) {
            String p = part.strip();
            try {
                int dash = p.indexOf('-', 1);
                int lo, hi;
                if (dash > 0) {
                    lo = Integer.parseInt(p.substring(0, dash).strip());
                    hi = Integer.parseInt(p.substring(dash + 1).strip());
                } else {
                    lo = hi = Integer.parseInt(p);
                }
                if (lo > hi) throw new IllegalArgumentException(option + ": range " + p + " runs backwards");
                if (lo < 0 || hi >= numLayers) {
                    throw new IllegalArgumentException(option + ": layer " + (lo < 0 ? lo : hi) + " is outside the model (layers 0-"
                            + (numLayers - 1) + ")");
                }
                for (int l = lo; l <= hi; l++) out.add(l);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + ": '" + p + "' is not a layer or a range like 10-19");
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** {@code [10, 11, 12, 15]} → {@code "10-12,15"}. */
    public static String format(int[] layers) {
        List<String> parts = new ArrayList<>();
        int i = 0;
        while (i < layers.length) {
            int j = i;
            while (j + 1 < layers.length && layers[j + 1] == layers[j] + 1) j++;
            parts.add(i == j ? String.valueOf(layers[i]) : layers[i] + "-" + layers[j]);
            i = j + 1;
        }
        return String.join(",", parts);
    }

    /** {@code [from, to]} inclusive. */
    public static int[] range(int from, int to) {
        int[] out = new int[to - from + 1];
        for (int i = 0; i < out.length; i++) out[i] = from + i;
        return out;
    }
}
