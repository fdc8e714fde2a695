package dev.wirelab.part1.tls;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;

/**
 * A TLS key log in the NSS format that Wireshark, tshark, curl and browsers share
 * ({@code LABEL <client random hex> <secret hex>}, one secret a line). Anyone holding this file
 * can decrypt every connection logged in it, so it is created readable by its owner only and
 * appended to (several programs may log to one file, as with {@code SSLKEYLOGFILE}); a file
 * that others may read is refused, as the server's key is.
 */
public final class KeyLog implements AutoCloseable {

    /** The environment variable browsers, curl and OpenSSL-based tools read. */
    public static final String ENV = "SSLKEYLOGFILE";

    /** The TLS 1.3 labels this project logs, in the order a handshake derives them. */
    public static final String CLIENT_HANDSHAKE = "CLIENT_HANDSHAKE_TRAFFIC_SECRET";
    public static final String SERVER_HANDSHAKE = "SERVER_HANDSHAKE_TRAFFIC_SECRET";
    public static final String CLIENT_TRAFFIC_0 = "CLIENT_TRAFFIC_SECRET_0";
    public static final String SERVER_TRAFFIC_0 = "SERVER_TRAFFIC_SECRET_0";
    public static final String EXPORTER = "EXPORTER_SECRET";

    /** TLS 1.3 key schedule labels (RFC 8446, 7.1) and their NSS key log names. */
    static final Map<String, String> LABELS = Map.of(
            "c hs traffic", CLIENT_HANDSHAKE,
            "s hs traffic", SERVER_HANDSHAKE,
            "c ap traffic", CLIENT_TRAFFIC_0,
            "s ap traffic", SERVER_TRAFFIC_0,
            "exp master", EXPORTER,
            "c e traffic", "CLIENT_EARLY_TRAFFIC_SECRET");

    private final Path file;
    private final OutputStream out;

    private KeyLog(Path file, OutputStream out) {
        this.file = file;
        this.out = out;
    }

    public Path file() {
        return file;
    }

    /**
     * Opens {@code file} for appending, creating it with permissions 0600. An existing file that
     * group or others may access is an IOException saying how to fix it.
     */
    public static KeyLog open(Path file) throws IOException {
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        if (posix && !Files.exists(file)) {
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(
                        EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE)));
            } catch (FileAlreadyExistsException raced) {
                // another process made it first: checked below like any existing file
            }
        }
        if (posix && Files.isRegularFile(file)) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            Set<PosixFilePermission> others = EnumSet.complementOf(EnumSet.of(PosixFilePermission.OWNER_READ,
                    PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE));
            others.retainAll(perms);
            if (!others.isEmpty()) {
                throw new IOException("the key log " + file + " is open to other users (permissions "
                        + PosixFilePermissions.toString(perms) + "): anyone who can read it can decrypt the"
                        + " connections logged there, so it is not used; fix it with: chmod 600 " + file);
            }
        }
        return new KeyLog(file, Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE));
    }

    /**
     * Where to log: {@code option} ({@code --keylog}) when given, else {@code SSLKEYLOGFILE} from
     * {@code env} when set and not empty, else null (no key log).
     */
    public static Path target(Path option, Map<String, String> env) {
        if (option != null) {
            return option;
        }
        String fromEnv = env.get(ENV);
        return fromEnv == null || fromEnv.isBlank() ? null : Path.of(fromEnv);
    }

    /** What the server and client print when they log keys: the file, and what it gives away. */
    public static String notice(Path file) {
        return "Writing TLS session keys to " + file + ": whoever has this file can decrypt these connections";
    }

    /** Makes an existing file readable and writable by its owner only (where the file system has POSIX permissions). */
    public static void ownerOnly(Path file) throws IOException {
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(file, EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
        }
    }

    /** One NSS key log line, without its newline. */
    public static String line(String label, byte[] clientRandom, byte[] secret) {
        HexFormat hex = HexFormat.of();
        return label + " " + hex.formatHex(clientRandom) + " " + hex.formatHex(secret);
    }

    /**
     * Appends one secret and flushes it at once: a capture tool reading the file must find the
     * keys of a connection while it is still open. Lines from many connections never interleave.
     */
    public synchronized void write(String label, byte[] clientRandom, byte[] secret) throws IOException {
        out.write((line(label, clientRandom, secret) + "\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
