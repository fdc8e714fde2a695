package dev.wirelab.bench;

import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bench hostile}: part 2's echo server, in a JVM of its own with a stated heap, holds
 * slowloris connections (one byte every few seconds, never a newline, so the idle timeout never
 * fires) and connections that send as much as they can and never read, while one well-behaved
 * client pings at a steady rate: does it get every reply, how fast, and what does the server's
 * memory do (issue 12). The server runs in its own process so that its heap and RSS are its own,
 * not the load generator's.
 */
@Command(name = "hostile", mixinStandardHelpOptions = true,
        description = {"Part 2: the echo server (its own JVM, a stated heap) holds slowloris connections and connections that "
                + "never read, while one good client pings it: the good client's replies and p99, the server's heap and RSS."})
public final class HostileBench implements Callable<Integer>, Planned {

    @Spec
    CommandSpec spec;

    @Option(names = "--slowloris", paramLabel = "N", defaultValue = "2000",
            description = "Connections that send one byte every --trickle-seconds and never a newline (default: ${DEFAULT-VALUE}).")
    int slowloris;

    @Option(names = "--non-readers", paramLabel = "N", defaultValue = "1000",
            description = "Connections that send lines as fast as the server takes them and never read a reply (default: ${DEFAULT-VALUE}).")
    int nonReaders;

    @Option(names = "--trickle-seconds", paramLabel = "SECONDS", defaultValue = "3",
            description = "A slowloris connection's pause between bytes (default: ${DEFAULT-VALUE}).")
    double trickleSeconds;

    @Option(names = "--push-kib", paramLabel = "KIB", defaultValue = "2048",
            description = "What each non-reader tries to send in all, in KiB; it stops early when the server stops taking "
                    + "its bytes (default: ${DEFAULT-VALUE}).")
    int pushKib;

    @Option(names = "--seconds", paramLabel = "SECONDS", defaultValue = "30",
            description = "How long the good client pings while the hostile connections are held (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--interval-ms", paramLabel = "MS", defaultValue = "10",
            description = "The good client's pause between one echo and its next message (default: ${DEFAULT-VALUE}).")
    int intervalMs;

    @Option(names = "--server-heap-mib", paramLabel = "MIB", defaultValue = "256",
            description = "The server JVM's heap limit (-Xmx), the bound its heap must stay under (default: ${DEFAULT-VALUE}).")
    int heapMib;

    @Option(names = "--p99-ms", paramLabel = "MS", defaultValue = "50",
            description = "The good client's echo p99 goal (default: ${DEFAULT-VALUE}).")
    double p99GoalMs;

    /** What a connection holds before the good client starts: the non-readers' buffers are full by then. */
    private static final Duration SETTLE = Duration.ofSeconds(2);
    private static final Pattern LISTENING = Pattern.compile("echo server listening on [^ ]*:(\\d+),");
    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");
    /** How often a non-reader whose socket is full tries again: often enough to keep the pressure, rare enough to be cheap. */
    private static final long RETRY_FULL_NANOS = 500_000_000L;

    @Override
    public Duration planned() {
        // JVM start, connecting (about 1 ms a connection), settling, the measured time, the heap reading.
        return Progress.seconds(3 + (slowloris + nonReaders) * 0.001 + SETTLE.toSeconds() + seconds + 2);
    }

    /** The server's memory at one moment: RSS and its peak from /proc, in KiB; -1 where unknown. */
    record Memory(long rssKib, long peakRssKib) {
    }

    @Override
    public Integer call() throws Exception {
        validate();
        Progress progress = new Progress(spec.commandLine().getErr(), 5, planned());
        PrintWriter out = spec.commandLine().getOut();
        progress.step("starting part 2's echo server in a JVM of its own (-Xmx" + heapMib + "m)");
        Server server = Server.start(heapMib);
        List<SocketChannel> trickling = new ArrayList<>();
        List<SocketChannel> flooding = new ArrayList<>();
        Driver driver = null;
        try {
            Memory before = server.memory();
            progress.step(String.format(Locale.ROOT, "connecting %,d slowloris and %,d non-reading clients", slowloris, nonReaders));
            long connect0 = System.nanoTime();
            for (int i = 0; i < slowloris + nonReaders; i++) {
                SocketChannel ch = SocketChannel.open(server.address());
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                (i < slowloris ? trickling : flooding).add(ch);
            }
            double connectSeconds = (System.nanoTime() - connect0) / 1e9;
            driver = new Driver(trickling, flooding, Progress.seconds(trickleSeconds).toNanos(), pushKib * 1024L);
            driver.start();
            progress.step("letting the non-readers fill their buffers (" + SETTLE.toSeconds() + " s)");
            Thread.sleep(SETTLE);
            Memory loaded = server.memory();
            progress.step(String.format(Locale.ROOT, "one good client pings every %d ms for %s s", intervalMs, Stats.trim(seconds)));
            Good good = good(server.address());
            progress.step("reading the server's heap after a full GC, with every hostile connection still open");
            Memory after = server.memory();
            long liveHeapKib = server.liveHeapKib();
            driver.stop();
            progress.note("hostile bench done in " + Progress.clock(progress.elapsed()));
            return print(out, connectSeconds, good, before, loaded, after, liveHeapKib, driver, server.problem());
        } finally {
            if (driver != null) {
                driver.stop();
            }
            for (SocketChannel ch : trickling) {
                closeQuietly(ch);
            }
            for (SocketChannel ch : flooding) {
                closeQuietly(ch);
            }
            server.close();
        }
    }

    private void validate() {
        if (slowloris < 0 || slowloris > 20_000 || nonReaders < 0 || nonReaders > 20_000) {
            throw new ParameterException(spec.commandLine(), "--slowloris and --non-readers must each be 0..20000");
        }
        if (!(trickleSeconds > 0) || trickleSeconds > 600 || !(seconds > 0) || seconds > 3600) {
            throw new ParameterException(spec.commandLine(), "--trickle-seconds must be above 0 and at most 600, --seconds at most 3600");
        }
        if (pushKib < 0 || pushKib > 1 << 20 || intervalMs < 0 || intervalMs > 10_000) {
            throw new ParameterException(spec.commandLine(), "--push-kib must be 0..1048576, --interval-ms 0..10000");
        }
        if (heapMib < 16 || heapMib > 65_536 || !(p99GoalMs > 0)) {
            throw new ParameterException(spec.commandLine(), "--server-heap-mib must be 16..65536, --p99-ms above 0");
        }
    }

    private int print(PrintWriter out, double connectSeconds, Good good, Memory before, Memory loaded, Memory after,
                      long liveHeapKib, Driver driver, String serverProblem) {
        double p50 = good.latency().getValueAtPercentile(50) / 1e6;
        double p99 = good.latency().getValueAtPercentile(99) / 1e6;
        double max = good.latency().getMaxValue() / 1e6;
        boolean everyReply = good.sent() > 0 && good.received() == good.sent() && good.error() == null;
        boolean fast = everyReply && p99 < p99GoalMs;
        boolean held = driver.closedByServer() == 0;
        boolean heapOk = serverProblem == null && liveHeapKib >= 0 && liveHeapKib < heapMib * 1024L;
        out.println();
        out.printf(Locale.ROOT, "Part 2's echo server (defaults, its own JVM with -Xmx%dm) holding %,d slowloris connections (one byte "
                        + "every %s s, no newline) and %,d that send up to %,d KiB each and never read; one good client sends a 32-byte "
                        + "line %d ms after each echo for %s s.%n%n", heapMib, slowloris, Stats.trim(trickleSeconds), nonReaders, pushKib,
                intervalMs, Stats.trim(seconds));
        out.println("| good client: replies / sent | echo p50 | echo p99 | echo max | hostile connections closed by the server "
                + "| hostile bytes sent (slowloris / non-readers) | non-readers the server stopped reading |");
        out.println("|---:|---:|---:|---:|---:|---:|---:|");
        out.printf(Locale.ROOT, "| %,d / %,d | %.2f ms | %.2f ms | %.2f ms | %,d of %,d | %,d B / %s | %,d of %,d |%n",
                good.received(), good.sent(), p50, p99, max, driver.closedByServer(), slowloris + nonReaders, driver.trickled(),
                mib(driver.pushed()), driver.stalled(), nonReaders);
        out.println();
        out.println("| server memory | before the hostile clients | hostile clients connected | at the end |");
        out.println("|---|---:|---:|---:|");
        out.printf(Locale.ROOT, "| RSS | %s | %s | %s |%n", kib(before.rssKib()), kib(loaded.rssKib()), kib(after.rssKib()));
        out.printf(Locale.ROOT, "| peak RSS so far (VmHWM) | %s | %s | %s |%n", kib(before.peakRssKib()), kib(loaded.peakRssKib()),
                kib(after.peakRssKib()));
        out.printf(Locale.ROOT, "| live heap after a full GC | | | %s (limit %d MiB) |%n", kib(liveHeapKib), heapMib);
        out.println();
        out.printf(Locale.ROOT, "%,d hostile connections made in %.1f s.%n", slowloris + nonReaders, connectSeconds);
        if (good.error() != null) {
            out.println("The good client failed: " + good.error());
        }
        if (serverProblem != null) {
            out.println("The server " + serverProblem + ".");
        }
        out.println("Goal, the good client gets every reply: " + (everyReply ? "met" : "NOT met") + ".");
        out.printf(Locale.ROOT, "Goal, the good client's echo p99 under %s ms: %s.%n", Stats.trim(p99GoalMs), fast ? "met" : "NOT met");
        out.println("Goal, every hostile connection is held, none dropped: " + (held ? "met" : "NOT met") + ".");
        out.printf(Locale.ROOT, "Goal, the server's live heap under its %d MiB limit: %s.%n", heapMib, heapOk ? "met" : "NOT met");
        out.flush();
        return everyReply && fast && held && heapOk ? 0 : 1;
    }

    private static String kib(long k) {
        return k < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f MiB", k / 1024.0);
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    /** What the good client saw. */
    record Good(long sent, long received, Histogram latency, String error) {
    }

    /** One blocking client, as a student's: a line, its echo checked, a pause, the next. */
    private Good good(InetSocketAddress address) {
        byte[] message = Load.line(32);
        Histogram h = new Histogram(3);
        long sent = 0;
        long received = 0;
        try (Socket s = new Socket()) {
            s.setSoTimeout(10_000);
            s.connect(address, 10_000);
            s.setTcpNoDelay(true);
            OutputStream os = s.getOutputStream();
            InputStream in = s.getInputStream();
            long end = System.nanoTime() + Progress.seconds(seconds).toNanos();
            while (System.nanoTime() - end < 0) {
                long t0 = System.nanoTime();
                os.write(message);
                sent++;
                if (!Arrays.equals(in.readNBytes(message.length), message)) {
                    return new Good(sent, received, h, "an echo differed from its message");
                }
                h.recordValue(System.nanoTime() - t0);
                received++;
                Thread.sleep(intervalMs);
            }
            return new Good(sent, received, h, null);
        } catch (IOException e) {
            return new Good(sent, received, h, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Good(sent, received, h, "interrupted");
        }
    }

    /**
     * One platform thread drives every hostile connection without blocking: a slowloris byte when
     * each is due (spread evenly over the trickle interval), and as many bytes as each non-reader's
     * socket takes. A slowloris connection the server closes is seen by its read (it is never
     * echoed anything: no newline); a non-reader the server closes, by its write.
     */
    static final class Driver implements Runnable {
        private final List<SocketChannel> trickling;
        private final List<SocketChannel> flooding;
        private final long trickleNanos;
        private final long push;
        private final Thread thread = Thread.ofPlatform().daemon().name("hostile-driver").unstarted(this);
        private final AtomicBoolean stop = new AtomicBoolean();
        private volatile long trickled;
        private volatile long pushed;
        private volatile int closedByServer;
        private volatile int stalled;
        private volatile Throwable failure;

        Driver(List<SocketChannel> trickling, List<SocketChannel> flooding, long trickleNanos, long push) {
            this.trickling = trickling;
            this.flooding = flooding;
            this.trickleNanos = trickleNanos;
            this.push = push;
        }

        void start() {
            thread.start();
        }

        void stop() throws IOException {
            stop.set(true);
            try {
                thread.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (failure != null) {
                throw new IOException("the hostile clients' driver failed: " + failure, failure);
            }
        }

        long trickled() {
            return trickled;
        }

        long pushed() {
            return pushed;
        }

        int closedByServer() {
            return closedByServer;
        }

        /** Non-readers whose socket took nothing more for a while: the server stopped reading them. */
        int stalled() {
            return stalled;
        }

        @Override
        public void run() {
            try (Selector selector = Selector.open()) {
                drive(selector);
            } catch (Throwable e) {
                failure = e;
            }
        }

        private void drive(Selector selector) throws IOException, InterruptedException {
            int n = trickling.size();
            int m = flooding.size();
            long start = System.nanoTime();
            long[] due = new long[n];
            for (int i = 0; i < n; i++) {
                due[i] = start + trickleNanos * i / Math.max(1, n);
                trickling.get(i).register(selector, SelectionKey.OP_READ, i);
            }
            boolean[] closed = new boolean[n + m];
            long[] sent = new long[m];
            long[] fullSince = new long[m];
            Arrays.fill(fullSince, -1);
            ByteBuffer one = ByteBuffer.wrap(new byte[] {'x'});
            byte[] lines = new byte[64 * 1024];
            for (int i = 0; i < lines.length; i++) {
                lines[i] = (byte) (i % 1024 == 1023 ? '\n' : 'y');
            }
            ByteBuffer flood = ByteBuffer.wrap(lines);
            ByteBuffer sink = ByteBuffer.allocate(1024);
            long trickledSum = 0;
            long pushedSum = 0;
            int closedSum = 0;
            while (!stop.get()) {
                long now = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    if (!closed[i] && now - due[i] >= 0) {
                        due[i] += trickleNanos;
                        one.clear();
                        try {
                            trickledSum += trickling.get(i).write(one);
                        } catch (IOException e) {
                            closed[i] = true;
                            closedSum++;
                        }
                    }
                }
                for (int j = 0; j < m; j++) {
                    if (closed[n + j] || sent[j] >= push || (fullSince[j] >= 0 && now - fullSince[j] < RETRY_FULL_NANOS)) {
                        continue;
                    }
                    flood.clear().limit((int) Math.min(flood.capacity(), push - sent[j]));
                    try {
                        int w = flooding.get(j).write(flood);
                        sent[j] += w;
                        pushedSum += w;
                        fullSince[j] = w == 0 ? now : -1;
                    } catch (IOException e) {
                        closed[n + j] = true;
                        closedSum++;
                    }
                }
                if (selector.selectNow() > 0) {
                    for (SelectionKey k : selector.selectedKeys()) {
                        int i = (Integer) k.attachment();
                        sink.clear();
                        int r;
                        try {
                            r = ((SocketChannel) k.channel()).read(sink);
                        } catch (IOException e) {
                            r = -1;
                        }
                        if (r < 0 && !closed[i]) {
                            closed[i] = true;
                            closedSum++;
                            k.cancel();
                        }
                    }
                    selector.selectedKeys().clear();
                }
                int full = 0;
                for (int j = 0; j < m; j++) {
                    full += fullSince[j] >= 0 && sent[j] < push ? 1 : 0;
                }
                trickled = trickledSum;
                pushed = pushedSum;
                closedByServer = closedSum;
                stalled = full;
                Thread.sleep(5);
            }
        }
    }

    /** Part 2's echo server as {@code ./lab part2 echo-server} runs it, in a JVM of its own. */
    static final class Server implements AutoCloseable {
        private final Process process;
        private final InetSocketAddress address;
        private final ArrayDeque<String> tail;
        private volatile boolean outOfMemory;

        private Server(Process process, InetSocketAddress address, ArrayDeque<String> tail) {
            this.process = process;
            this.address = address;
            this.tail = tail;
        }

        static Server start(int heapMib) throws IOException, InterruptedException {
            List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx" + heapMib + "m", "-cp", System.getProperty("java.class.path"), "dev.wirelab.part2.cli.Part2",
                    "echo-server", "--host", "127.0.0.1", "--port", "0", "--quiet");
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            ArrayDeque<String> tail = new ArrayDeque<>();
            CompletableFuture<Integer> port = new CompletableFuture<>();
            Server[] self = new Server[1];
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            // Its output is read to the end, so a full pipe never stalls the server.
            Thread.ofVirtual().start(() -> {
                try {
                    for (String line; (line = r.readLine()) != null; ) {
                        Matcher m = LISTENING.matcher(line);
                        if (m.find()) {
                            port.complete(Integer.parseInt(m.group(1)));
                        }
                        synchronized (tail) {
                            // The first lines say what went wrong; later ones repeat it.
                            if (tail.size() < 6 && !line.isBlank()) {
                                tail.addLast(line);
                            }
                        }
                        if (line.contains("OutOfMemoryError") && self[0] != null) {
                            self[0].outOfMemory = true;
                        }
                    }
                } catch (IOException e) {
                    // the process ended
                }
                port.completeExceptionally(new IOException("the echo server exited before it listened"));
            });
            try {
                int listening = port.get(30, TimeUnit.SECONDS);
                self[0] = new Server(p, new InetSocketAddress("127.0.0.1", listening), tail);
                return self[0];
            } catch (Exception e) {
                p.destroyForcibly();
                throw new IOException("part 2's echo server did not start: " + e.getMessage() + "; its output: " + lines(tail));
            }
        }

        private static String lines(ArrayDeque<String> tail) {
            synchronized (tail) {
                return String.join(" | ", tail);
            }
        }

        InetSocketAddress address() {
            return address;
        }

        /** What went wrong with the server (it ran out of memory, or died, with its last lines), or null. */
        String problem() {
            if (outOfMemory || !process.isAlive()) {
                return (outOfMemory ? "ran out of memory (OutOfMemoryError)" : "died") + "; its first lines: "
                        + lines(tail);
            }
            return null;
        }

        Memory memory() {
            try {
                long rss = -1;
                long hwm = -1;
                for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
                    if (line.startsWith("VmRSS:")) {
                        rss = Long.parseLong(line.replaceAll("\\D", ""));
                    } else if (line.startsWith("VmHWM:")) {
                        hwm = Long.parseLong(line.replaceAll("\\D", ""));
                    }
                }
                return new Memory(rss, hwm);
            } catch (IOException | RuntimeException e) {
                return new Memory(-1, -1); // no /proc (not Linux)
            }
        }

        /** The server's heap in use right after a full GC (jcmd GC.run, then GC.heap_info), in KiB; -1 if unknown. */
        long liveHeapKib() {
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            if (!Files.isExecutable(jcmd)) {
                return -1;
            }
            try {
                run(jcmd.toString(), String.valueOf(process.pid()), "GC.run");
                Matcher m = HEAP_USED.matcher(run(jcmd.toString(), String.valueOf(process.pid()), "GC.heap_info"));
                return m.find() ? Long.parseLong(m.group(1)) : -1;
            } catch (IOException e) {
                return -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }

        private static String run(String... command) throws IOException, InterruptedException {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String text;
            try (InputStream in = p.getInputStream()) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            return text;
        }

        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
