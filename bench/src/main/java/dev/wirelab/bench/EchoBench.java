package dev.wirelab.bench;

import dev.wirelab.part2.EchoServer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.example.echo.EchoServerHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Echo throughput and latency of part 2's {@link EchoServer} (no faults) against Netty's example
 * echo server ({@link EchoServerHandler} on NIO), driven by the same closed-loop load generator
 * ({@link EchoLoad}) in the same run. Besides round trips per second it reads how much CPU each
 * server's threads used per echo, which the load generator's share of a small machine does not
 * blur.
 */
@Command(name = "echo", mixinStandardHelpOptions = true,
        description = {"Part 2: echo round trips per second, p50/p99 latency and server CPU per echo at 1, 100 and 1,000",
                "connections, part 2's echo server vs Netty's example EchoServerHandler (NIO), same load generator, loopback."})
public final class EchoBench implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--seconds", defaultValue = "3", description = "Measured time per server, level and round (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--warmup", defaultValue = "1", description = "Unmeasured warm-up before each measured run, seconds (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--connections", split = ",", defaultValue = "1,100,1000",
            description = "Concurrency levels (default: ${DEFAULT-VALUE}).")
    int[] levels;

    @Option(names = "--size", defaultValue = "32", description = "Bytes per message, newline included (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--rounds", defaultValue = "5",
            description = "Runs per server and level, in alternating order (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--load-threads", description = "Load generator threads (default: one per core, here ${DEFAULT-VALUE}).")
    int loadThreads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--netty-loops", defaultValue = "0",
            description = "Netty's worker event loops; 0 = Netty's default, two per core (default: ${DEFAULT-VALUE}).")
    int nettyLoops;

    /** One server under test. */
    private interface Target extends AutoCloseable {
        String name();

        InetSocketAddress address();

        /** CPU nanoseconds the server's threads used so far. */
        long cpuNanos();

        @Override
        void close();
    }

    /** One measured run of one server. */
    private record Run(EchoLoad.Window window, long serverCpuNanos) {
    }

    @Override
    public Integer call() throws Exception {
        if (!(seconds > 0) || seconds > 600 || !(warmup >= 0) || warmup > 600) {
            throw new ParameterException(spec.commandLine(), "--seconds must be 0..600 (exclusive of 0), --warmup 0..600");
        }
        if (size < 2 || size > 65536) {
            throw new ParameterException(spec.commandLine(), "--size must be 2..65536 bytes");
        }
        for (int c : levels) {
            if (c < 1 || c > 10_000) {
                throw new ParameterException(spec.commandLine(), "--connections must each be 1..10000");
            }
        }
        if (rounds < 1 || rounds > 50) {
            throw new ParameterException(spec.commandLine(), "--rounds must be 1..50");
        }
        if (nettyLoops < 0 || nettyLoops > 256) {
            throw new ParameterException(spec.commandLine(), "--netty-loops must be 0..256");
        }
        if (loadThreads < 1 || loadThreads > 64) {
            throw new ParameterException(spec.commandLine(), "--load-threads must be 1..64");
        }
        PrintWriter out = spec.commandLine().getOut();
        byte[] message = new byte[size];
        Arrays.fill(message, (byte) 'x');
        message[size - 1] = '\n';
        List<String> rows = new ArrayList<>();
        try (Target part2 = part2(); Target netty = netty(nettyLoops)) {
            Target[] targets = {part2, netty};
            // Both servers and the load generator get JIT-compiled before anything counts.
            out.println("warming up both servers (100 connections, " + trim(Math.max(2, warmup * 2)) + " s each)...");
            out.flush();
            for (Target t : targets) {
                run(t, 100, message, 0, Math.max(2, warmup * 2));
            }
            for (int c : levels) {
                Run[][] runs = new Run[2][rounds];
                for (int r = 0; r < rounds; r++) {
                    // Alternate the order so neither server always runs first (on a colder machine).
                    for (int k = 0; k < 2; k++) {
                        int t = (k + r) % 2;
                        out.printf(Locale.ROOT, "running %s with %d connection(s), round %d of %d...%n", targets[t].name(), c, r + 1, rounds);
                        out.flush();
                        runs[t][r] = run(targets[t], c, message, warmup, seconds);
                    }
                }
                rows.addAll(summarise(c, targets, runs));
            }
        }
        out.println();
        out.printf(Locale.ROOT, "Echo round trips, %d-byte lines, closed loop (one message in flight per connection), %d load thread(s),%n"
                        + "%d round(s) of %s s per server and level, each after %s s of warm-up; throughput is the median of the rounds%n%n",
                size, loadThreads, rounds, trim(seconds), trim(warmup));
        out.println("| connections | server | round trips/s | p50 latency | p99 latency | server CPU per echo | load CPU per echo | vs Netty (median, range over rounds) |");
        out.println("|---:|---|---:|---:|---:|---:|---:|---:|");
        rows.forEach(out::println);
        out.flush();
        return 0;
    }

    /** Table rows for one level: each server's median rate and latency, and part 2's rate as a ratio to Netty's. */
    private static List<String> summarise(int connections, Target[] targets, Run[][] runs) {
        int rounds = runs[0].length;
        double[] ratios = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            ratios[r] = runs[0][r].window().perSecond() / runs[1][r].window().perSecond();
        }
        List<String> rows = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            Histogram all = new Histogram(3);
            double[] rates = new double[rounds];
            long echoes = 0;
            long cpu = 0;
            long loadCpu = 0;
            for (int r = 0; r < rounds; r++) {
                Run run = runs[t][r];
                all.add(run.window().latency());
                rates[r] = run.window().perSecond();
                echoes += run.window().count();
                cpu += run.serverCpuNanos();
                loadCpu += run.window().loadCpuNanos();
            }
            String vs = t == 1 ? "1.00×" : String.format(Locale.ROOT, "%.2f× (%.2f–%.2f)", median(ratios),
                    Arrays.stream(ratios).min().orElseThrow(), Arrays.stream(ratios).max().orElseThrow());
            rows.add(String.format(Locale.ROOT, "| %d | %s | %,.0f | %.0f µs | %.0f µs | %.1f µs | %.1f µs | %s |", connections,
                    targets[t].name(), median(rates), all.getValueAtPercentile(50) / 1000.0, all.getValueAtPercentile(99) / 1000.0,
                    cpu / 1000.0 / Math.max(1, echoes), loadCpu / 1000.0 / Math.max(1, echoes), vs));
        }
        return rows;
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }

    private Run run(Target target, int connections, byte[] message, double warmupSeconds, double measureSeconds) throws Exception {
        try (EchoLoad load = new EchoLoad(target.address(), connections, loadThreads, message)) {
            Duration w = Duration.ofMillis(Math.round(warmupSeconds * 1000));
            // The server's CPU is read over the same window as the load's count.
            long[] cpu = new long[1];
            EchoLoad.Window window = load.measure(w, Duration.ofMillis(Math.round(measureSeconds * 1000)),
                    () -> cpu[0] -= target.cpuNanos(), () -> cpu[0] += target.cpuNanos());
            return new Run(window, cpu[0]);
        }
    }

    private static Target part2() throws IOException {
        EchoServer server = EchoServer.builder().host("127.0.0.1").port(0).idleTimeout(Duration.ZERO).start();
        String threads = "echo-loop-" + server.port() + "-";
        return new Target() {
            public String name() {
                return "part 2 EchoServer";
            }

            public long cpuNanos() {
                return ThreadCpu.ofNamed(threads);
            }

            public InetSocketAddress address() {
                return server.address();
            }

            public void close() {
                server.close();
            }
        };
    }

    private static final String NETTY_WORKERS = "netty-echo-worker";

    private static Target netty(int loops) throws InterruptedException {
        // As Netty's example EchoServer bootstraps it, minus the LoggingHandler, plus a backlog
        // large enough for a thousand connections arriving at once.
        EventLoopGroup boss = new NioEventLoopGroup(1);
        // Default size unless asked (0 = two loops per core); the thread names are ours, to read
        // their CPU time.
        EventLoopGroup workers = new NioEventLoopGroup(loops, new DefaultThreadFactory(NETTY_WORKERS, true));
        EchoServerHandler handler = new EchoServerHandler();
        Channel channel = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(handler);
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        InetSocketAddress address = (InetSocketAddress) channel.localAddress();
        return new Target() {
            public String name() {
                return "Netty example EchoServerHandler (NIO" + (loops == 0 ? "" : ", " + loops + " loops") + ")";
            }

            public InetSocketAddress address() {
                return address;
            }

            public long cpuNanos() {
                return ThreadCpu.ofNamed(NETTY_WORKERS);
            }

            public void close() {
                channel.close().syncUninterruptibly();
                boss.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
                workers.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
            }
        };
    }
}
