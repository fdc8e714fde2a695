package dev.wirelab.part1.capture;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The secrets of an NSS key log file ({@code LABEL <client random> <secret>} lines, as written by
 * {@code --keylog}, browsers, curl), by client random. Comments, blank lines and lines that do
 * not parse are skipped, as Wireshark skips them. A file still being written (a live capture
 * while the server logs) is read again when a session's keys are asked for and not yet there.
 */
public final class KeyLogFile {

    /** At most this many lines are read: a key log is a few lines per connection. */
    static final int MAX_LINES = 1_000_000;

    private final Path file;
    private final Map<String, Map<String, byte[]>> byRandom = new HashMap<>();

    private KeyLogFile(Path file) {
        this.file = file;
    }

    /** Reads {@code file}; a missing or unreadable file is an IOException naming it. */
    public static KeyLogFile read(Path file) throws IOException {
        KeyLogFile k = new KeyLogFile(file);
        k.load();
        return k;
    }

    /** From lines already in memory (tests); never re-read. */
    public static KeyLogFile of(List<String> lines) {
        KeyLogFile k = new KeyLogFile(null);
        lines.forEach(k::add);
        return k;
    }

    public Path file() {
        return file;
    }

    /** How many sessions (client randoms) the file has secrets for. */
    public int sessions() {
        return byRandom.size();
    }

    private void load() throws IOException {
        try (var lines = Files.lines(file, StandardCharsets.ISO_8859_1)) {
            lines.limit(MAX_LINES).forEach(this::add);
        } catch (java.io.UncheckedIOException e) {
            throw new IOException("cannot read the key log " + file + ": " + e.getCause().getMessage(), e.getCause());
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException("no such key log: " + file, e);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IOException("cannot read the key log " + file + ": permission denied", e);
        } catch (IOException e) {
            throw new IOException("cannot read the key log " + file + ": " + e.getMessage(), e);
        }
    }

    void add(String line) {
        String[] f = line.trim().split("\\s+");
        if (f.length != 3 || f[0].startsWith("#") || f[1].length() != 64) {
            return;
        }
        try {
            byte[] secret = HexFormat.of().parseHex(f[2]);
            HexFormat.of().parseHex(f[1]);
            byRandom.computeIfAbsent(f[1].toLowerCase(Locale.ROOT), r -> new HashMap<>()).put(f[0], secret);
        } catch (IllegalArgumentException ignored) {
            // not hex: skipped, like any line that is not a key log line
        }
    }

    /**
     * The secrets of the session with {@code clientRandom} by label, or null. A file on disk is
     * read again when the session is missing: its keys may have been written since.
     */
    public Map<String, byte[]> session(byte[] clientRandom) {
        String r = HexFormat.of().formatHex(clientRandom);
        Map<String, byte[]> m = byRandom.get(r);
        if (m == null && file != null) {
            try {
                load();
            } catch (IOException e) {
                return null;
            }
            m = byRandom.get(r);
        }
        return m == null ? null : Map.copyOf(m);
    }
}
