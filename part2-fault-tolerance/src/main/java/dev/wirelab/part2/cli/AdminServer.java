package dev.wirelab.part2.cli;

import dev.wirelab.common.Bytes;
import dev.wirelab.part2.EchoServer;
import dev.wirelab.part2.EchoServerStats;
import dev.wirelab.part2.Fault;
import dev.wirelab.part2.FaultConfig;
import dev.wirelab.part2.FaultProxy;
import dev.wirelab.part2.FaultProxyStats;
import dev.wirelab.part2.LossMode;
import dev.wirelab.part2.server.Limits;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Live control of a running echo server or proxy over HTTP/JSON, as toxiproxy's API: an
 * instructor raises the loss rate in the middle of a demo without restarting anything.
 *
 * <ul>
 *   <li>{@code GET /faults}: the current settings, one key per fault flag without its dashes
 *       ({@code delay}, {@code loss-mode}, ...); times in seconds.</li>
 *   <li>{@code PUT /faults} with a JSON object of some of those keys: changes them for the next
 *       replies and answers with the new settings. A bad body gets a 400 with a one-line reason
 *       and changes nothing.</li>
 *   <li>{@code GET /stats}: the counters, faults by kind.</li>
 * </ul>
 *
 * <p>Requests are served one at a time on a thread of the admin server's own; new settings are
 * handed to the event loops by swapping one immutable {@link FaultConfig}, which each request
 * reads once, so the loops never wait for the admin server.
 */
final class AdminServer implements AutoCloseable {

    /** What the admin server controls. */
    interface Target {
        FaultConfig faults();

        void setFaults(FaultConfig f);

        /** The counters as JSON-ready values (numbers, strings, maps). */
        Map<String, Object> stats();
    }

    static Target of(EchoServer s) {
        return new Target() {
            @Override
            public FaultConfig faults() {
                return s.faults();
            }

            @Override
            public void setFaults(FaultConfig f) {
                s.setFaults(f);
            }

            @Override
            public Map<String, Object> stats() {
                EchoServerStats st = s.stats();
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("connections", st.connections());
                m.put("active", st.active());
                m.put("messages", st.messages());
                m.put("lines", st.lines());
                m.put("delivered", st.delivered());
                m.put("duplicates-suppressed", st.duplicatesSuppressed());
                m.put("rejected", st.rejected());
                m.put("refused", st.refused());
                m.put("faults", byKind(st.faults()));
                return m;
            }
        };
    }

    static Target of(FaultProxy p) {
        return new Target() {
            @Override
            public FaultConfig faults() {
                return p.faults();
            }

            @Override
            public void setFaults(FaultConfig f) {
                p.setFaults(f);
            }

            @Override
            public Map<String, Object> stats() {
                FaultProxyStats st = p.stats();
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("connections", st.connections());
                m.put("active", st.active());
                m.put("units", st.units());
                m.put("refused", st.refused());
                m.put("shed", st.shed());
                m.put("faults", byKind(st.faults()));
                return m;
            }
        };
    }

    private static Map<String, Long> byKind(Map<Fault.Kind, Long> faults) {
        Map<String, Long> m = new LinkedHashMap<>();
        faults.forEach((k, v) -> m.put(k.action(), v));
        return m;
    }

    /** How one key of {@code /faults} is read from the settings and changed in them. */
    private record Key(String name, Function<FaultConfig, Object> get, Setter set) {
    }

    private interface Setter {
        FaultConfig set(FaultConfig f, String key, JsonNode value);
    }

    /**
     * The keys of {@code /faults}, the fault flags without their dashes, in the order they are
     * shown: the one table both {@code GET} and {@code PUT} (and the faults command) go by.
     */
    private static final List<Key> TABLE = List.of(
            new Key("delay", f -> f.delay().toNanos() / 1e9, (f, k, v) -> f.withDelay(seconds(k, v))),
            new Key("jitter", f -> f.jitter().toNanos() / 1e9, (f, k, v) -> f.withJitter(seconds(k, v))),
            new Key("delay-dist", f -> f.delayDist().name().toLowerCase(Locale.ROOT),
                    (f, k, v) -> f.withDelayDist(FaultOptions.lowerCaseEnumOrIae(FaultConfig.DelayDistribution.class, k, text(k, v)))),
            new Key("loss", FaultConfig::loss, (f, k, v) -> f.withLoss(number(k, v))),
            new Key("burst", FaultConfig::burst, (f, k, v) -> f.withBurst(number(k, v))),
            new Key("loss-mode", f -> f.lossMode().name().toLowerCase(Locale.ROOT),
                    (f, k, v) -> f.withLossMode(FaultOptions.lowerCaseEnumOrIae(LossMode.class, k, text(k, v)))),
            new Key("corrupt", FaultConfig::corrupt, (f, k, v) -> f.withCorrupt(number(k, v))),
            new Key("duplicate", FaultConfig::duplicate, (f, k, v) -> f.withDuplicate(number(k, v))),
            new Key("reset", FaultConfig::reset, (f, k, v) -> f.withReset(number(k, v))),
            new Key("reorder", FaultConfig::reorder, (f, k, v) -> f.withReorder(number(k, v))),
            new Key("rate", FaultConfig::rate, (f, k, v) -> f.withRate(whole(k, v, Long.MAX_VALUE))),
            new Key("slice", FaultConfig::slice, (f, k, v) -> f.withSlice((int) whole(k, v, Integer.MAX_VALUE))),
            // A stall rate alone keeps the stall's length, or takes --stall-for's default of 1 s.
            new Key("stall", FaultConfig::stall,
                    (f, k, v) -> f.withStall(number(k, v), f.stallFor().isZero() ? Duration.ofSeconds(1) : f.stallFor())),
            new Key("stall-for", f -> f.stallFor().toNanos() / 1e9, (f, k, v) -> f.withStall(f.stall(), seconds(k, v))));

    private static final Map<String, Key> BY_NAME = TABLE.stream()
            .collect(Collectors.toMap(Key::name, k -> k, (a, b) -> a, LinkedHashMap::new));

    /** The keys of {@code /faults}, in the order they are shown. */
    static final List<String> KEYS = List.copyOf(BY_NAME.keySet());

    /** A body larger than this is refused: settings fit in a few hundred bytes. */
    private static final int MAX_BODY = 64 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final HttpServer http;
    private final ExecutorService executor;
    private final Target target;
    private final Consumer<String> log;

    private AdminServer(HttpServer http, Target target, Consumer<String> log) {
        this.http = http;
        this.target = target;
        this.log = log;
        this.executor = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("admin").factory());
        http.setExecutor(executor);
        http.createContext("/", this::handle);
        http.start();
    }

    /** Listens on {@code host:port} (port 0: any free port). */
    static AdminServer start(String host, int port, Target target, Consumer<String> log) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getByName(host), Limits.listenPort(port)), 16);
        return new AdminServer(http, target, log);
    }

    InetSocketAddress address() {
        return http.getAddress();
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            switch (path) {
                case "/faults" -> {
                    if (method.equals("GET")) {
                        reply(ex, 200, json(settings(target.faults())));
                    } else if (method.equals("PUT")) {
                        put(ex);
                    } else {
                        notAllowed(ex, "GET, PUT");
                    }
                }
                case "/stats" -> {
                    if (method.equals("GET")) {
                        reply(ex, 200, json(target.stats()));
                    } else {
                        notAllowed(ex, "GET");
                    }
                }
                default -> text(ex, 404, "no such resource " + Bytes.escape(path.getBytes(StandardCharsets.UTF_8))
                        + ": use /faults or /stats");
            }
        } catch (RuntimeException e) {
            log.accept("admin: " + e);
        }
    }

    private void put(HttpExchange ex) throws IOException {
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readNBytes(MAX_BODY + 1);
        }
        if (body.length > MAX_BODY) {
            text(ex, 413, "body over " + MAX_BODY + " bytes");
            return;
        }
        FaultConfig next;
        try {
            next = apply(target.faults(), new String(body, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            text(ex, 400, e.getMessage());
            return;
        }
        target.setFaults(next);
        log.accept("admin: faults now " + next.describe());
        reply(ex, 200, json(settings(next)));
    }

    /** The settings as {@code GET /faults} shows them. */
    static Map<String, Object> settings(FaultConfig f) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Key k : TABLE) {
            m.put(k.name(), k.get().apply(f));
        }
        return m;
    }

    /**
     * {@code current} with the keys of a JSON object changed; an IllegalArgumentException with a
     * one-line reason for anything else (not JSON, not an object, an unknown key, a bad value).
     */
    static FaultConfig apply(FaultConfig current, String body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("expected a JSON object such as {\"loss\": 0.5}");
        }
        FaultConfig f = current;
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            Key k = BY_NAME.get(e.getKey());
            if (k == null) {
                // The key is the client's: escaped, so it cannot forge lines or reach a terminal raw.
                throw new IllegalArgumentException("unknown key '" + Bytes.escape(e.getKey().getBytes(StandardCharsets.UTF_8))
                        + "'; the keys are " + String.join(", ", KEYS));
            }
            f = k.set().set(f, k.name(), e.getValue());
        }
        return f;
    }

    private static double number(String key, JsonNode v) {
        if (!v.isNumber()) {
            throw new IllegalArgumentException(key + " must be a number, got " + v);
        }
        return v.asDouble();
    }

    private static long whole(String key, JsonNode v, long max) {
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0 || v.asLong() > max) {
            throw new IllegalArgumentException(key + " must be a whole number of bytes, got " + v);
        }
        return v.asLong();
    }

    private static String text(String key, JsonNode v) {
        if (!v.isTextual()) {
            throw new IllegalArgumentException(key + " must be a string, got " + v);
        }
        return v.asText();
    }

    private static Duration seconds(String key, JsonNode v) {
        double s = number(key, v);
        if (!(s >= 0) || s > 3600) {
            throw new IllegalArgumentException(key + " must be between 0 and 3600 seconds, got " + v);
        }
        return Duration.ofNanos(Math.round(s * 1e9));
    }

    private static String json(Object o) {
        try {
            return JSON.writeValueAsString(o) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void notAllowed(HttpExchange ex, String allow) throws IOException {
        ex.getResponseHeaders().set("Allow", allow);
        text(ex, 405, "use " + allow);
    }

    private static void text(HttpExchange ex, int status, String line) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        send(ex, status, "error: " + line.replace('\n', ' ') + "\n");
    }

    private static void reply(HttpExchange ex, int status, String json) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json");
        send(ex, status, json);
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }
}
