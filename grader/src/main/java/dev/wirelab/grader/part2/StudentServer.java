package dev.wirelab.grader.part2;

import dev.wirelab.grader.CommandTemplate;
import dev.wirelab.grader.Durations;
import dev.wirelab.grader.StudentProgram;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A student's echo server, started for one scenario on a port of its own: the grader picks a
 * free port, passes it as {@code {port}}, and waits until the server accepts a connection there.
 */
final class StudentServer implements AutoCloseable {

    /** Thrown when the server never listened; the message is the sentence for the report. */
    static final class NotListening extends Exception {
        private static final long serialVersionUID = 1L;
        final transient StudentProgram.Ended ended;
        final String command;

        NotListening(String why, String command, StudentProgram.Ended ended) {
            super(why, null, false, false);
            this.command = command;
            this.ended = ended;
        }
    }

    static final Duration STOP_GRACE = Duration.ofSeconds(1);
    private static final int START_ATTEMPTS = 3;

    private final StudentProgram program;
    private final InetSocketAddress address;

    private StudentServer(StudentProgram program, InetSocketAddress address) {
        this.program = program;
        this.address = address;
    }

    /** The placeholder values of one scenario's settings, with the port still to come. */
    static Map<String, String> settings(double delay, double loss, double corrupt) {
        Map<String, String> v = new HashMap<>();
        v.put("host", "127.0.0.1");
        v.put("delay", number(delay));
        v.put("loss", number(loss));
        v.put("corrupt", number(corrupt));
        return v;
    }

    static String number(double d) {
        return Double.toString(d).toLowerCase(Locale.ROOT);
    }

    /**
     * Starts the server and waits until it listens. A port that another program took in between
     * (the server says "in use" and exits) is retried with a new one.
     */
    static StudentServer start(CommandTemplate template, Map<String, String> settings, Path dir, Duration within)
            throws IOException, InterruptedException, NotListening {
        long deadline = System.nanoTime() + within.toNanos();
        for (int attempt = 1; ; attempt++) {
            int port = freePort();
            Map<String, String> values = new HashMap<>(settings);
            values.put("port", Integer.toString(port));
            String command = template.expand(values);
            StudentProgram p = StudentProgram.start(command, dir);
            p.closeStdin();
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
            while (true) {
                if (accepts(address)) {
                    return new StudentServer(p, address);
                }
                if (!p.isAlive()) {
                    StudentProgram.Ended ended = p.await(Duration.ofSeconds(1));
                    boolean inUse = String.join("\n", ended.stderr().lines()).toLowerCase(Locale.ROOT).contains("in use");
                    if (inUse && attempt < START_ATTEMPTS) {
                        break; // another port
                    }
                    // The port it was given was free; "in use" three times over is the port it chose.
                    throw new NotListening("your server " + ended.describe(within) + " before it listened on port " + port
                            + (inUse ? ", saying an address was in use, each of the " + START_ATTEMPTS + " times the grader"
                            + " started it with a free port: does it listen on the port it is given as {port}, not on a fixed one?" : ""),
                            command, ended);
                }
                if (System.nanoTime() > deadline) {
                    StudentProgram.Ended ended = p.stop(Duration.ZERO);
                    throw new NotListening("your server did not accept connections on 127.0.0.1 port " + port + " within "
                            + Durations.limit(within) + " (does it listen on the port it was given, as {port}?)", command, ended);
                }
                Thread.sleep(20);
            }
        }
    }

    InetSocketAddress address() {
        return address;
    }

    String command() {
        return program.command();
    }

    boolean isAlive() {
        return program.isAlive();
    }

    /**
     * Whether it has exited, waiting up to {@code wait} for that to be seen: a server that exits
     * closes its sockets before the shell and the group wrapper around it have exited too.
     */
    boolean hasExited(Duration wait) throws InterruptedException {
        return program.exitsWithin(wait);
    }

    /** Waits for an exited server's end, to report its exit code and last output. */
    StudentProgram.Ended ended() throws InterruptedException {
        return program.await(Duration.ofSeconds(1));
    }

    StudentProgram.Ended stop() throws InterruptedException {
        return program.stop(STOP_GRACE);
    }

    @Override
    public void close() {
        program.close();
    }

    /** A port that was free a moment ago (the student's server must be told one, so port 0 cannot do). */
    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * True when the port is listening. On Linux the kernel's socket table says so without a
     * connection: a probe connection would be a client of its own to a server that serves one
     * at a time, and the next client would race its closing and listening anew.
     */
    private static boolean accepts(InetSocketAddress address) {
        Boolean listed = listedAsListening(address.getPort());
        return listed != null ? listed : connects(address);
    }

    /** Null where there is no /proc/net/tcp to read. */
    static Boolean listedAsListening(int port) {
        String local = String.format(Locale.ROOT, ":%04X", port);
        boolean readable = false;
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> rows;
            try {
                rows = Files.readAllLines(Path.of(table));
            } catch (IOException | RuntimeException e) {
                continue;
            }
            readable = true;
            for (String row : rows) {
                String[] f = row.strip().split("\\s+");
                // sl local_address rem_address st ...; st 0A is LISTEN
                if (f.length > 3 && f[1].endsWith(local) && f[3].equals("0A")) {
                    return true;
                }
            }
        }
        return readable ? Boolean.FALSE : null;
    }

    /** True when a connection to the port is accepted; it is closed at once. */
    private static boolean connects(InetSocketAddress address) {
        try (Socket s = new Socket()) {
            s.connect(address, 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
