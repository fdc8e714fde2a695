package dev.wirelab.common;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Text views of untrusted bytes that never throw and never hide what was sent. */
public final class Bytes {

    private Bytes() {
    }

    /**
     * Renders bytes as text for a log line: valid UTF-8 is shown as is, except control characters,
     * which are escaped ({@code \n}, {@code \t}, {@code \x07}), and multi-byte control and invisible
     * format characters (the C1 control U+009B, bidi overrides such as U+202E), which are shown as
     * a backslash followed by {@code u{009b}}; every byte that is not part of valid UTF-8 is shown
     * as {@code \xNN}. Reading the result, a student sees exactly what arrived.
     */
    public static String escape(byte[] data, int offset, int length) {
        StringBuilder out = new StringBuilder(length);
        int i = offset;
        int end = offset + length;
        while (i < end) {
            int b = data[i] & 0xFF;
            int seqLen = utf8SequenceLength(data, i, end);
            if (seqLen == 0) {
                out.append(String.format("\\x%02x", b));
                i++;
            } else if (seqLen == 1) {
                appendAscii(out, b);
                i++;
            } else {
                String ch = new String(data, i, seqLen, StandardCharsets.UTF_8);
                int cp = ch.codePointAt(0);
                int type = Character.getType(cp);
                // C1 controls (U+009B starts a terminal escape) and format characters (bidi
                // overrides, zero-width) would let a peer rewrite or hide what a log line shows.
                if (type == Character.CONTROL || type == Character.FORMAT) {
                    out.append(String.format("\\u{%04x}", cp));
                } else {
                    out.append(ch);
                }
                i += seqLen;
            }
        }
        return out.toString();
    }

    public static String escape(byte[] data) {
        return escape(data, 0, data.length);
    }

    /** True when the bytes are well-formed UTF-8. */
    public static boolean isUtf8(byte[] data, int offset, int length) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            decoder.decode(ByteBuffer.wrap(data, offset, length));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** Index of the first occurrence of {@code needle} in {@code haystack}, or -1. */
    public static int indexOf(byte[] haystack, byte[] needle) {
        if (needle.length == 0) {
            return 0;
        }
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static void appendAscii(StringBuilder out, int b) {
        switch (b) {
            case '\n' -> out.append("\\n");
            case '\r' -> out.append("\\r");
            case '\t' -> out.append("\\t");
            case '\\' -> out.append("\\\\");
            default -> {
                if (b < 0x20 || b == 0x7F) {
                    out.append(String.format("\\x%02x", b));
                } else {
                    out.append((char) b);
                }
            }
        }
    }

    /** Length of the valid UTF-8 sequence starting at {@code i}, or 0 when the byte starts none. */
    private static int utf8SequenceLength(byte[] d, int i, int end) {
        int b = d[i] & 0xFF;
        if (b < 0x80) {
            return 1;
        }
        int len;
        int min;
        if (b >= 0xC2 && b <= 0xDF) {
            len = 2;
            min = 0x80;
        } else if (b >= 0xE0 && b <= 0xEF) {
            len = 3;
            min = 0x800;
        } else if (b >= 0xF0 && b <= 0xF4) {
            len = 4;
            min = 0x10000;
        } else {
            return 0;
        }
        if (i + len > end) {
            return 0;
        }
        int cp = b & (0x3F >> (len - 1));
        for (int k = 1; k < len; k++) {
            int c = d[i + k] & 0xFF;
            if ((c & 0xC0) != 0x80) {
                return 0;
            }
            cp = (cp << 6) | (c & 0x3F);
        }
        boolean surrogate = cp >= 0xD800 && cp <= 0xDFFF;
        return cp < min || cp > 0x10FFFF || surrogate ? 0 : len;
    }
}
