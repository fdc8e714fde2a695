package dev.wirelab.bench;

import dev.wirelab.common.Frame;
import dev.wirelab.common.FrameCodec;
import dev.wirelab.common.FrameDecoder;
import dev.wirelab.common.FrameFormatException;
import dev.wirelab.common.FrameType;
import dev.wirelab.part2.EchoServer;
import dev.wirelab.part2.FaultConfig;
import dev.wirelab.part3.ClientCommand;
import dev.wirelab.part3.ClientListener;
import dev.wirelab.part3.Experiment;
import dev.wirelab.part3.Summary;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Part 3's resilient client through a clean part 2 server, against the physical floor measured in
 * the same run: the same frames on one connection with the same number in flight and nothing else
 * (no timers, no retransmission state, no trace), so for window 1 exactly one round trip per
 * message. What is left between the two is what the client's machinery costs.
 */
@Command(name = "client", mixinStandardHelpOptions = true,
        description = {"Part 3: the resilient client's goodput through a clean echo server at window 1 and 16, against the "
                + "floor of the same frames sent bare (window 1: one round trip per message), in the same run."})
public final class ClientBench implements Callable<Integer>, Planned {

    @Spec
    CommandSpec spec;

    @Option(names = "--count", paramLabel = "N", defaultValue = "5000",
            description = "Messages per run (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--size", paramLabel = "BYTES", defaultValue = "32",
            description = "Bytes per message payload (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--window", paramLabel = "LIST", split = ",", defaultValue = "1,16",
            description = "Windows (messages in flight) to measure (default: ${DEFAULT-VALUE}).")
    int[] windows;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "5",
            description = "Runs per window of client and floor, alternating (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "2026",
            description = "Seed of the server (no faults: only the client's jitter uses it) (default: ${DEFAULT-VALUE}).")
    long seed;

    /** Messages per second assumed for the time estimate only. */
    private static final double ASSUMED_PER_SECOND = 10_000;

    @Override
    public Integer call() throws Exception {
        if (count < 1 || count > 1_000_000 || size < 1 || size > 65_536 || rounds < 1 || rounds > 50) {
            throw new ParameterException(spec.commandLine(), "--count must be 1..1000000, --size 1..65536, --rounds 1..50");
        }
        for (int w : windows) {
            if (w < 1 || w > 4096) {
                throw new ParameterException(spec.commandLine(), "--window values must be 1..4096");
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        List<byte[]> payloads = ClientCommand.generate(count, size);
        Progress progress = new Progress(spec.commandLine().getErr(), 2 + windows.length * rounds * 2, planned());
        double[][][] rate = new double[windows.length][2][rounds];
        long[][] rtt50 = new long[windows.length][rounds];
        Histogram[] floorRtt = new Histogram[windows.length];
        progress.step("warming up the client (window 16)");
        clientRun(payloads, 16);
        progress.step("warming up the floor (window 16)");
        floorRun(payloads, 16, new Histogram(3));
        for (int i = 0; i < windows.length; i++) {
            floorRtt[i] = new Histogram(3);
            for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < 2; k++) {
                    boolean client = (k + r) % 2 == 0;
                    progress.step(String.format(Locale.ROOT, "%s, window %d, %d messages, round %d of %d",
                            client ? "part 3 client" : "floor (bare frames)", windows[i], count, r + 1, rounds));
                    if (client) {
                        Summary s = clientRun(payloads, windows[i]);
                        rate[i][0][r] = s.goodputMessagesPerSecond();
                        rtt50[i][r] = s.rttP50Nanos();
                    } else {
                        rate[i][1][r] = count / (floorRun(payloads, windows[i], floorRtt[i]) / 1e9);
                    }
                }
            }
        }
        progress.note("client bench done in " + Progress.clock(progress.elapsed()));
        out.println();
        out.printf(Locale.ROOT, "Part 3's ResilientClient (defaults) through part 2's EchoServer without faults, %d messages of %d "
                + "bytes per run, against the floor: the same DATA frames on one connection after one HELLO, as many in flight "
                + "(all the window allows in one write), each ACK checked, nothing else: for window 1 one round trip per message. Loopback, %d round(s) per window, alternating; medians with the range.%n%n",
                count, size, rounds);
        out.println("| window | part 3 client (msg/s) | floor (msg/s) | client ÷ floor | client RTT p50 (median) | floor RTT p50 |");
        out.println("|---:|---:|---:|---:|---:|---:|");
        for (int i = 0; i < windows.length; i++) {
            double[] ratio = new double[rounds];
            double[] clientRtt = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                ratio[r] = rate[i][0][r] / rate[i][1][r];
                clientRtt[r] = rtt50[i][r] / 1000.0;
            }
            out.printf(Locale.ROOT, "| %d | %s | %s | %s | %.0f µs | %.0f µs |%n", windows[i], Stats.range(rate[i][0], "%,.0f"),
                    Stats.range(rate[i][1], "%,.0f"), Stats.range(ratio, "%.2f"), Stats.median(clientRtt),
                    floorRtt[i].getValueAtPercentile(50) / 1000.0);
        }
        out.flush();
        return 0;
    }

    @Override
    public Duration planned() {
        return Progress.seconds(count * (2.0 + windows.length * rounds * 2) / ASSUMED_PER_SECOND);
    }

    private Summary clientRun(List<byte[]> payloads, int window) {
        Experiment.Result r = Experiment.run(FaultConfig.none(), seed, payloads, window, c -> c, ClientListener.NONE);
        if (!r.correct()) {
            throw new IllegalStateException("the client did not deliver every message exactly once through a clean server (window "
                    + window + ")");
        }
        return r.summary();
    }

    /**
     * Sends {@code payloads} as DATA frames with at most {@code window} unacknowledged, after one
     * HELLO, to a fresh clean server; each ACK must carry its message back. Returns the nanoseconds
     * from connect to the last ACK, as the client's elapsed time counts them.
     */
    static long floorRun(List<byte[]> payloads, int window, Histogram rtt) throws IOException {
        try (EchoServer server = EchoServer.builder().host("127.0.0.1").port(0).start()) {
            return floor(server.address(), payloads, window, rtt);
        }
    }

    static long floor(InetSocketAddress target, List<byte[]> payloads, int window, Histogram rtt) throws IOException {
        long t0 = System.nanoTime();
        try (Socket s = new Socket()) {
            s.connect(target, 5000);
            s.setTcpNoDelay(true);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            FrameDecoder decoder = new FrameDecoder();
            byte[] buf = new byte[64 * 1024];
            ArrayDeque<Frame> frames = new ArrayDeque<>();
            out.write(FrameCodec.encode(Frame.hello("floor")));
            Frame hello = next(in, decoder, buf, frames);
            frames.poll();
            if (hello.type() != FrameType.ACK || hello.seq() != 0) {
                throw new IOException("the server answered HELLO with " + hello);
            }
            long[] sentAt = new long[payloads.size()];
            int sent = 0;
            int acked = 0;
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            while (acked < payloads.size()) {
                // Everything the window allows goes out in one write, as a pipelining client does.
                batch.reset();
                long now = System.nanoTime();
                while (sent < payloads.size() && sent - acked < window) {
                    sentAt[sent] = now;
                    batch.writeBytes(FrameCodec.encode(Frame.data(sent + 1, payloads.get(sent))));
                    sent++;
                }
                if (batch.size() > 0) {
                    out.write(batch.toByteArray());
                }
                // Then every ACK that one read brought (at least one).
                next(in, decoder, buf, frames);
                long at = System.nanoTime();
                while (!frames.isEmpty()) {
                    Frame f = frames.poll();
                    if (f.type() != FrameType.ACK || f.seq() != acked + 1 || !f.payloadEquals(payloads.get(acked))) {
                        throw new IOException("expected ACK " + (acked + 1) + " with its message, got " + f);
                    }
                    rtt.recordValue(at - sentAt[acked]);
                    acked++;
                }
            }
            return System.nanoTime() - t0;
        }
    }

    /** The next frame, reading only when none is decoded yet; what else that read brought stays in {@code frames}. */
    private static Frame next(InputStream in, FrameDecoder decoder, byte[] buf, ArrayDeque<Frame> frames) throws IOException {
        while (frames.isEmpty()) {
            int n = in.read(buf);
            if (n < 0) {
                throw new IOException("the server closed the connection");
            }
            try {
                decoder.feed(buf, 0, n, frames::add);
            } catch (FrameFormatException e) {
                throw new IOException("the server sent an invalid frame: " + e.getMessage(), e);
            }
        }
        return frames.peek();
    }
}
