package dev.wirelab.part3;

import dev.wirelab.common.FrameCodec;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code part3 client}: sends messages reliably and reports what it took. */
@Command(name = "client", mixinStandardHelpOptions = true,
        description = {"Send messages reliably to a wirelab echo server.",
                "Sequence numbers, CRC-32C, ACKs, adaptive timeouts (RFC 6298), retransmission and reconnects. "
                        + "Messages come from --message, else --count generated ones, else one per line of stdin. "
                        + "Exit 0 only if every message was delivered."})
public final class ClientCommand implements Callable<Integer> {

    /** Most messages one run accepts: the sequence number space, and memory, are finite. */
    static final int MAX_MESSAGES = 10_000_000;
    static final int MAX_WINDOW = 4096;
    /** Ten minutes: far beyond any useful timer, and far from overflowing nanoseconds. */
    static final long MAX_TIMEOUT_MS = 600_000;
    /** A day: longer is surely a typo, and far from overflowing nanoseconds. */
    static final long MAX_DEADLINE_SECONDS = 86_400;

    /**
     * Most memory one run's messages may take: all of them are held until acknowledged, so
     * {@code --count} times {@code --size} is bounded up front instead of ending in an OutOfMemoryError.
     * Each message also costs about {@link #PER_MESSAGE_BYTES} of bookkeeping.
     */
    static final long MAX_TOTAL_BYTES = 256L << 20;
    static final long PER_MESSAGE_BYTES = 128;

    @Spec
    CommandSpec spec;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "localhost", description = "Server host (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080", description = "Server port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--message", paramLabel = "TEXT", description = "A message to send; repeat for more.")
    List<String> messages = new ArrayList<>();

    @Option(names = "--count", paramLabel = "N", description = "Send N generated messages (when no --message).")
    Integer count;

    @Option(names = "--size", paramLabel = "BYTES", defaultValue = "32",
            description = "Size of each generated message (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--client-id", paramLabel = "ID", description = "Client id; HELLO says ID#XXXXXXXX, with 8 random hex digits new for every run (default: random).")
    String clientId;

    @Option(names = "--timeout", paramLabel = "MS", defaultValue = "1000",
            description = "Initial retransmission timeout before any RTT is measured (default: ${DEFAULT-VALUE}).")
    long timeoutMs;

    @Option(names = "--min-timeout", paramLabel = "MS", defaultValue = "100",
            description = "Lower bound of the adaptive timeout (default: ${DEFAULT-VALUE}).")
    long minTimeoutMs;

    @Option(names = "--max-timeout", paramLabel = "MS", defaultValue = "10000",
            description = "Upper bound of the adaptive timeout and its backoff (default: ${DEFAULT-VALUE}).")
    long maxTimeoutMs;

    @Option(names = "--max-attempts", paramLabel = "N", defaultValue = "15",
            description = "Failed transmissions after which a message is given up (default: ${DEFAULT-VALUE}).")
    int maxAttempts;

    @Option(names = "--window", paramLabel = "N", defaultValue = "1",
            description = "Messages in flight at once; 1 = stop-and-wait (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--give-up-after", paramLabel = "N", defaultValue = "" + ResilientClient.DEFAULT_GIVE_UP_AFTER,
            description = "Give up the rest of the run after N messages in a row failed; 0 = never (default: ${DEFAULT-VALUE}).")
    int giveUpAfter;

    @Option(names = "--deadline", paramLabel = "SECONDS", defaultValue = "0",
            description = "Give up whatever is not delivered SECONDS after the start; 0 = no limit (default: ${DEFAULT-VALUE}).")
    double deadlineSeconds;

    @Option(names = "--trace", description = "Print one line per event: the exchange as a ladder diagram (on stderr with --json).")
    boolean trace;

    @Option(names = "--json", description = "Print the summary as one JSON object.")
    boolean json;

    InputStream stdin = System.in;

    @Override
    public Integer call() throws IOException {
        validate();
        List<byte[]> payloads = payloads();
        ResilientClient.Config cfg = config();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        // With --json, stdout carries the JSON object and nothing else, so a program can parse it.
        ClientListener listener = trace ? new TracePrinter(json ? err : out) : new ProgressNotes(err, payloads.size());
        Summary summary = new ResilientClient(cfg, listener).send(payloads);
        out.print(json ? summary.json() + System.lineSeparator() : summary.text());
        out.flush();
        return report(summary, err);
    }

    ResilientClient.Config config() {
        ResilientClient.Config cfg = ResilientClient.Config.to(host, port)
                .withTimeouts(Duration.ofMillis(timeoutMs), Duration.ofMillis(minTimeoutMs), Duration.ofMillis(maxTimeoutMs))
                .withMaxAttempts(maxAttempts)
                .withWindow(window)
                .withGiveUpAfter(giveUpAfter)
                .withDeadline(Duration.ofNanos((long) (deadlineSeconds * 1e9)));
        return clientId == null ? cfg : cfg.withClientId(clientId);
    }

    /** Most messages {@link #report} names one by one. */
    static final int MAX_NAMED = 20;

    /**
     * Names every message that was not delivered on stderr, after one line that says how many and,
     * when the run stopped early, why; messages never sent are one line. Returns the exit code.
     */
    static int report(Summary summary, PrintWriter err) {
        if (summary.allDelivered()) {
            return CommandLine.ExitCode.OK;
        }
        err.println("error: " + summary.failed().size() + " of " + summary.messages() + " messages not delivered"
                + (summary.stoppedEarly().isEmpty() ? ":" : "; gave up the run: " + summary.stoppedEarly()));
        List<SendWindow.Failed> tried = summary.failed().stream().filter(f -> f.transmissions() > 0).toList();
        List<SendWindow.Failed> unsent = summary.failed().stream().filter(f -> f.transmissions() == 0).toList();
        for (int i = 0; i < tried.size(); i++) {
            if (i == MAX_NAMED) {
                err.println("  ... and " + (tried.size() - MAX_NAMED) + " more");
                break;
            }
            SendWindow.Failed f = tried.get(i);
            err.println("  seq " + f.seq() + " " + TracePrinter.preview(f.payload()) + " after " + f.transmissions()
                    + " transmission" + (f.transmissions() == 1 ? "" : "s") + ": " + f.problem());
        }
        if (!unsent.isEmpty()) {
            long first = unsent.get(0).seq();
            long last = unsent.get(unsent.size() - 1).seq();
            err.println("  " + (unsent.size() == 1 ? "seq " + first + " " + TracePrinter.preview(unsent.get(0).payload())
                    : "seq " + first + ".." + last + " (" + unsent.size() + " messages)") + " never sent");
        }
        err.flush();
        return CommandLine.ExitCode.SOFTWARE;
    }

    private void validate() {
        if (port < 1 || port > 65535) {
            throw usage("--port must be 1..65535, got " + port);
        }
        if (timeoutMs > MAX_TIMEOUT_MS || minTimeoutMs > MAX_TIMEOUT_MS || maxTimeoutMs > MAX_TIMEOUT_MS) {
            throw usage("--timeout, --min-timeout and --max-timeout must be at most " + MAX_TIMEOUT_MS + " ms");
        }
        if (timeoutMs < 1 || minTimeoutMs < 0 || maxTimeoutMs < minTimeoutMs || maxTimeoutMs < timeoutMs) {
            throw usage("timeouts must satisfy --timeout >= 1, --min-timeout >= 0, --max-timeout >= both (got "
                    + timeoutMs + ", " + minTimeoutMs + ", " + maxTimeoutMs + ")");
        }
        if (maxAttempts < 1 || maxAttempts > 1000) {
            throw usage("--max-attempts must be 1..1000, got " + maxAttempts);
        }
        if (giveUpAfter < 0 || giveUpAfter > MAX_MESSAGES) {
            throw usage("--give-up-after must be 0.." + MAX_MESSAGES + ", got " + giveUpAfter);
        }
        if (!(deadlineSeconds >= 0 && deadlineSeconds <= MAX_DEADLINE_SECONDS)) { // also NaN
            throw usage("--deadline must be 0.." + MAX_DEADLINE_SECONDS + " seconds, got " + deadlineSeconds);
        }
        if (window < 1 || window > MAX_WINDOW) {
            throw usage("--window must be 1.." + MAX_WINDOW + ", got " + window);
        }
        if (clientId != null && (clientId.isEmpty()
                || clientId.getBytes(StandardCharsets.UTF_8).length > FrameCodec.MAX_CLIENT_ID_BYTES)) {
            throw usage("--client-id must be 1.." + FrameCodec.MAX_CLIENT_ID_BYTES + " bytes of UTF-8");
        }
        if (count != null && (count < 1 || count > MAX_MESSAGES)) {
            throw usage("--count must be 1.." + MAX_MESSAGES + ", got " + count);
        }
        if (size < 1 || size > FrameCodec.DEFAULT_MAX_PAYLOAD) {
            throw usage("--size must be 1.." + FrameCodec.DEFAULT_MAX_PAYLOAD + ", got " + size);
        }
        if (count != null && messages.isEmpty()) {
            checkTotal(spec.commandLine(), "--count " + count + " x --size " + size, count, (long) count * size);
        }
    }

    /** Usage error when {@code n} messages of {@code bytes} in all would take more than {@link #MAX_TOTAL_BYTES}. */
    static void checkTotal(CommandLine cl, String what, long n, long bytes) {
        if (bytes + n * PER_MESSAGE_BYTES > MAX_TOTAL_BYTES) {
            throw new ParameterException(cl, what + " is too much to hold at once (at most " + (MAX_TOTAL_BYTES >> 20)
                    + " MiB, counting " + PER_MESSAGE_BYTES + " bytes per message); send fewer or smaller messages");
        }
    }

    private List<byte[]> payloads() throws IOException {
        List<byte[]> out = new ArrayList<>();
        long total = 0;
        if (!messages.isEmpty()) {
            for (String m : messages) {
                byte[] b = checked(m.getBytes(StandardCharsets.UTF_8), out.size() + 1);
                total += b.length;
                out.add(b);
            }
            checkTotal(spec.commandLine(), out.size() + " messages", out.size(), total);
            return out;
        }
        if (count != null) {
            return generate(count, size);
        }
        // Bytes, not readLine(): a line is refused as soon as it outgrows a frame, instead of being
        // read whole into memory first, and the message is exactly the bytes of the line.
        try (InputStream in = new BufferedInputStream(stdin, 64 * 1024)) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            boolean pending = false;
            int c;
            while ((c = in.read()) >= 0 || pending) {
                if (c >= 0 && c != '\n') {
                    line.write(c);
                    pending = true;
                    if (line.size() > FrameCodec.DEFAULT_MAX_PAYLOAD + 1) { // + 1: a CR before the LF
                        throw usage("line " + (out.size() + 1) + " of stdin is longer than the "
                                + FrameCodec.DEFAULT_MAX_PAYLOAD + " bytes a frame may carry");
                    }
                    continue;
                }
                byte[] b = line.toByteArray();
                if (b.length > 0 && b[b.length - 1] == '\r') {
                    b = Arrays.copyOf(b, b.length - 1);
                }
                line.reset();
                pending = false;
                if (out.size() == MAX_MESSAGES) {
                    throw usage("more than " + MAX_MESSAGES + " lines on stdin");
                }
                checked(b, out.size() + 1);
                total += b.length;
                checkTotal(spec.commandLine(), "stdin", out.size() + 1, total);
                out.add(b);
                if (c < 0) {
                    break;
                }
            }
        } catch (IOException e) {
            throw new IOException("cannot read stdin: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw usage("nothing to send: give --message TEXT, --count N, or lines on stdin");
        }
        return out;
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    private byte[] checked(byte[] payload, int n) {
        if (payload.length > FrameCodec.DEFAULT_MAX_PAYLOAD) {
            throw usage("message " + n + " is " + payload.length + " bytes, more than the "
                    + FrameCodec.DEFAULT_MAX_PAYLOAD + " a frame may carry");
        }
        return payload;
    }

    /** {@code count} messages of exactly {@code size} bytes: "#17 " and then the alphabet, repeated. */
    public static List<byte[]> generate(int count, int size) {
        List<byte[]> out = new ArrayList<>(count);
        for (int i = 1; i <= count; i++) {
            byte[] b = new byte[size];
            byte[] prefix = ("#" + i + " ").getBytes(StandardCharsets.US_ASCII);
            for (int j = 0; j < size; j++) {
                b[j] = j < prefix.length ? prefix[j] : (byte) ('a' + (j - prefix.length) % 26);
            }
            out.add(b);
        }
        return out;
    }
}
