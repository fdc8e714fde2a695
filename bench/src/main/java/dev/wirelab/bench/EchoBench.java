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
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Echo throughput and latency of part 2's {@link EchoServer} (no faults) against Netty's example
 * echo server ({@link EchoServerHandler} on NIO), driven by the same closed-loop load generator in
 * the same run: each connection sends one line, waits for its echo, records the round trip, and
 * sends the next.
 */
@Command(name = "echo", mixinStandardHelpOptions = true,
        description = {"Part 2: echo round trips per second and p50/p99 latency at 1, 100 and 1,000 connections,",
                "part 2's echo server vs Netty's example EchoServerHandler (NIO), same load generator, loopback."})
public final class EchoBench implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--seconds", defaultValue = "5", description = "Measured time per server and level (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--warmup", defaultValue = "2", description = "Unmeasured warm-up per server and level, seconds (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--connections", split = ",", defaultValue = "1,100,1000",
            description = "Concurrency levels (default: ${DEFAULT-VALUE}).")
    int[] levels;

    @Option(names = "--size", defaultValue = "32", description = "Bytes per message, newline included (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--rounds", defaultValue = "2",
            description = "Runs per server and level, in alternating order; throughput is their mean (default: ${DEFAULT-VALUE}).")
    int rounds;

    /** One server under test. */
    private interface Target extends AutoCloseable {
        String name();

        InetSocketAddress address();

        @Override
        void close();
    }

    private record Result(String server, int connections, double perSecond, double p50us, double p99us, long errors) {
    }

    /** One measured run. */
    private record Run(long count, long elapsedNanos, Histogram latency, long errors) {
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
        PrintWriter out = spec.commandLine().getOut();
        byte[] message = new byte[size];
        Arrays.fill(message, (byte) 'x');
        message[size - 1] = '\n';
        if (rounds < 1 || rounds > 20) {
            throw new ParameterException(spec.commandLine(), "--rounds must be 1..20");
        }
        List<Result> results = new ArrayList<>();
        try (Target part2 = part2(); Target netty = netty()) {
            // Both servers and the load generator itself get JIT-compiled before anything counts.
            out.println("warming up both servers (100 connections, " + trim(warmup * 2) + " s each)...");
            out.flush();
            load(part2, 100, message, warmup * 2);
            load(netty, 100, message, warmup * 2);
            for (int c : levels) {
                Run[][] runs = new Run[2][rounds];
                Target[] targets = {part2, netty};
                for (int r = 0; r < rounds; r++) {
                    // Alternate the order so neither server always runs first (on a colder machine).
                    for (int k = 0; k < 2; k++) {
                        int t = (k + r) % 2;
                        out.printf(Locale.ROOT, "running %s with %d connection(s), round %d...%n", targets[t].name(), c, r + 1);
                        out.flush();
                        runs[t][r] = load(targets[t], c, message, seconds);
                    }
                }
                for (int t = 0; t < 2; t++) {
                    Histogram all = new Histogram(3);
                    double rate = 0;
                    long errors = 0;
                    for (Run run : runs[t]) {
                        all.add(run.latency());
                        rate += run.count() / (run.elapsedNanos() / 1e9);
                        errors += run.errors();
                    }
                    results.add(new Result(targets[t].name(), c, rate / rounds, all.getValueAtPercentile(50) / 1000.0,
                            all.getValueAtPercentile(99) / 1000.0, errors));
                }
            }
        }
        out.println();
        out.printf(Locale.ROOT, "Echo round trips, %d-byte lines, closed loop (one outstanding message per connection), %d round(s) of %s s per server and level, each after %s s of warm-up%n%n",
                size, rounds, trim(seconds), trim(warmup));
        out.println("| connections | server | round trips/s | p50 latency | p99 latency | vs Netty |");
        out.println("|---:|---|---:|---:|---:|---:|");
        for (Result r : results) {
            Result ref = results.stream().filter(x -> x.connections() == r.connections() && x.server().startsWith("Netty")).findFirst().orElse(r);
            out.printf(Locale.ROOT, "| %d | %s | %,.0f | %.0f µs | %.0f µs | %.2f× |%n", r.connections(), r.server(), r.perSecond(),
                    r.p50us(), r.p99us(), r.perSecond() / ref.perSecond());
        }
        long errors = results.stream().mapToLong(Result::errors).sum();
        if (errors > 0) {
            out.println();
            out.println("connection errors during the runs: " + errors);
        }
        out.flush();
        return errors == 0 ? 0 : 1;
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }

    private Run load(Target target, int connections, byte[] message, double measureSeconds) throws Exception {
        List<Socket> sockets = new ArrayList<>(connections);
        try {
            for (int i = 0; i < connections; i++) {
                Socket s = new Socket();
                s.connect(target.address(), 5000);
                s.setTcpNoDelay(true);
                s.setSoTimeout(10_000);
                sockets.add(s);
            }
            Recorder recorder = new Recorder(3);
            LongAdder done = new LongAdder();
            LongAdder errors = new LongAdder();
            AtomicBoolean measuring = new AtomicBoolean(false);
            AtomicBoolean stop = new AtomicBoolean(false);
            CountDownLatch finished = new CountDownLatch(connections);
            for (Socket s : sockets) {
                Thread.ofVirtual().start(() -> {
                    try {
                        loop(s, message, recorder, done, measuring, stop);
                    } catch (IOException e) {
                        if (!stop.get()) {
                            errors.increment();
                        }
                    } finally {
                        finished.countDown();
                    }
                });
            }
            Thread.sleep(Duration.ofMillis(Math.round(warmup * 1000)));
            recorder.reset();
            done.reset();
            measuring.set(true);
            long start = System.nanoTime();
            Thread.sleep(Duration.ofMillis(Math.round(measureSeconds * 1000)));
            measuring.set(false);
            long elapsed = System.nanoTime() - start;
            long count = done.sum();
            Histogram h = recorder.getIntervalHistogram();
            stop.set(true);
            for (Socket s : sockets) {
                s.close();
            }
            finished.await();
            return new Run(count, elapsed, h, errors.sum());
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    private static void loop(Socket s, byte[] message, Recorder recorder, LongAdder done, AtomicBoolean measuring,
                             AtomicBoolean stop) throws IOException {
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[message.length];
        while (!stop.get()) {
            long t0 = System.nanoTime();
            out.write(message);
            int got = 0;
            while (got < message.length) {
                int n = in.read(buf, got, message.length - got);
                if (n < 0) {
                    throw new IOException("server closed the connection");
                }
                got += n;
            }
            long rtt = System.nanoTime() - t0;
            if (measuring.get()) {
                recorder.recordValue(rtt);
                done.increment();
            }
        }
    }

    private static Target part2() throws IOException {
        EchoServer server = EchoServer.builder().host("127.0.0.1").port(0).idleTimeout(Duration.ZERO).start();
        return new Target() {
            public String name() {
                return "part 2 EchoServer";
            }

            public InetSocketAddress address() {
                return server.address();
            }

            public void close() {
                server.close();
            }
        };
    }

    private static Target netty() throws InterruptedException {
        // As Netty's example EchoServer bootstraps it, minus the LoggingHandler, plus a backlog
        // large enough for a thousand connections arriving at once.
        EventLoopGroup boss = new NioEventLoopGroup(1);
        EventLoopGroup workers = new NioEventLoopGroup();
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
                return "Netty example EchoServerHandler (NIO)";
            }

            public InetSocketAddress address() {
                return address;
            }

            public void close() {
                channel.close().syncUninterruptibly();
                boss.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
                workers.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
            }
        };
    }
}
