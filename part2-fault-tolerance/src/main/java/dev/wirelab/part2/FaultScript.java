package dev.wirelab.part2;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Faults on exact events, for teaching one thing at a time ("lose the first ACK of message 3"):
 * one rule per line, {@code [every] SELECTOR: ACTION}, {@code #} starts a comment (except in
 * {@code #K}).
 *
 * <p>Selectors:
 * <ul>
 *   <li>{@code seq N}: the first arrival of DATA seq N (from any client); {@code seq N #K}: its
 *       K-th arrival, so {@code seq 3 #2} is the first retransmission of message 3. Arrivals are
 *       counted per client id, across reconnects.</li>
 *   <li>{@code hello} or {@code hello #K}: the first, or K-th, HELLO this server received.</li>
 *   <li>{@code reply N}: the reply to the N-th request (HELLO, DATA or line) this server received,
 *       counted from 1; with {@code every}, each N-th one.</li>
 *   <li>{@code after T}: the first reply to a request that arrived T or more after its connection
 *       opened (T like {@code 500ms}, {@code 2s}); with {@code every}, each such reply.</li>
 * </ul>
 *
 * <p>Actions are the {@link Fault}s: {@code drop}, {@code error}, {@code ack-drop},
 * {@code corrupt} (a random byte) or {@code corrupt byte K} (0-based), {@code duplicate},
 * {@code reset}, {@code delay D}, {@code stall D}, {@code reorder}.
 *
 * <p>A rule fires once unless it starts with {@code every} ({@code every seq 5: drop} loses the
 * first copy of message 5 of every client). Where a rule fires, the script decides that event
 * alone and the random rates do not apply to it. A script is immutable; each server keeps its own
 * record of which rules fired ({@link #runner()}).
 */
public final class FaultScript {

    /** A script that is not valid: its message is {@code source:line: what is wrong}. */
    public static final class ScriptException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        private final String source;
        private final int line;

        ScriptException(String source, int line, String what) {
            super(source + ":" + line + ": " + what);
            this.source = source;
            this.line = line;
        }

        public String source() {
            return source;
        }

        public int line() {
            return line;
        }
    }

    /** What a rule picks out. */
    public sealed interface Selector {
        /** DATA seq {@code seq}, its {@code arrival}-th copy (1 = the first). */
        record Seq(long seq, int arrival) implements Selector {
        }

        /** The {@code number}-th HELLO of the server (1 = the first). */
        record Hello(long number) implements Selector {
        }

        /** The reply to the server's {@code number}-th request. */
        record Reply(long number) implements Selector {
        }

        /** The reply to a request that came {@code time} or more after its connection opened. */
        record After(Duration time) implements Selector {
        }
    }

    /**
     * One rule.
     *
     * @param line   its line number in the script (1-based), as logs and events report it
     * @param every  true if it fires on every match, false if only on the first
     * @param text   the rule as written, without a comment
     */
    public record Rule(int line, boolean every, Selector selector, Fault action, String text) {
        public Rule {
            Objects.requireNonNull(selector, "selector");
            Objects.requireNonNull(action, "action");
        }
    }

    /** What a request is, for matching. */
    public enum RequestType { HELLO, DATA, LINE }

    /**
     * A request the server (or proxy) is about to answer.
     *
     * @param seq       the DATA seq (0 for HELLO and lines)
     * @param arrival   which copy of this DATA seq from this client (1 = the first; 0 otherwise)
     * @param hello     the server's HELLO count for a HELLO (0 otherwise)
     * @param reply     the server's request count (1 = the first request)
     * @param sinceOpen nanoseconds since the connection opened
     */
    public record Request(RequestType type, long seq, int arrival, long hello, long reply, long sinceOpen) {
    }

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(us|ms|s|min)");
    private static final Pattern COMMENT = Pattern.compile("#(?!\\d)");
    private static final Duration MAX_DURATION = Duration.ofHours(1);
    private static final String ACTIONS = "drop, error, ack-drop, corrupt, corrupt byte K, duplicate, reset, delay D, stall D, reorder";
    private static final String SELECTORS = "seq N, seq N #K, hello, hello #K, reply N, after T";

    private final String source;
    private final List<Rule> rules;

    private FaultScript(String source, List<Rule> rules) {
        this.source = source;
        this.rules = List.copyOf(rules);
    }

    /** An empty script: no rule, the rates decide everything. */
    public static FaultScript none() {
        return new FaultScript("none", List.of());
    }

    /**
     * Parses a script.
     *
     * @param sourceName what errors name the script by, e.g. its file name
     * @throws ScriptException (an IllegalArgumentException) {@code sourceName:line: what is wrong}
     */
    public static FaultScript parse(String sourceName, String text) {
        Objects.requireNonNull(sourceName, "sourceName");
        List<Rule> rules = new ArrayList<>();
        String[] lines = text.split("\\R", -1);
        for (int i = 0; i < lines.length; i++) {
            Rule r = parseLine(sourceName, i + 1, lines[i]);
            if (r != null) {
                rules.add(r);
            }
        }
        return new FaultScript(sourceName, rules);
    }

    /** {@code --script-text}: rules separated by {@code ;}, numbered from 1 in order. */
    public static FaultScript parseOneLine(String sourceName, String text) {
        return parse(sourceName, text.replace(';', '\n'));
    }

    /** Reads and parses a script file; errors name the file. */
    public static FaultScript load(Path file) throws IOException {
        return parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
    }

    public String sourceName() {
        return source;
    }

    public List<Rule> rules() {
        return rules;
    }

    public boolean isEmpty() {
        return rules.isEmpty();
    }

    /** A fresh record of which rules fired, for one server or proxy. */
    public Runner runner() {
        return new Runner(this, r -> true);
    }

    /** As {@link #runner()}, for only the rules {@code applies} accepts (the others never fire there). */
    public Runner runner(java.util.function.Predicate<Rule> applies) {
        return new Runner(this, applies);
    }

    /** An error in this script at {@code rule}'s line: {@code source:line: what}. */
    public ScriptException error(Rule rule, String what) {
        return new ScriptException(source, rule.line(), what);
    }

    private static Rule parseLine(String src, int n, String raw) {
        Matcher c = COMMENT.matcher(raw);
        String line = (c.find() ? raw.substring(0, c.start()) : raw).strip();
        if (line.isEmpty()) {
            return null;
        }
        int colon = line.indexOf(':');
        if (colon < 0) {
            throw new ScriptException(src, n, "expected 'SELECTOR: ACTION', e.g. 'seq 3: ack-drop', got '" + line + "'");
        }
        String[] sel = line.substring(0, colon).strip().toLowerCase(Locale.ROOT).split("\\s+");
        String[] act = line.substring(colon + 1).strip().toLowerCase(Locale.ROOT).split("\\s+");
        boolean every = sel.length > 0 && sel[0].equals("every");
        int s = every ? 1 : 0;
        if (sel.length <= s || sel[s].isEmpty()) {
            throw new ScriptException(src, n, "missing selector before ':' (one of: " + SELECTORS + ")");
        }
        Selector selector = switch (sel[s]) {
            case "seq" -> {
                long seq = number(src, n, sel, s + 1, "seq N needs a sequence number N >= 1");
                int arrival = 1;
                if (sel.length > s + 2) {
                    arrival = (int) Math.min(Integer.MAX_VALUE, count(src, n, sel[s + 2], "seq N #K"));
                }
                end(src, n, sel, s + 3);
                yield new Selector.Seq(seq, arrival);
            }
            case "hello" -> {
                long k = 1;
                if (sel.length > s + 1) {
                    if (every) {
                        throw new ScriptException(src, n, "'every hello' fires on each HELLO; '#K' picks one: use one of them");
                    }
                    k = count(src, n, sel[s + 1], "hello #K");
                }
                end(src, n, sel, s + 2);
                yield new Selector.Hello(k);
            }
            case "reply" -> {
                long k = number(src, n, sel, s + 1, "reply N needs a reply number N >= 1");
                end(src, n, sel, s + 2);
                yield new Selector.Reply(k);
            }
            case "after" -> {
                if (sel.length <= s + 1) {
                    throw new ScriptException(src, n, "after T needs a time, e.g. 'after 500ms' or 'after 2s'");
                }
                Duration t = duration(src, n, sel[s + 1]);
                end(src, n, sel, s + 2);
                yield new Selector.After(t);
            }
            default -> throw new ScriptException(src, n, "unknown selector '" + sel[s] + "' (one of: " + SELECTORS + ")");
        };
        if (act.length == 0 || act[0].isEmpty()) {
            throw new ScriptException(src, n, "missing action after ':' (one of: " + ACTIONS + ")");
        }
        Fault action = switch (act[0]) {
            case "drop" -> end(src, n, act, 1, new Fault.Drop());
            case "error" -> end(src, n, act, 1, new Fault.Error());
            case "ack-drop" -> end(src, n, act, 1, new Fault.AckDrop());
            case "duplicate" -> end(src, n, act, 1, new Fault.Duplicate());
            case "reset" -> end(src, n, act, 1, new Fault.Reset());
            case "reorder" -> end(src, n, act, 1, new Fault.Reorder());
            case "corrupt" -> {
                if (act.length == 1) {
                    yield new Fault.Corrupt(-1);
                }
                if (!act[1].equals("byte") || act.length < 3) {
                    throw new ScriptException(src, n, "corrupt takes 'byte K' (0-based) or nothing, got '"
                            + String.join(" ", act) + "'");
                }
                long k = nonNegative(src, n, act[2], "corrupt byte K");
                yield end(src, n, act, 3, new Fault.Corrupt((int) Math.min(Integer.MAX_VALUE, k)));
            }
            case "delay", "stall" -> {
                if (act.length < 2) {
                    throw new ScriptException(src, n, act[0] + " needs a time, e.g. '" + act[0] + " 500ms'");
                }
                Duration d = duration(src, n, act[1]);
                yield end(src, n, act, 2, act[0].equals("delay") ? new Fault.Delay(d) : new Fault.Stall(d));
            }
            default -> throw new ScriptException(src, n, "unknown action '" + act[0] + "' (one of: " + ACTIONS + ")");
        };
        return new Rule(n, every, selector, action, line);
    }

    private static long number(String src, int n, String[] words, int i, String what) {
        if (words.length <= i) {
            throw new ScriptException(src, n, what);
        }
        try {
            long v = Long.parseLong(words[i]);
            if (v >= 1 && v <= 0xFFFF_FFFFL) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // said below
        }
        throw new ScriptException(src, n, what + ", got '" + words[i] + "'");
    }

    private static long count(String src, int n, String word, String what) {
        if (word.startsWith("#")) {
            try {
                long k = Long.parseLong(word.substring(1));
                if (k >= 1) {
                    return k;
                }
            } catch (NumberFormatException ignored) {
                // said below
            }
        }
        throw new ScriptException(src, n, what + ": K is a count from #1, e.g. #2; got '" + word + "'");
    }

    private static long nonNegative(String src, int n, String word, String what) {
        try {
            long k = Long.parseLong(word);
            if (k >= 0) {
                return k;
            }
        } catch (NumberFormatException ignored) {
            // said below
        }
        throw new ScriptException(src, n, what + ": K is a byte index from 0, got '" + word + "'");
    }

    private static void end(String src, int n, String[] words, int from) {
        if (words.length > from) {
            throw new ScriptException(src, n, "unexpected '" + String.join(" ", java.util.Arrays.copyOfRange(words, from, words.length)) + "'");
        }
    }

    private static Fault end(String src, int n, String[] words, int from, Fault f) {
        end(src, n, words, from);
        return f;
    }

    /** A script duration: a number and a unit ({@code us}, {@code ms}, {@code s}, {@code min}), at most an hour. */
    static Duration duration(String src, int n, String word) {
        Matcher m = DURATION.matcher(word);
        if (!m.matches()) {
            throw new ScriptException(src, n, "'" + word + "' is not a time: a number and a unit, e.g. 500ms, 2s, 1.5s");
        }
        double v = Double.parseDouble(m.group(1));
        double nanos = v * switch (m.group(2)) {
            case "us" -> 1e3;
            case "ms" -> 1e6;
            case "s" -> 1e9;
            default -> 60e9;
        };
        if (nanos > MAX_DURATION.toNanos()) {
            throw new ScriptException(src, n, "'" + word + "' is more than an hour");
        }
        return Duration.ofNanos(Math.round(nanos));
    }

    /** A duration as a script writes it: {@code 200ms}, {@code 1.5s}. */
    static String formatDuration(Duration d) {
        long nanos = d.toNanos();
        if (nanos % 1_000_000 == 0 && nanos < 10_000_000_000L) {
            return nanos / 1_000_000 + "ms";
        }
        if (nanos % 1_000 == 0 && nanos < 1_000_000) {
            return nanos / 1_000 + "us";
        }
        return String.format(Locale.ROOT, "%.3fs", nanos / 1e9).replaceAll("0+s$", "s").replaceAll("\\.s$", "s");
    }

    /** Which rules of a script fired, and the counts its selectors need; safe from any thread. */
    public static final class Runner {
        private final FaultScript script;
        private final AtomicBoolean[] fired;
        /** Which rules may fire here (a proxy splits them between its two directions). */
        private final boolean[] active;
        private final boolean empty;
        private final AtomicLong hellos = new AtomicLong();
        private final AtomicLong requests = new AtomicLong();

        private Runner(FaultScript script, java.util.function.Predicate<Rule> applies) {
            this.script = script;
            this.fired = new AtomicBoolean[script.rules.size()];
            this.active = new boolean[fired.length];
            boolean none = true;
            for (int i = 0; i < fired.length; i++) {
                fired[i] = new AtomicBoolean();
                active[i] = applies.test(script.rules.get(i));
                none &= !active[i];
            }
            this.empty = none;
        }

        /** True when no rule can fire here. */
        public boolean isEmpty() {
            return empty;
        }

        public FaultScript script() {
            return script;
        }

        /** The next request number (1 = the first); every request the server answers takes one. */
        public long nextRequest() {
            return requests.incrementAndGet();
        }

        public long nextHello() {
            return hellos.incrementAndGet();
        }

        /** The rules that fire on {@code r}, in script order; each once-rule fires at most once. */
        public List<Rule> fire(Request r) {
            List<Rule> out = null;
            for (int i = 0; i < fired.length; i++) {
                Rule rule = script.rules.get(i);
                if (active[i] && matches(rule, r) && (rule.every() || fired[i].compareAndSet(false, true))) {
                    (out == null ? out = new ArrayList<>(2) : out).add(rule);
                }
            }
            return out == null ? List.of() : out;
        }

        private static boolean matches(Rule rule, Request r) {
            return switch (rule.selector()) {
                case Selector.Seq s -> r.type() == RequestType.DATA && r.seq() == s.seq() && r.arrival() == s.arrival();
                case Selector.Hello h -> r.type() == RequestType.HELLO && (rule.every() || r.hello() == h.number());
                case Selector.Reply p -> rule.every() ? r.reply() % p.number() == 0 : r.reply() == p.number();
                case Selector.After a -> r.sinceOpen() >= a.time().toNanos();
            };
        }
    }
}
