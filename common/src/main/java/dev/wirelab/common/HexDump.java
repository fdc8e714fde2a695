package dev.wirelab.common;

/**
 * Hex + ASCII dumps in Wireshark's "Copy as Hex + ASCII Dump" layout:
 *
 * <pre>
 * 0000   02 00 00 00 45 00 00 47 00 00 40 00 40 06 00 00   ....E..G..@.@...
 * </pre>
 *
 * A byte range can be highlighted, either with terminal reverse video or, for plain text such as
 * docs and logs, with a line of carets under the highlighted bytes.
 */
public final class HexDump {

    /** How a highlighted range is shown. */
    public enum Highlight {
        /** No marking. */
        NONE,
        /** ANSI reverse video around highlighted bytes, for a terminal. */
        ANSI,
        /** A line under each row with {@code ^^} under each highlighted byte, for plain text. */
        CARETS
    }

    private static final int ROW = 16;
    private static final String ANSI_ON = "\u001b[7m";
    private static final String ANSI_OFF = "\u001b[0m";

    private HexDump() {
    }

    /** The whole buffer, no highlight. */
    public static String format(byte[] data) {
        return format(data, 0, 0, Highlight.NONE);
    }

    /** The whole buffer with bytes {@code [from, to)} highlighted. */
    public static String format(byte[] data, int from, int to, Highlight style) {
        return format(data, 0, data.length, from, to, style);
    }

    /**
     * Only the rows that hold bytes of {@code [rowsFrom, rowsTo)}, offsets as in the whole buffer,
     * with bytes {@code [from, to)} highlighted. Use it to show where something sits in a large
     * frame, as the lab report quotes single rows of a capture.
     */
    public static String format(byte[] data, int rowsFrom, int rowsTo, int from, int to, Highlight style) {
        if (rowsFrom < 0 || rowsTo > data.length || rowsFrom > rowsTo || from < 0 || to < from) {
            throw new IllegalArgumentException("range out of bounds");
        }
        StringBuilder out = new StringBuilder();
        int firstRow = rowsFrom / ROW * ROW;
        for (int row = firstRow; row < rowsTo; row += ROW) {
            int rowEnd = Math.min(row + ROW, data.length);
            StringBuilder hex = new StringBuilder();
            StringBuilder ascii = new StringBuilder();
            StringBuilder marks = new StringBuilder();
            boolean marked = false;
            for (int i = row; i < row + ROW; i++) {
                if (i > row) {
                    hex.append(' ');
                    marks.append(' ');
                }
                if (i >= rowEnd) {
                    hex.append("  ");
                    marks.append("  ");
                    continue;
                }
                boolean hl = style != Highlight.NONE && i >= from && i < to;
                marked |= hl;
                int b = data[i] & 0xFF;
                String h = String.format("%02x", b);
                char c = b >= 0x20 && b < 0x7F ? (char) b : '.';
                if (hl && style == Highlight.ANSI) {
                    hex.append(ANSI_ON).append(h).append(ANSI_OFF);
                    ascii.append(ANSI_ON).append(c).append(ANSI_OFF);
                } else {
                    hex.append(h);
                    ascii.append(c);
                }
                marks.append(hl ? "^^" : "  ");
            }
            out.append(String.format("%04x", row)).append("   ").append(hex).append("   ");
            // Wireshark ends the last row's ASCII column where the bytes end; so do we.
            out.append(ascii).append('\n');
            if (marked && style == Highlight.CARETS) {
                StringBuilder asciiMarks = new StringBuilder();
                for (int i = row; i < rowEnd; i++) {
                    asciiMarks.append(i >= from && i < to ? '^' : ' ');
                }
                String line = "       " + marks + "   " + asciiMarks;
                out.append(line.stripTrailing()).append('\n');
            }
        }
        return out.toString();
    }
}
