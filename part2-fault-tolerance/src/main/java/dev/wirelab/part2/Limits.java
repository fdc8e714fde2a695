package dev.wirelab.part2;

/**
 * The bounds part 2's server, proxy and their commands accept, in one place so the builders and
 * the command-line checks cannot drift apart.
 */
final class Limits {

    /** Largest frame payload or line a server or proxy may be configured for: 16 MiB. */
    static final int MAX_FRAME_BYTES = 16 << 20;

    private Limits() {
    }

    /** A port to listen on: 0 (any free port) to 65535. */
    static boolean isListenPort(int port) {
        return port >= 0 && port <= 65535;
    }

    static boolean isMaxFrame(int bytes) {
        return bytes >= 1 && bytes <= MAX_FRAME_BYTES;
    }

    /** The builders' check: the port, or an {@link IllegalArgumentException} saying what is allowed. */
    static int listenPort(int port) {
        if (!isListenPort(port)) {
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        }
        return port;
    }

    static int maxFrame(int bytes) {
        if (!isMaxFrame(bytes)) {
            throw new IllegalArgumentException("max frame must be 1.." + MAX_FRAME_BYTES + " bytes, got " + bytes);
        }
        return bytes;
    }
}
