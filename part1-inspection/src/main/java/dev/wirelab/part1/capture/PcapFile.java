package dev.wirelab.part1.capture;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Classic libpcap files (the format Wireshark calls "Wireshark/tcpdump/... - pcap"), read and
 * written in plain Java so that reading a capture needs no native library. pcapng files are handed
 * to libpcap through pcap4j.
 */
public final class PcapFile {

    public static final int SNAPLEN = 262_144;
    private static final int MAGIC_MICROS = 0xa1b2c3d4;
    private static final int MAGIC_NANOS = 0xa1b23c4d;
    private static final int PCAPNG = 0x0a0d0d0a;
    /** Far above any real frame, so a corrupt length cannot make us allocate gigabytes. */
    private static final int MAX_RECORD = 16 * 1024 * 1024;

    /** A capture: its link type code, as in the file, and its frames. */
    public record Capture(int linkTypeCode, List<CapturedFrame> frames) {
        public LinkType linkType() {
            return LinkType.fromCode(linkTypeCode);
        }
    }

    private PcapFile() {
    }

    /** Reads a capture; a file that is not one, or is cut short, is an IOException saying so. */
    public static Capture read(Path file) throws IOException {
        try (InputStream raw = Files.newInputStream(file)) {
            return read(raw, file.toString(), file);
        }
    }

    /**
     * Reads a classic pcap capture from a stream (e.g. a resource in the jar); {@code name}
     * names it in error messages. A pcapng stream is refused: only libpcap reads those, from a file.
     */
    public static Capture read(InputStream stream, String name) throws IOException {
        return read(stream, name, null);
    }

    private static Capture read(InputStream stream, String file, Path path) throws IOException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(stream));
        byte[] header = new byte[24];
        try {
            in.readFully(header);
        } catch (EOFException e) {
            throw new IOException(file + " is not a pcap file (shorter than a pcap header)");
        }
        int magicBe = ByteBuffer.wrap(header).order(ByteOrder.BIG_ENDIAN).getInt(0);
        if (magicBe == PCAPNG) {
            if (path == null) {
                throw new IOException(file + " is a pcapng capture; only a file of that kind can be read (through libpcap)");
            }
            return LiveCapture.readWithLibpcap(path);
        }
        ByteOrder order;
        boolean nanos;
        int magicLe = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        if (magicLe == MAGIC_MICROS || magicLe == MAGIC_NANOS) {
            order = ByteOrder.LITTLE_ENDIAN;
            nanos = magicLe == MAGIC_NANOS;
        } else if (magicBe == MAGIC_MICROS || magicBe == MAGIC_NANOS) {
            order = ByteOrder.BIG_ENDIAN;
            nanos = magicBe == MAGIC_NANOS;
        } else {
            throw new IOException(file + " is not a pcap file (unknown magic number "
                    + String.format("0x%08x", magicBe) + ")");
        }
        ByteBuffer h = ByteBuffer.wrap(header).order(order);
        int linkType = h.getInt(20) & 0x0FFFFFFF; // the top bits hold FCS flags in newer files
        List<CapturedFrame> frames = new ArrayList<>();
        byte[] rec = new byte[16];
        while (true) {
            int got = in.readNBytes(rec, 0, 16);
            if (got == 0) {
                break;
            }
            if (got < 16) {
                throw new IOException(file + " is truncated: frame " + (frames.size() + 1) + " has a partial header");
            }
            ByteBuffer r = ByteBuffer.wrap(rec).order(order);
            long sec = r.getInt(0) & 0xFFFFFFFFL;
            long frac = r.getInt(4) & 0xFFFFFFFFL;
            int incl = r.getInt(8);
            int orig = r.getInt(12);
            if (incl < 0 || incl > MAX_RECORD) {
                throw new IOException(file + " is corrupt: frame " + (frames.size() + 1) + " claims " + incl + " bytes");
            }
            byte[] data = new byte[incl];
            try {
                in.readFully(data);
            } catch (EOFException e) {
                throw new IOException(file + " is truncated in frame " + (frames.size() + 1));
            }
            long ns = sec * 1_000_000_000L + (nanos ? frac : frac * 1_000L);
            frames.add(new CapturedFrame(ns, orig, data));
        }
        return new Capture(linkType, frames);
    }

    /** Writes frames to a classic pcap file, as tcpdump -w does (microsecond timestamps). */
    public static final class Writer implements AutoCloseable {
        private final OutputStream out;
        private final Path file;

        public Writer(Path file, int linkTypeCode) throws IOException {
            this(file, openFile(file), linkTypeCode);
        }

        /** Writes to {@code out}; {@code file} names it in error messages. */
        Writer(Path file, OutputStream out, int linkTypeCode) throws IOException {
            this.file = file;
            this.out = new BufferedOutputStream(out);
            ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            h.putInt(MAGIC_MICROS).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0)
                    .putInt(SNAPLEN).putInt(linkTypeCode);
            try {
                this.out.write(h.array());
                this.out.flush(); // from the start, the file is a valid (empty) capture
            } catch (IOException e) {
                throw failed(e);
            }
        }

        private static OutputStream openFile(Path file) throws IOException {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            return Files.newOutputStream(file);
        }

        private IOException failed(IOException e) {
            return new IOException("cannot write " + file + ": " + e.getMessage(), e);
        }

        /**
         * Appends a frame. Unchecked, because it runs in a capture's frame callback; the capture
         * reports it when it stops.
         */
        public synchronized void write(CapturedFrame f) {
            // Header and data in one write: BufferedOutputStream then only ever empties its buffer
            // between records, so a reader of a file still being written sees whole frames.
            ByteBuffer r = ByteBuffer.allocate(16 + f.data().length).order(ByteOrder.LITTLE_ENDIAN);
            long sec = Math.floorDiv(f.epochNanos(), 1_000_000_000L);
            long micros = Math.floorMod(f.epochNanos(), 1_000_000_000L) / 1_000L;
            r.putInt((int) sec).putInt((int) micros).putInt(f.data().length).putInt(f.wireLength()).put(f.data());
            try {
                out.write(r.array());
            } catch (IOException e) {
                throw new UncheckedIOException(failed(e));
            }
        }

        /** Pushes the frames written so far to the file, so it can be read while a capture goes on. */
        public synchronized void flush() throws IOException {
            try {
                out.flush();
            } catch (IOException e) {
                throw failed(e);
            }
        }

        @Override
        public synchronized void close() throws IOException {
            try {
                out.close();
            } catch (IOException e) {
                throw failed(e);
            }
        }
    }

    public static void write(Path file, int linkTypeCode, List<CapturedFrame> frames) throws IOException {
        try (Writer w = new Writer(file, linkTypeCode)) {
            for (CapturedFrame f : frames) {
                w.write(f);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
