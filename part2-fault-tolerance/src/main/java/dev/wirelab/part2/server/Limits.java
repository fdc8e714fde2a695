package dev.wirelab.part2.server;

/**
 * The bounds part 2's server, proxy and their commands accept, in one place so the builders and
 * the command-line checks cannot drift apart.
 */
public final class Limits {

    /** Largest frame payload or line a server or proxy may be configured for: 16 MiB. */
    public static final int MAX_FRAME_BYTES = 16 << 20;

    private Limits() {
    }

    /**
     * The default connection limit: what the process's file descriptor limit leaves room for
     * ({@code fdsPerConnection} each, 64 kept for the JVM, the listening socket and the log), at
     * most 10,000. Below the descriptor limit, a flood of connections is refused with a log line
     * instead of making accept fail for everyone with "Too many open files".
     */
    public static int defaultMaxConnections(int fdsPerConnection) {
        long fds = 4096;
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            fds = unix.getMaxFileDescriptorCount();
        }
        return Math.clamp((fds - 64) / fdsPerConnection, 16, 10_000);
    }

    public static int maxConnections(int n) {
        if (n < 1 || n > 1_000_000) {
            throw new IllegalArgumentException("max connections must be 1..1000000, got " + n);
        }
        return n;
    }

    /** A port to listen on: 0 (any free port) to 65535. */
    public static boolean isListenPort(int port) {
        return port >= 0 && port <= 65535;
    }

    public static boolean isMaxFrame(int bytes) {
        return bytes >= 1 && bytes <= MAX_FRAME_BYTES;
    }

    /** The builders' check: the port, or an {@link IllegalArgumentException} saying what is allowed. */
    public static int listenPort(int port) {
        if (!isListenPort(port)) {
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        }
        return port;
    }

    public static int maxFrame(int bytes) {
        if (!isMaxFrame(bytes)) {
            throw new IllegalArgumentException("max frame must be 1.." + MAX_FRAME_BYTES + " bytes, got " + bytes);
        }
        return bytes;
    }
}
