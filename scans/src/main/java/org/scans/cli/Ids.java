package org.scans.cli;

/** Parses comma- or space-separated token ids from an option. */
final class Ids {
    private Ids() {}

    static int[] parse(String option, String text) {
        String[] parts = text.trim().split("[,\\s]+");
        if (text.isBlank()) throw new UserException(option + ": no ids given");
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new UserException(option + ": '" + parts[i] + "' is not a token id");
            }
        }
        return ids;
    }
}
