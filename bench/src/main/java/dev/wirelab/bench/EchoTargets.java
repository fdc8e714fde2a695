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

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The echo servers the echo bench compares, each with a reading of its own threads' CPU time. */
final class EchoTargets {

    private EchoTargets() {
    }

    /** One server under test. */
    interface Target extends AutoCloseable {
        String name();

        InetSocketAddress address();

        /** CPU nanoseconds the server's threads used so far. */
        long cpuNanos();

        /** The threads {@link #cpuNanos} reads, for an error that finds none. */
        String threads();

        @Override
        void close();
    }

    /** Part 2's echo server without faults, never closing idle connections, as a benchmark needs. */
    static Target part2() throws IOException {
        return part2(0);
    }

    /** Part 2's echo server with {@code loops} event loops, 0 for its default (one per core). */
    static Target part2(int loops) throws IOException {
        EchoServer.Builder b = EchoServer.builder().host("127.0.0.1").port(0).idleTimeout(Duration.ZERO);
        if (loops > 0) {
            b.eventLoops(loops);
        }
        EchoServer server = b.start();
        // Part 2 names its event-loop threads after its port.
        String threads = "echo-loop-" + server.port() + "-";
        return new Target() {
            public String name() {
                return "part 2 EchoServer" + (loops == 0 ? "" : " (" + loops + " loops)");
            }

            public long cpuNanos() {
                return ThreadCpu.ofNamed(threads);
            }

            public String threads() {
                return threads + "*";
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

    /** Netty's example echo handler on NIO; {@code loops} worker event loops, 0 for Netty's default. */
    static Target netty(int loops) throws InterruptedException {
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

            public String threads() {
                return NETTY_WORKERS + "*";
            }

            public void close() {
                channel.close().syncUninterruptibly();
                boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
                workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            }
        };
    }
}
