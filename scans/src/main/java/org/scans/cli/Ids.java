package org.scans.cli;

/** Parses comma- or space-separated token ids from an option. */
final class Ids {
    private Ids() {}

    static int[] parse(String option, String text) {
        if (text.isBlank()) throw new UserException(option + ": no ids given");
        // One comma or a run of spaces between ids; an empty item ("1,,403", a trailing comma) is
        // a typo, not something to skip.
        String[] parts = text.trim().split("\\s*,\\s*|\\s+", -1);
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].isEmpty()) throw new UserException(option + ": an empty item in '" + text.strip() + "'");
            try {
                ids[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new UserException(option + ": '" + parts[i] + "' is not a token id");
            }
        }
        return ids;
    }
}
