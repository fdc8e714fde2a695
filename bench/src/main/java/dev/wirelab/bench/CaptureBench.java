package dev.wirelab.bench;

import dev.wirelab.common.Cli;
import dev.wirelab.common.UserError;
import dev.wirelab.part1.capture.LiveCapture;
import dev.wirelab.part1.capture.PcapFile;
import dev.wirelab.part2.EchoServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Part 1's live capture (pcap4j, writing a pcap file) against {@code tcpdump -w}, both capturing
 * the same loopback traffic in the same run: part 2's echo server driven at full speed by
 * closed-loop connections. Reports packets captured, packets/s and what the kernel dropped.
 */
@Command(name = "capture", mixinStandardHelpOptions = true,
        description = {"Part 1: packets/s captured and kernel drops of part 1's capture vs tcpdump -w, side by side,",
                "while part 2's echo server is loaded at full speed on loopback. Needs root (or capabilities) and tcpdump."})
public final class CaptureBench implements Callable<Integer>, Planned {

    @Spec
    CommandSpec spec;

    @Option(names = "--seconds", defaultValue = "10", description = "Load duration (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--connections", defaultValue = "8", description = "Echo connections driving the load (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--size", defaultValue = "64", description = "Bytes per echoed line (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--buffer-mb", defaultValue = "32", description = "Kernel capture buffer of both tools, MiB (default: ${DEFAULT-VALUE}).")
    int bufferMb;

    @Option(names = "--tcpdump", defaultValue = "tcpdump", description = "tcpdump binary (default: ${DEFAULT-VALUE}).")
    String tcpdump;

    @Override
    public Duration planned() {
        return Progress.seconds(seconds + 5);
    }

    private record TcpdumpResult(long captured, long dropped, long fileFrames) {
    }

    @Override
    @SuppressWarnings("try") // the writer is closed early: the pcap file is read back inside the block
    public Integer call() throws Exception {
        if (!(seconds > 0) || seconds > 600 || connections < 1 || connections > 512 || size < 2 || size > 60_000
                || bufferMb < 1 || bufferMb > 1024) {
            throw new UserError("options out of range", Cli.USAGE);
        }
        PrintWriter out = spec.commandLine().getOut();
        Progress progress = new Progress(spec.commandLine().getErr(), 3, planned());
        Path dir = Files.createTempDirectory("wirelab-capture-bench");
        Path ours = dir.resolve("part1.pcap");
        Path theirs = dir.resolve("tcpdump.pcap");
        try (EchoServer server = EchoServer.builder().host("127.0.0.1").port(0).idleTimeout(Duration.ZERO).start()) {
            String filter = "tcp port " + server.port();
            LongAdder frames = new LongAdder();
            progress.step("starting part 1's capture and tcpdump on " + filter);
            try (LiveCapture cap = LiveCapture.open(null, filter, bufferMb * 1024 * 1024);
                 PcapFile.Writer writer = new PcapFile.Writer(ours, cap.linkType().code())) {
                cap.start(f -> {
                    writer.write(f);
                    frames.increment();
                });
                Process td = startTcpdump(cap.interfaceName(), filter, theirs);
                LongAdder echoes = new LongAdder();
                progress.step(String.format(Locale.ROOT, "loading the echo server with %d connections for %s s while both capture",
                        connections, Stats.trim(seconds)));
                long t0 = System.nanoTime();
                runLoad(server.address(), echoes);
                double loadSeconds = (System.nanoTime() - t0) / 1e9;
                progress.step("stopping both captures and reading their pcap files back");
                cap.awaitQuiet(300, 10_000);
                LiveCapture.Stats stats = cap.stop();
                TcpdumpResult tdr = stopTcpdump(td, theirs);
                long oursFile;
                writer.close();
                oursFile = PcapFile.read(ours).frames().size();
                out.printf(Locale.ROOT, "Load: part 2 EchoServer, %d connections, %d-byte lines, %.1f s: %,d echoes (%,.0f/s)%n%n",
                        connections, size, loadSeconds, echoes.sum(), echoes.sum() / loadSeconds);
                out.println("| Capture | Packets captured | Packets/s | Dropped by kernel | Frames in pcap file |");
                out.println("|---|---:|---:|---:|---:|");
                out.printf(Locale.ROOT, "| part 1 capture (pcap4j, non-blocking poll, writes pcap) | %,d | %,.0f | %,d | %,d |%n",
                        stats.delivered(), stats.delivered() / loadSeconds, stats.kernelDropped(), oursFile);
                out.printf(Locale.ROOT, "| tcpdump -w (same filter, same buffer) | %,d | %,.0f | %,d | %,d |%n",
                        tdr.captured(), tdr.captured() / loadSeconds, tdr.dropped(), tdr.fileFrames());
                out.flush();
            }
        } finally {
            Files.deleteIfExists(ours);
            Files.deleteIfExists(theirs);
            Files.deleteIfExists(dir);
        }
        progress.note("capture bench done in " + Progress.clock(progress.elapsed()));
        return Cli.OK;
    }

    private Process startTcpdump(String iface, String filter, Path file) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(tcpdump, "-i", iface, "-B", String.valueOf(bufferMb * 1024), "-s", "262144",
                    "-w", file.toString(), filter).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UserError("cannot run " + tcpdump + " (install tcpdump): " + e.getMessage());
        }
        // tcpdump says "listening on ..." once its capture is active; only then is the load fair to both.
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
            try {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.contains("listening on")) {
                        return line;
                    }
                }
            } catch (IOException ignored) {
                // reported below
            }
            return null;
        });
        String line;
        try {
            line = ready.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            line = null;
        }
        if (line == null) {
            p.destroyForcibly();
            throw new UserError("tcpdump did not start capturing (run as root)");
        }
        readers.add(r);
        return p;
    }

    private final List<BufferedReader> readers = new ArrayList<>();

    private TcpdumpResult stopTcpdump(Process p, Path file) throws IOException, InterruptedException {
        // SIGTERM through the handle: Process.destroy() would also close the pipe we still read.
        p.toHandle().destroy();
        StringBuilder tail = new StringBuilder();
        BufferedReader r = readers.getLast();
        String line;
        while ((line = r.readLine()) != null) {
            tail.append(line).append('\n');
        }
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        long captured = find(tail, "(\\d+) packets? captured");
        long dropped = find(tail, "(\\d+) packets? dropped by kernel");
        long fileFrames = PcapFile.read(file).frames().size();
        return new TcpdumpResult(captured, dropped, fileFrames);
    }

    private static long find(CharSequence text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /** Closed-loop echo clients for {@code seconds}; every loop is bounded by the deadline. */
    private void runLoad(InetSocketAddress addr, LongAdder echoes) throws Exception {
        byte[] line = new byte[size];
        java.util.Arrays.fill(line, (byte) 'a');
        line[size - 1] = '\n';
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        AtomicBoolean failed = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try (Socket s = new Socket()) {
                    s.connect(addr, 5_000);
                    s.setTcpNoDelay(true);
                    s.setSoTimeout(5_000);
                    OutputStream o = s.getOutputStream();
                    InputStream in = s.getInputStream();
                    byte[] buf = new byte[size];
                    while (System.nanoTime() < deadline) {
                        o.write(line);
                        int got = 0;
                        while (got < size) {
                            int n = in.read(buf, got, size - got);
                            if (n < 0) {
                                throw new IOException("echo server closed the connection");
                            }
                            got += n;
                        }
                        echoes.increment();
                    }
                } catch (IOException e) {
                    failed.set(true);
                }
            }));
        }
        for (Thread t : threads) {
            t.join((long) (seconds * 1000) + 15_000);
        }
        if (failed.get()) {
            throw new UserError("the echo load failed; is part 2's echo server healthy?");
        }
    }
}
