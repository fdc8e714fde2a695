package dev.wirelab.part3;

import dev.wirelab.common.Frame;
import dev.wirelab.common.FrameCodec;
import dev.wirelab.common.FrameType;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ProtocolException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * The resilient client that the report's 3.3 names and its 3.2.4 describes: sends messages as DATA
 * frames (sequence number + CRC-32C), accepts a message as delivered only on an ACK with its
 * sequence number, a valid checksum and the same payload echoed, and otherwise retransmits — on a timeout, an ERROR reply, a corrupt or
 * unparseable reply, a reset or a closed connection — reconnecting with HELLO and the same session id
 * so the server can tell a retransmission from a new message.
 *
 * <p>One event loop thread owns all state ({@link SendWindow}, {@link RttEstimator}); a
 * {@link Connection} feeds it replies through a queue, so the loop waits for "the next reply or the
 * next timer, whichever comes first" without ever blocking on the socket.
 */
public final class ResilientClient {

    /**
     * How the client behaves. Build with {@link #to(String, int)} and the {@code with} methods.
     *
     * @param giveUpAfter messages given up in a row after which the rest of the run is given up
     *                    too (0: never): a server that accepts connections but acknowledges
     *                    nothing is reported after a few messages, not after all of them
     * @param deadline    the longest the whole run may take ({@link Duration#ZERO}: no limit);
     *                    what is not delivered by then is given up
     */
    public record Config(String host, int port, String clientId, Duration initialTimeout, Duration minTimeout,
                         Duration maxTimeout, int maxAttempts, int window, double jitter, int maxPayload,
                         Duration connectTimeout, int giveUpAfter, Duration deadline) {

        public Config {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(clientId, "clientId");
            Objects.requireNonNull(deadline, "deadline");
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be 1..65535, got " + port);
            }
            if (clientId.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > FrameCodec.MAX_CLIENT_ID_BYTES) {
                throw new IllegalArgumentException("client id is longer than " + FrameCodec.MAX_CLIENT_ID_BYTES + " bytes");
            }
            if (initialTimeout.isNegative() || initialTimeout.isZero() || minTimeout.isNegative()
                    || maxTimeout.compareTo(minTimeout) < 0 || maxTimeout.compareTo(initialTimeout) < 0) {
                throw new IllegalArgumentException("timeouts must satisfy 0 < initial <= max and min <= max");
            }
            if (maxAttempts < 1 || window < 1) {
                throw new IllegalArgumentException("max attempts and window must be at least 1");
            }
            if (giveUpAfter < 0 || deadline.isNegative()) {
                throw new IllegalArgumentException("give-up count and deadline must not be negative");
            }
        }

        /**
         * Defaults: a random client id, 1 s initial RTO (RFC 6298), RTO bounds 100 ms (Linux uses 200 ms;
         * below ~40 ms Nagle plus delayed ACKs on the server's side cause spurious timeouts) to 10 s,
         * 15 attempts (Linux's tcp_retries2), stop-and-wait, the run given up after 3 messages in a
         * row failed, no deadline. The 10 s maximum deviates from RFC 6298, which allows a maximum
         * only if it is at least 60 s: in a lab, a run should end within minutes, not wait a minute
         * for each lost reply.
         */
        public static Config to(String host, int port) {
            return new Config(host, port, randomClientId(), Duration.ofSeconds(1), Duration.ofMillis(100),
                    Duration.ofSeconds(10), 15, 1, 0.25, FrameCodec.DEFAULT_MAX_PAYLOAD, Duration.ofSeconds(5),
                    DEFAULT_GIVE_UP_AFTER, Duration.ZERO);
        }

        public Config withClientId(String id) {
            return new Config(host, port, id, initialTimeout, minTimeout, maxTimeout, maxAttempts, window, jitter,
                    maxPayload, connectTimeout, giveUpAfter, deadline);
        }

        public Config withTimeouts(Duration initial, Duration min, Duration max) {
            return new Config(host, port, clientId, initial, min, max, maxAttempts, window, jitter, maxPayload,
                    connectTimeout, giveUpAfter, deadline);
        }

        public Config withInitialTimeout(Duration initial) {
            return withTimeouts(initial, minTimeout, maxTimeout.compareTo(initial) < 0 ? initial : maxTimeout);
        }

        public Config withMaxAttempts(int n) {
            return new Config(host, port, clientId, initialTimeout, minTimeout, maxTimeout, n, window, jitter,
                    maxPayload, connectTimeout, giveUpAfter, deadline);
        }

        public Config withWindow(int w) {
            return new Config(host, port, clientId, initialTimeout, minTimeout, maxTimeout, maxAttempts, w, jitter,
                    maxPayload, connectTimeout, giveUpAfter, deadline);
        }

        /** Gives up the rest of the run after {@code k} messages in a row were given up; 0 never does. */
        public Config withGiveUpAfter(int k) {
            return new Config(host, port, clientId, initialTimeout, minTimeout, maxTimeout, maxAttempts, window, jitter,
                    maxPayload, connectTimeout, k, deadline);
        }

        /** Bounds the whole run; {@link Duration#ZERO} for no bound. */
        public Config withDeadline(Duration d) {
            return new Config(host, port, clientId, initialTimeout, minTimeout, maxTimeout, maxAttempts, window, jitter,
                    maxPayload, connectTimeout, giveUpAfter, d);
        }

        /** "client-" and 64 random bits: two clients started without --client-id never share an id. */
        public static String randomClientId() {
            return "client-" + HexFormat.of().toHexDigits(SESSION_RANDOM.nextLong());
        }
    }

    /** Messages given up in a row after which the rest of a run is given up, by default. */
    public static final int DEFAULT_GIVE_UP_AFTER = 3;

    private static final SecureRandom SESSION_RANDOM = new SecureRandom();

    /**
     * The id one {@link #send} call says HELLO with: the configured client id, {@code #}, and 8 random
     * hex digits, within the wire format's 64 bytes (the client id is shortened if need be).
     *
     * <p>The server remembers per id which sequence numbers it delivered, and every run numbers its
     * messages from 1 again. Were the bare id reused, a second run's messages would be taken for
     * retransmissions of the first run's: acknowledged, but never handed to the application.
     */
    static String sessionId(String clientId) {
        String suffix = "#" + HexFormat.of().toHexDigits(SESSION_RANDOM.nextInt());
        int budget = FrameCodec.MAX_CLIENT_ID_BYTES - suffix.length();
        StringBuilder user = new StringBuilder();
        int bytes = 0;
        for (int i = 0; i < clientId.length(); ) {
            int cp = clientId.codePointAt(i);
            int len = new String(Character.toChars(cp)).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            if (bytes + len > budget) {
                break;
            }
            user.appendCodePoint(cp);
            bytes += len;
            i += Character.charCount(cp);
        }
        return user + suffix;
    }

    private static final long ANSWERED_BACKOFF_FLOOR_NANOS = 1_000_000;

    /** Failed HELLO exchanges in a row where the server did answer (ERROR, corrupt, reset), per allowed attempt. */
    private static final int ANSWERED_HELLO_FAILURES_PER_ATTEMPT = 4;

    private static final Duration RECONNECT_WAIT_CAP = Duration.ofSeconds(1);

    /**
     * HELLOs in a row that got no reply at all. Each waits a doubled RTO, so with the full
     * --max-attempts a server that accepts but never answers took minutes (1+2+4+...+10 s) to report.
     */
    static final int MAX_SILENT_HELLOS = 3;

    /**
     * A server that has answered before is given up for silence only after this long without a
     * reply as well: with a short minimum RTO three silent HELLOs take a fifth of a second, less
     * than a garbage-collection pause or a loaded machine's stall, and the run would end on a
     * server that is only slow. One that never answered is not given more (it is most likely not
     * a wire-format server at all).
     */
    static final long SPOKEN_SILENCE_NANOS = 2_000_000_000L;

    /**
     * Replies read but not yet handled. Bounded: when the loop falls behind (a flood of replies, a
     * trace written to a terminal that does not read), the reader stops reading and TCP's flow
     * control holds the server back.
     */
    static final int EVENT_QUEUE_CAPACITY = 1024;

    private final Config cfg;
    private final ClientListener listener;
    private final RandomGenerator random;

    public ResilientClient(Config cfg, ClientListener listener) {
        this(cfg, listener, new java.util.SplittableRandom());
    }

    public ResilientClient(Config cfg, ClientListener listener, RandomGenerator random) {
        this.cfg = cfg;
        this.listener = listener;
        this.random = random;
    }

    /**
     * Sends the messages with sequence numbers 1..n and returns when each is delivered or given up.
     * The run is bounded: each message by {@link Config#maxAttempts}, the run by
     * {@link Config#giveUpAfter} failed messages in a row and by {@link Config#deadline}.
     *
     * @throws ConnectException     nothing listens at the address when the run starts (a server
     *                              that goes away later is retried with backoff instead)
     * @throws UnknownHostException the host name does not resolve
     * @throws ProtocolException    the server does not speak wire format v1: its first bytes are
     *                              not a frame, it echoes HELLO back, or it never answers HELLO
     */
    public Summary send(List<byte[]> payloads) throws IOException {
        return new Run(payloads).run();
    }

    /** How opening a connection failed. */
    private enum Failing {
        /** No TCP connection. */
        UNREACHABLE,
        /** Connected, but no reply to HELLO within the RTO. */
        SILENT,
        /** The server replied to HELLO, but not with ACK 0 (ERROR, corrupt, reset). */
        ANSWERED,
        /** The run's deadline came first. */
        DEADLINE
    }

    private static final class ConnectFailed extends Exception {
        private static final long serialVersionUID = 1L;
        final Failing kind;

        ConnectFailed(String message, Failing kind) {
            super(message, null, false, false);
            this.kind = kind;
        }

        ConnectFailed(String message, boolean answered) {
            this(message, answered ? Failing.ANSWERED : Failing.UNREACHABLE);
        }
    }

    /** The state of one {@link #send} call. */
    private final class Run {
        final long start = System.nanoTime();
        final SendWindow window;
        final RttEstimator rtt = new RttEstimator(cfg.initialTimeout(), cfg.minTimeout(), cfg.maxTimeout(), Duration.ofNanos(100_000));
        // Reconnect waits start at the minimum RTO and are capped at 1 s: a server that refuses
        // connections is reported within seconds, not after minutes of ever longer waits.
        final RetryPolicy policy = new RetryPolicy(cfg.maxAttempts(), cfg.jitter(),
                cfg.minTimeout().isZero() ? Duration.ofMillis(1) : cfg.minTimeout(),
                cfg.maxTimeout().compareTo(RECONNECT_WAIT_CAP) < 0 ? cfg.maxTimeout() : RECONNECT_WAIT_CAP, random);
        final BlockingQueue<Connection.Event> events = new ArrayBlockingQueue<>(EVENT_QUEUE_CAPACITY);
        final String address = cfg.host() + ":" + cfg.port();
        final String sessionId = sessionId(cfg.clientId());
        long[] samples = new long[64];
        int sampleCount;
        Connection conn;
        int epoch;
        int connections;
        long lastBackoff = start;
        long errorReplies;
        long corruptReplies;
        long timeouts;
        long connectionsLost;
        /** An ACK was accepted on the current connection. */
        boolean progressOnConnection;
        /** Connections in a row that were lost before a single ACK was accepted on them. */
        int lostWithoutProgress;
        /** How long to wait before the next connect, set when a connection is lost. */
        long reconnectWait;
        /** Messages given up since the last accepted ACK. */
        int failedInARow;
        /** Why the run stopped before every message was tried to the end; "" when it did not. */
        String stoppedEarly = "";
        /** A valid frame arrived in this run: the server speaks the wire format. */
        boolean spoke;
        final boolean hasDeadline = !cfg.deadline().isZero();
        final long runDeadline = start + cfg.deadline().toNanos();

        Run(List<byte[]> payloads) {
            this.window = new SendWindow(payloads, 1, cfg.window(), cfg.maxAttempts());
        }

        Summary run() throws IOException {
            int hardFailures = 0;
            int silentHellos = 0;
            long silentSince = 0; // t() when the first of the current silent HELLOs went unanswered
            int answeredFailures = 0;
            try {
                while (!window.isFinished()) {
                    if (deadlinePassed()) {
                        stop("the run's deadline of " + seconds(cfg.deadline()) + " passed");
                        break;
                    }
                    if (conn == null) {
                        if (reconnectWait > 0) {
                            listener.reconnectDelay(t(), reconnectWait, lostWithoutProgress);
                            sleepNanos(untilDeadline(reconnectWait));
                            reconnectWait = 0;
                            continue;
                        }
                        try {
                            listener.connecting(t(), address, hardFailures + silentHellos + answeredFailures + 1);
                            conn = open();
                            connections++;
                            hardFailures = 0;
                            silentHellos = 0;
                            answeredFailures = 0;
                        } catch (ConnectFailed e) {
                            switch (e.kind) {
                                case UNREACHABLE -> hardFailures++;
                                case SILENT -> {
                                    if (silentHellos++ == 0) {
                                        silentSince = t();
                                    }
                                }
                                case ANSWERED -> answeredFailures++;
                                case DEADLINE -> {
                                    continue;
                                }
                            }
                            boolean giveUp = !policy.mayRetry(hardFailures + silentHellos)
                                    || silentHellos >= Math.min(MAX_SILENT_HELLOS, policy.maxAttempts())
                                            && (!spoke || t() - silentSince >= SPOKEN_SILENCE_NANOS)
                                    || answeredFailures >= ANSWERED_HELLO_FAILURES_PER_ATTEMPT * policy.maxAttempts();
                            // An answered HELLO waits too, from the second in a row: a server that
                            // rejects every HELLO is not hit as fast as the loop can run, while one
                            // lost or corrupted HELLO reply (a lossy network) is retried at once.
                            // A server that answers is reachable and its round trip is known, so
                            // those waits start from a few round trips, not from the minimum RTO.
                            long wait;
                            if (giveUp) {
                                wait = 0;
                            } else if (hardFailures + silentHellos == 0) {
                                wait = policy.backoffNanos(answeredFailures - 1, answeredBackoffBase());
                            } else {
                                wait = policy.reconnectDelayNanos(hardFailures + silentHellos + Math.max(0, answeredFailures - 1));
                            }
                            listener.connectFailed(t(), e.getMessage(), wait);
                            if (giveUp && e.kind == Failing.SILENT && !spoke) {
                                // Never a single valid frame: the peer is not a wire-format server
                                // at all (part 1's server, for one, reads and never answers).
                                throw new ProtocolException("the server at " + address + " accepted the connection but never answered HELLO ("
                                        + silentHellos + " tries over " + seconds(Duration.ofNanos(t())) + "): is it a wire format v1 server"
                                        + " such as ./lab part2 echo-server? (part 1's server never answers)");
                            }
                            if (giveUp) {
                                stop("could not talk to " + address + ": " + e.getMessage());
                                break;
                            }
                            sleepNanos(untilDeadline(wait));
                            continue;
                        }
                    }
                    step();
                    if (tooManyFailedInARow() && !window.isFinished()) {
                        stop(failedInARow + (failedInARow == 1 ? " message failed" : " messages in a row failed"));
                    }
                }
            } finally {
                if (conn != null) {
                    conn.close();
                }
            }
            return summary();
        }

        /** Gives up everything not finished yet, and says why once. */
        private void stop(String reason) {
            stoppedEarly = reason;
            int unsent = window.size() - window.delivered() - window.failedCount();
            window.failAll("still unanswered when the run stopped");
            listener.stopped(t(), reason, unsent);
        }

        private void gaveUp(SendWindow.Failure.GaveUp g) {
            failedInARow++;
            listener.gaveUp(t(), g);
        }

        private boolean tooManyFailedInARow() {
            return cfg.giveUpAfter() > 0 && failedInARow >= cfg.giveUpAfter();
        }

        private boolean deadlinePassed() {
            return hasDeadline && System.nanoTime() - runDeadline >= 0;
        }

        /** {@code nanos}, or less if the run's deadline comes first. */
        private long untilDeadline(long nanos) {
            return hasDeadline ? Math.max(0, Math.min(nanos, runDeadline - System.nanoTime())) : nanos;
        }

        /**
         * The first wait after answered HELLO failures: four smoothed round trips, at least 1 ms;
         * the minimum RTO (the general reconnect base) while no round trip was measured yet.
         */
        long answeredBackoffBase() {
            long srtt = rtt.srttNanos();
            return srtt > 0 ? Math.max(ANSWERED_BACKOFF_FLOOR_NANOS, 4 * srtt) : Long.MAX_VALUE;
        }

        /** Timers, then sends, then waits for the next reply or timer. */
        private void step() {
            long now = System.nanoTime();
            List<SendWindow.Failure> expired = window.expire(now);
            if (!expired.isEmpty()) {
                timeouts += expired.size();
                // Back off once per loss event, as TCP's single timer does: a message sent before
                // the last backoff had its timer armed with the older, shorter RTO, so its expiry
                // is the same event and must not double the RTO again.
                if (window.latestExpiredSentAt() - lastBackoff >= 0) {
                    rtt.backoff();
                    lastBackoff = now;
                }
                for (SendWindow.Failure f : expired) {
                    listener.timeout(t(), f, rtt.rtoNanos());
                    if (f instanceof SendWindow.Failure.GaveUp g) {
                        gaveUp(g);
                    }
                }
                int partial = conn.bufferedBytes();
                if (partial > 0) {
                    // A reply began and never finished: its length field was most likely corrupted,
                    // so the decoder waits for bytes that will never come. The stream is lost.
                    corruptReplies++;
                    listener.corrupt(t(), "a reply stopped after " + partial + " bytes of its frame (length field corrupted?)");
                    drop(Cause.CORRUPT, "reply frame never completed", false);
                    return;
                }
            }
            if (tooManyFailedInARow()) {
                return; // the run is given up: nothing more goes out
            }
            for (SendWindow.Transmission tx : window.due()) {
                long sentAt = System.nanoTime();
                long timeout = policy.timeoutNanos(rtt.rtoNanos(), tx.number(), rtt.maxRtoNanos());
                if (!conn.trySend(FrameCodec.encode(Frame.data(tx.seq(), tx.payload())))) {
                    // The writer is a megabyte behind (the server reads slowly): the rest stays
                    // due, and the connection says when it may go.
                    break;
                }
                window.sent(tx.seq(), sentAt, sentAt + timeout);
                listener.send(t(), tx, timeout);
            }
            if (window.isFinished()) {
                return;
            }
            long deadline = window.nextDeadline();
            long wait = untilDeadline(deadline == Long.MAX_VALUE ? rtt.maxRtoNanos() : deadline - System.nanoTime());
            List<Connection.Event> batch = new ArrayList<>();
            Connection.Event first = poll(wait);
            if (first == null) {
                return;
            }
            batch.add(first);
            // Handle everything that already arrived before sending again: the second copy of a
            // duplicated ERROR then finds its message already due instead of charging the resend.
            events.drainTo(batch);
            for (Connection.Event ev : batch) {
                if (conn == null || ev.epoch() != conn.epoch()) {
                    continue;
                }
                handle(ev);
            }
        }

        private void handle(Connection.Event ev) {
            switch (ev) {
                case Connection.Received r -> onFrame(r.frame());
                case Connection.Broken b -> {
                    corruptReplies++;
                    listener.corrupt(t(), "reply failed its check: " + b.error().getMessage());
                    drop(Cause.CORRUPT, "corrupt reply (" + b.error().reason() + ")", true);
                }
                case Connection.Closed c -> {
                    listener.connectionLost(t(), c.why());
                    drop(Cause.CONNECTION_LOST, c.why(), true);
                }
                case Connection.Writable w -> {
                    // nothing to do: the next step sends what is due
                }
            }
        }

        private void onFrame(Frame f) {
            long now = System.nanoTime();
            spoke = true;
            switch (f.type()) {
                case ACK -> {
                    switch (window.onAck(f.seq(), f.payload(), now)) {
                        case SendWindow.AckOutcome.Accepted a when a.late() -> {
                            failedInARow = 0;
                            listener.lateAck(t(), a.seq(), a.transmissions());
                        }
                        case SendWindow.AckOutcome.Accepted a -> {
                            progressOnConnection = true;
                            failedInARow = 0;
                            if (a.rttNanos() >= 0) {
                                rtt.sample(a.rttNanos());
                                addSample(a.rttNanos());
                            }
                            listener.ack(t(), a.seq(), a.rttNanos(), rtt.rtoNanos(), a.transmissions());
                            for (SendWindow.Failure lost : a.overtaken()) {
                                listener.overtaken(t(), lost);
                                if (lost instanceof SendWindow.Failure.GaveUp g) {
                                    gaveUp(g);
                                }
                            }
                        }
                        case SendWindow.AckOutcome.Stale s -> listener.staleAck(t(), s.seq(), s.why());
                        case SendWindow.AckOutcome.Mismatch m -> {
                            corruptReplies++;
                            listener.corrupt(t(), "ACK " + m.seq() + " echoes a payload different from the one sent");
                            // The reply names its message: that one is charged, not the oldest in flight.
                            dropBlaming(m.seq(), Cause.CORRUPT, "ACK echoed a different payload");
                        }
                    }
                }
                case ERROR -> {
                    errorReplies++;
                    String reason = serverText(f.payload());
                    SendWindow.Failure outcome = window.onError(f.seq(), reason);
                    listener.errorReply(t(), f.seq(), reason, outcome);
                    if (outcome instanceof SendWindow.Failure.GaveUp g) {
                        gaveUp(g);
                    }
                }
                case HELLO, DATA -> {
                    corruptReplies++;
                    listener.corrupt(t(), "server sent a " + f.type() + " frame, which only clients send");
                    drop(Cause.CORRUPT, "unexpected " + f.type() + " from the server", true);
                }
            }
        }

        private void drop(Cause cause, String problem, boolean blameOldest) {
            closeLost(window.connectionLost(cause, problem, blameOldest));
        }

        private void dropBlaming(long seq, Cause cause, String problem) {
            closeLost(window.connectionLost(cause, problem, seq));
        }

        private void closeLost(List<SendWindow.Failure> failures) {
            conn.close();
            conn = null;
            connectionsLost++;
            // One lost connection is a fault to repair at once. A server that breaks every
            // connection before answering a single DATA (one that resets right after HELLO) would
            // otherwise be reconnected to as fast as the loop runs: from the second such loss in a
            // row, back off, starting from a few round trips and doubling up to a second.
            lostWithoutProgress = progressOnConnection ? 0 : lostWithoutProgress + 1;
            reconnectWait = policy.backoffNanos(lostWithoutProgress - 1, answeredBackoffBase());
            for (SendWindow.Failure f : failures) {
                if (f instanceof SendWindow.Failure.GaveUp g) {
                    gaveUp(g);
                }
            }
        }

        /**
         * TCP connect, then HELLO with our client id, answered by ACK 0 within the RTO.
         *
         * @throws IOException when the run cannot start at all: nothing listens at the address, the
         *                     host is unknown, or the server does not speak the wire format
         */
        private Connection open() throws ConnectFailed, IOException {
            events.clear();
            Socket socket = new Socket();
            try {
                socket.setTcpNoDelay(true);
                long connectMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(untilDeadline(cfg.connectTimeout().toNanos())));
                socket.connect(new InetSocketAddress(cfg.host(), cfg.port()), (int) Math.min(Integer.MAX_VALUE, connectMillis));
            } catch (IOException e) {
                closeQuietly(socket);
                if (connections == 0 && !spoke) {
                    // Before the first connection a refusal is no fault to ride out: there is no
                    // server (a server that restarts mid-run is retried with backoff below).
                    if (e instanceof UnknownHostException) {
                        throw new UnknownHostException(cfg.host());
                    }
                    if (e instanceof ConnectException && (e.getMessage() == null
                            || e.getMessage().toLowerCase(Locale.ROOT).contains("refused"))) {
                        throw new ConnectException("nothing listens on " + address);
                    }
                }
                throw new ConnectFailed(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), false);
            }
            Connection c = new Connection(socket, ++epoch, cfg.maxPayload(), events);
            c.start();
            long sentAt = System.nanoTime();
            byte[] hello = FrameCodec.encode(Frame.hello(sessionId));
            c.trySend(hello);
            listener.helloSent(t(), sessionId);
            long deadline = sentAt + rtt.rtoNanos();
            while (true) {
                Connection.Event ev = poll(untilDeadline(deadline - System.nanoTime()));
                if (ev == null) {
                    if (deadlinePassed()) {
                        c.close();
                        throw new ConnectFailed("the run's deadline passed during HELLO", Failing.DEADLINE);
                    }
                    if (deadline - System.nanoTime() <= 0) {
                        c.close();
                        long waited = rtt.rtoNanos();
                        rtt.backoff();
                        // Before any valid frame, the likely cause is the wrong server (part 1's
                        // never answers), and the student should hear it at the first silence.
                        throw new ConnectFailed("no reply to HELLO within " + Summary.millis(waited)
                                + (spoke ? "" : " (is it a wire format v1 server?)"), Failing.SILENT);
                    }
                    continue;
                }
                if (ev.epoch() != c.epoch()) {
                    continue;
                }
                if (ev instanceof Connection.Received r && !spoke && r.frame().type() == FrameType.HELLO) {
                    c.close();
                    throw new ProtocolException("the server at " + address + (Arrays.equals(FrameCodec.encode(r.frame()), hello)
                            ? " sent our HELLO back unchanged: it is a plain echo server, not a wire format v1 server"
                            : " answered HELLO with a HELLO: it is not a wire format v1 server")
                            + " (part 3 needs one such as ./lab part2 echo-server)");
                }
                if (ev instanceof Connection.Broken b && !spoke && b.framesBefore() == 0 && !startsLikeDamagedFrame(b.firstBytes())) {
                    c.close();
                    String tls = tlsRecord(b.firstBytes());
                    if (tls != null) {
                        throw new ProtocolException("the server at " + address + " speaks TLS: it answered HELLO with " + tls
                                + "; part 3 speaks plain wire format v1 (use a server such as ./lab part2 echo-server)");
                    }
                    throw new ProtocolException("the server at " + address + " does not speak wire format v1: it answered HELLO with \""
                            + dev.wirelab.common.Bytes.escape(b.firstBytes()) + "\"" + (b.firstBytes().length == Connection.FIRST_BYTES ? "..." : "")
                            + " (part 3 needs a wire format v1 server such as ./lab part2 echo-server)");
                }
                switch (ev) {
                    case Connection.Received r when r.frame().type() == FrameType.ACK && r.frame().seq() == 0 -> {
                        spoke = true;
                        long sample = System.nanoTime() - sentAt;
                        // A round trip all the same, so it teaches the RTO; but the RTT figures in
                        // the summary are those of DATA messages.
                        rtt.sample(sample);
                        listener.connected(t(), sessionId, sample);
                        progressOnConnection = false;
                        return c;
                    }
                    case Connection.Received r when r.frame().type() == FrameType.ERROR && r.frame().seq() == 0 -> {
                        spoke = true;
                        errorReplies++;
                        c.close();
                        throw new ConnectFailed("server answered HELLO with ERROR \"" + serverText(r.frame().payload()) + "\"", true);
                    }
                    case Connection.Received r -> {
                        spoke = true;
                        c.close();
                        throw new ConnectFailed("server answered HELLO with " + r.frame().type() + " " + r.frame().seq(), true);
                    }
                    case Connection.Broken b -> {
                        corruptReplies++;
                        listener.corrupt(t(), "reply to HELLO failed its check: " + b.error().getMessage());
                        c.close();
                        throw new ConnectFailed("corrupt reply to HELLO", true);
                    }
                    case Connection.Closed cl -> {
                        c.close();
                        throw new ConnectFailed(cl.why() + " during HELLO", true);
                    }
                    case Connection.Writable w -> {
                        // only DATA can be refused
                    }
                }
            }
        }

        private Connection.Event poll(long waitNanos) {
            try {
                return waitNanos <= 0 ? events.poll() : events.poll(waitNanos, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }

        private void addSample(long nanos) {
            if (sampleCount == samples.length) {
                samples = Arrays.copyOf(samples, samples.length * 2);
            }
            samples[sampleCount++] = nanos;
        }

        private long percentile(long[] sorted, double p) {
            if (sorted.length == 0) {
                return -1;
            }
            int rank = (int) Math.ceil(p * sorted.length); // nearest-rank definition
            return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
        }

        private Summary summary() {
            // Taken first: nothing done to report the run counts as part of it.
            long elapsed = System.nanoTime() - start;
            long[] sorted = Arrays.copyOf(samples, sampleCount);
            Arrays.sort(sorted);
            return new Summary(sessionId, window.size(), window.delivered(), window.failed(), window.transmissions(),
                    window.retransmissions(), Math.max(0, connections - 1), window.staleAcks(), errorReplies,
                    corruptReplies, timeouts, connectionsLost, sampleCount, percentile(sorted, 0.50),
                    percentile(sorted, 0.99), rtt.rtoNanos(), elapsed, window.deliveredBytes(),
                    stoppedEarly);
        }

        private long t() {
            return System.nanoTime() - start;
        }
    }

    /**
     * Whether bytes that failed the frame checks still look like the start of a frame that was
     * damaged on the way (part 2's corruption changes one byte): at most one of magic, version
     * and a known type is wrong. Text, TLS records or HTTP get two or more of them wrong.
     */
    static boolean startsLikeDamagedFrame(byte[] first) {
        int n = Math.min(4, first.length);
        int wrong = 0;
        for (int i = 0; i < n; i++) {
            int b = first[i] & 0xff;
            boolean ok = switch (i) {
                case 0 -> b == FrameCodec.MAGIC_0;
                case 1 -> b == FrameCodec.MAGIC_1;
                case 2 -> b == FrameCodec.VERSION;
                default -> b >= FrameType.HELLO.code() && b <= FrameType.ERROR.code();
            };
            wrong += ok ? 0 : 1;
        }
        return wrong <= 1;
    }

    /**
     * What a TLS server's first bytes are, or null if they are no TLS record header: content type
     * 20..24, then version 3.x (every SSL 3 / TLS version so far). A TLS server that gets
     * anything but a ClientHello answers with an alert.
     */
    static String tlsRecord(byte[] first) {
        if (first.length < 3 || first[1] != 3 || (first[2] & 0xff) > 4) {
            return null;
        }
        return switch (first[0]) {
            case 21 -> "a TLS alert";
            case 20, 22, 23, 24 -> "a TLS record";
            default -> null;
        };
    }

    /** Longest ERROR reason shown, in bytes: it is the server's text and may be anything. */
    static final int MAX_REASON_BYTES = 120;

    /**
     * An ERROR reason as one safe line: control characters (an ANSI escape, a CR that would let a
     * server overwrite the line, a newline that would fake another one) escaped, and cut short.
     */
    static String serverText(byte[] text) {
        int n = Math.min(text.length, MAX_REASON_BYTES);
        String s = dev.wirelab.common.Bytes.escape(text, 0, n);
        return n < text.length ? s + "...(" + text.length + " bytes)" : s;
    }

    static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1f s", d.toNanos() / 1e9);
    }

    private static void sleepNanos(long nanos) {
        if (nanos <= 0) {
            return;
        }
        try {
            // The client's own reconnect backoff: waiting is the point here.
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing left to do with a socket that never connected
        }
    }
}
