package dev.wirelab.docs;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Compares the output a page shows with what the command printed now, allowing for what changes
 * from run to run (ports, times, counters, random bytes): numbers and long hex strings are
 * wildcards, hex-dump rows match any hex-dump row, and whitespace is collapsed (tables re-align).
 * A line {@code ...} on the page stands for any number of lines. Everything else must match, in
 * order, with no other lines between.
 */
final class OutputMatcher {

    private static final Pattern ANSI = Pattern.compile("\u001b\\[[0-9;]*m");
    private static final Pattern HEX_ROW = Pattern.compile("^[0-9a-f]{4}   [0-9a-f]{2}( [0-9a-f]{2})*.*$");
    private static final Pattern CARETS = Pattern.compile("^[ ^]*\\^[ ^]*$");
    private static final Pattern HEXISH = Pattern.compile("\\b(?=[0-9a-fA-F:]*[0-9])[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){3,}\\b"
            + "|\\b(?=[0-9a-fA-F]*[0-9])(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{6,}\\b");
    private static final Pattern NUMBER = Pattern.compile("\\d+(?:[.,]\\d+)*");
    /**
     * A size printed in the unit that fits it ({@code 812 B/s} on a slow run, {@code 1.2 KiB/s}
     * on a fast one): the unit is part of the number, so it is as free as the number.
     */
    private static final Pattern SIZE_UNIT = Pattern.compile("# (?:B|KiB|MiB|GiB)\\b");
    /** Part 3's random session tag ({@code alice#5f0c9a1e}), which may hold no digit at all. */
    private static final Pattern SESSION_TAG = Pattern.compile("#[0-9a-f]{8}\\b");

    private OutputMatcher() {
    }

    static String normalize(String line) {
        String l = ANSI.matcher(line).replaceAll("");
        if (HEX_ROW.matcher(l).matches()) {
            return "<hex dump row>";
        }
        if (CARETS.matcher(l).matches()) {
            return "<highlight>";
        }
        l = SESSION_TAG.matcher(l).replaceAll("#");
        l = HEXISH.matcher(l).replaceAll("#");
        l = NUMBER.matcher(l).replaceAll("#");
        l = SIZE_UNIT.matcher(l).replaceAll("# <size>");
        return l.replaceAll("\\s+", " ").strip();
    }

    /**
     * Null when the output matches what the page shows, else a message naming the first page line
     * that could not be found.
     */
    static String mismatch(List<String> shown, String actualOutput) {
        List<String> actual = new ArrayList<>();
        for (String l : actualOutput.split("\n", -1)) {
            String n = normalize(l);
            if (!n.isEmpty()) {
                actual.add(n);
            }
        }
        List<List<String>> chunks = new ArrayList<>();
        List<String> current = new ArrayList<>();
        for (String l : shown) {
            if (l.strip().equals("...")) {
                chunks.add(current);
                current = new ArrayList<>();
                continue;
            }
            String n = normalize(l);
            if (!n.isEmpty()) {
                current.add(n);
            }
        }
        chunks.add(current);
        int from = 0;
        boolean anchored = true; // the first chunk must start at the first line, unless "..." opens the block
        for (int c = 0; c < chunks.size(); c++) {
            List<String> chunk = chunks.get(c);
            if (chunk.isEmpty()) {
                anchored = false;
                continue;
            }
            int at = anchored ? (startsAt(actual, chunk, from) ? from : -1) : find(actual, chunk, from);
            if (at < 0) {
                return "expected, in order:\n  " + String.join("\n  ", chunk) + "\nbut the output was:\n  "
                        + String.join("\n  ", actual.subList(Math.min(from, actual.size()), actual.size()));
            }
            from = at + chunk.size();
            anchored = false;
        }
        boolean lastOpen = chunks.get(chunks.size() - 1).isEmpty();
        if (!lastOpen && from < actual.size()) {
            return "the output goes on where the page stops (add a line '...' to the page if that is intended):\n  "
                    + String.join("\n  ", actual.subList(from, actual.size()));
        }
        return null;
    }

    private static int find(List<String> actual, List<String> chunk, int from) {
        for (int i = from; i + chunk.size() <= actual.size(); i++) {
            if (startsAt(actual, chunk, i)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean startsAt(List<String> actual, List<String> chunk, int at) {
        if (at + chunk.size() > actual.size()) {
            return false;
        }
        for (int j = 0; j < chunk.size(); j++) {
            if (!actual.get(at + j).equals(chunk.get(j))) {
                return false;
            }
        }
        return true;
    }
}
