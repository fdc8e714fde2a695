package dev.wirelab.part1.net;

import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Bytes from the network written to a {@link PrintWriter} as UTF-8 text; a character split across
 * two reads is kept until its last byte arrives, and invalid bytes become U+FFFD.
 */
public final class TextOutputStream extends OutputStream {

    private final PrintWriter out;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private ByteBuffer pending = ByteBuffer.allocate(0);
    private final CharBuffer chars = CharBuffer.allocate(8192);

    public TextOutputStream(PrintWriter out) {
        this.out = out;
    }

    @Override
    public void write(int b) {
        write(new byte[]{(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        ByteBuffer in = ByteBuffer.allocate(pending.remaining() + len);
        in.put(pending).put(b, off, len).flip();
        while (true) {
            var result = decoder.decode(in, chars, false);
            chars.flip();
            out.append(chars);
            chars.clear();
            if (!result.isOverflow()) {
                break;
            }
        }
        pending = in.slice(); // at most 3 bytes of an unfinished character
    }

    @Override
    public synchronized void flush() {
        out.flush();
    }
}
