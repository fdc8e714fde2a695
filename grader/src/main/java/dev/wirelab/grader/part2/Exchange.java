package dev.wirelab.grader.part2;

import dev.wirelab.grader.Durations;
import dev.wirelab.grader.Ladder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** What a probe works with: the student's server, the ladder, clients, and the checks' words. */
public final class Exchange {

    /** How long the grader waits for a reply that should come at once. */
    static final Duration REPLY_WAIT = Duration.ofSeconds(2);

    private final ServerScenario scenario;
    private final InetSocketAddress address;
    private final Ladder ladder;
    private final long seed;
    /** The run's --time-scale (at least 1 here): a slow grading machine is late by more. */
    private final double timeScale;
    private final List<String> notes = new ArrayList<>();
    private final List<LineClient> clients = new ArrayList<>();

    Exchange(ServerScenario scenario, InetSocketAddress address, Ladder ladder, long seed, double timeScale) {
        this.timeScale = Math.max(1.0, timeScale);
        this.scenario = scenario;
        this.address = address;
        this.ladder = ladder;
        this.seed = seed;
    }

    public ServerScenario scenario() {
        return scenario;
    }

    public long seed() {
        return seed;
    }

    /** How late a delayed reply may be: {@link ServerScenarios#LATE}, stretched by --time-scale. */
    Duration late() {
        return Duration.ofNanos(Math.round(ServerScenarios.LATE.toNanos() * timeScale));
    }

    Ladder ladder() {
        return ladder;
    }

    /** A new client connection, named in the ladder and the sentences ("client 2"). */
    LineClient client(String name) throws IOException {
        LineClient c = LineClient.connect(address, name, ladder, REPLY_WAIT);
        synchronized (clients) {
            clients.add(c);
        }
        return c;
    }

    /**
     * Said where a reply is missing, when no client of the scenario got a single byte back: a
     * server that writes through a buffer and never flushes looks exactly like one that hangs or
     * serves one client at a time, and this is what tells them apart.
     */
    String silence() {
        synchronized (clients) {
            if (clients.stream().anyMatch(c -> c.received() > 0)) {
                return "";
            }
        }
        return " (no client got a single byte back in this scenario: if your server writes through a buffer,"
                + " such as a makefile(\"wb\") file or a BufferedWriter, does it flush after each reply?)";
    }

    /** Information for the report that is not graded. */
    void note(String n) {
        synchronized (notes) {
            notes.add(n);
        }
    }

    List<String> notes() {
        synchronized (notes) {
            return List.copyOf(notes);
        }
    }

    /** Closes every client: ends a probe that is still waiting. */
    void closeAll() {
        synchronized (clients) {
            clients.forEach(LineClient::close);
        }
    }

    static ServerScenario.Probe.Failed fail(String sentence) {
        return new ServerScenario.Probe.Failed(sentence);
    }

    /** Sends one line and checks that exactly it comes back; returns the reply. */
    LineClient.Reply expectEcho(LineClient c, int n, byte[] line, Duration within) throws IOException, ServerScenario.Probe.Failed {
        long sent = c.send(line);
        LineClient.Reply r = c.read(within, sent);
        noReply(c, n, line, r, within);
        if (!java.util.Arrays.equals(r.bytes(), line)) {
            throw fail("the reply to line " + n + " " + LineClient.preview(line) + " was " + LineClient.preview(r.bytes())
                    + (r.kind() == LineClient.Kind.UNTERMINATED ? " with no newline" : "") + ", not its echo");
        }
        return r;
    }

    /** Fails with the right sentence when {@code r} is no reply at all. */
    void noReply(LineClient c, int n, byte[] line, LineClient.Reply r, Duration within) throws ServerScenario.Probe.Failed {
        String who = c.name().equals("client 1") ? "" : " from " + c.name();
        if (r.kind() == LineClient.Kind.NONE) {
            throw fail("no reply to line " + n + who + " " + LineClient.preview(line) + " within " + Durations.limit(within) + silence());
        }
        if (r.kind() == LineClient.Kind.CLOSED) {
            throw fail("your server closed the connection instead of answering line " + n + who + " " + LineClient.preview(line));
        }
    }
}
