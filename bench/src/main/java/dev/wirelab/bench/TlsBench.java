package dev.wirelab.bench;

import dev.wirelab.common.Cli;
import dev.wirelab.common.UserError;
import dev.wirelab.part1.tls.CertStore;
import dev.wirelab.part1.tls.TlsContexts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What TLS 1.3 costs over plain TCP on loopback, with part 1's certificate and contexts: bulk
 * throughput one way (a sink reads, acknowledges the last byte) and connection set-up time
 * (TCP connect vs TCP connect + full TLS 1.3 handshake, no resumption).
 */
@Command(name = "tls", mixinStandardHelpOptions = true,
        description = {"Part 1: TLS 1.3 vs plain TCP on loopback: one-way throughput (MB/s) and connection set-up time",
                "(p50/p99), using part 1's self-signed certificate and TLS contexts."})
public final class TlsBench implements Callable<Integer>, Planned {

    @Spec
    CommandSpec spec;

    @Option(names = "--megabytes", defaultValue = "512", description = "Bytes sent per throughput run, MiB (default: ${DEFAULT-VALUE}).")
    int megabytes;

    @Option(names = "--runs", defaultValue = "3", description = "Throughput runs per transport; the median is shown (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--handshakes", defaultValue = "500", description = "Connections opened per transport (default: ${DEFAULT-VALUE}).")
    int handshakes;

    private static final int CHUNK = 64 * 1024;

    /** For the estimate only: TLS throughput and set-up time on the lab's 2-core machine. */
    private static final double ASSUMED_TLS_MB_PER_S = 500;
    private static final double ASSUMED_TLS_SETUP_MS = 6;

    @Override
    public Duration planned() {
        return Progress.seconds(runs * 1.5 * megabytes * 1.048576 / ASSUMED_TLS_MB_PER_S + (handshakes + 20) * ASSUMED_TLS_SETUP_MS / 1000 + 2);
    }

    @Override
    public Integer call() throws Exception {
        if (megabytes < 1 || megabytes > 65_536 || runs < 1 || runs > 50 || handshakes < 10 || handshakes > 100_000) {
            throw new UserError("options out of range", Cli.USAGE);
        }
        PrintWriter out = spec.commandLine().getOut();
        Path dir = Files.createTempDirectory("wirelab-tls-bench");
        CertStore.Identity id = CertStore.loadOrCreate(dir);
        SSLContext serverCtx = TlsContexts.server(id);
        SSLContext clientCtx = TlsContexts.clientTrusting(id.certificate());
        long bytes = (long) megabytes * 1024 * 1024;
        Progress progress = new Progress(spec.commandLine().getErr(), runs * 2 + 2, planned());
        double[] plainMbs = new double[runs];
        double[] tlsMbs = new double[runs];
        String suite = "";
        for (int i = 0; i < runs; i++) {
            // Alternate the order so neither transport always runs on a warmer JIT.
            String round = String.format(Locale.ROOT, "%d MiB one way, run %d of %d", megabytes, i + 1, runs);
            if (i % 2 == 0) {
                progress.step("plain TCP, " + round);
                plainMbs[i] = throughput(null, null, bytes, null);
                String[] s = new String[1];
                progress.step("TLS 1.3, " + round);
                tlsMbs[i] = throughput(serverCtx, clientCtx, bytes, s);
                suite = s[0];
            } else {
                progress.step("TLS 1.3, " + round);
                tlsMbs[i] = throughput(serverCtx, clientCtx, bytes, null);
                progress.step("plain TCP, " + round);
                plainMbs[i] = throughput(null, null, bytes, null);
            }
        }
        progress.step(handshakes + " plain TCP connections");
        long[] plainSetup = setups(null, null);
        progress.step(handshakes + " TLS 1.3 connections (full handshake each)");
        long[] tlsSetup = setups(serverCtx, clientCtx);
        progress.note("tls bench done in " + Progress.clock(progress.elapsed()));
        out.printf(Locale.ROOT, "Loopback, %d MiB per run, median of %d runs; %d connections for set-up time; cipher suite %s%n%n",
                megabytes, runs, handshakes, suite);
        out.println("| Transport | Throughput (MB/s) | Set-up p50 (ms) | Set-up p99 (ms) |");
        out.println("|---|---:|---:|---:|");
        out.printf(Locale.ROOT, "| plain TCP | %,.0f | %.3f | %.3f |%n", median(plainMbs), pct(plainSetup, 50), pct(plainSetup, 99));
        out.printf(Locale.ROOT, "| TLS 1.3 (part 1 contexts) | %,.0f | %.3f | %.3f |%n", median(tlsMbs), pct(tlsSetup, 50), pct(tlsSetup, 99));
        out.flush();
        Files.deleteIfExists(dir.resolve(CertStore.CERT_FILE));
        Files.deleteIfExists(dir.resolve(CertStore.KEY_FILE));
        Files.deleteIfExists(dir.resolve(".lock"));
        Files.deleteIfExists(dir);
        return Cli.OK;
    }

    private static ServerSocket listen(SSLContext ctx) throws IOException {
        ServerSocket ss;
        if (ctx != null) {
            SSLServerSocket s = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket();
            s.setEnabledProtocols(new String[]{"TLSv1.3"});
            ss = s;
        } else {
            ss = new ServerSocket();
        }
        ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return ss;
    }

    private static Socket connect(int port, SSLContext ctx) throws IOException {
        Socket raw = new Socket();
        raw.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
        raw.setTcpNoDelay(true);
        if (ctx == null) {
            return raw;
        }
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, "localhost", port, true);
        TlsContexts.configureClient(s, "localhost");
        s.startHandshake();
        return s;
    }

    /** MB/s (10^6 bytes) of {@code bytes} sent one way; the sink answers one byte after the last one. */
    private static double throughput(SSLContext serverCtx, SSLContext clientCtx, long bytes, String[] suite) throws Exception {
        try (ServerSocket ss = listen(serverCtx)) {
            ss.setSoTimeout(30_000);
            Thread sink = Thread.ofPlatform().start(() -> {
                try (Socket s = ss.accept()) {
                    s.setSoTimeout(60_000);
                    InputStream in = s.getInputStream();
                    byte[] buf = new byte[CHUNK];
                    long left = bytes;
                    while (left > 0) {
                        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                        if (n < 0) {
                            return;
                        }
                        left -= n;
                    }
                    s.getOutputStream().write(1);
                    s.getOutputStream().flush();
                } catch (IOException ignored) {
                    // the client side reports the failure
                }
            });
            try (Socket c = connect(ss.getLocalPort(), clientCtx)) {
                c.setSoTimeout(60_000);
                if (suite != null && c instanceof SSLSocket ssl) {
                    suite[0] = ssl.getSession().getCipherSuite();
                }
                OutputStream o = c.getOutputStream();
                byte[] buf = new byte[CHUNK];
                long t0 = System.nanoTime();
                long left = bytes;
                while (left > 0) {
                    int n = (int) Math.min(buf.length, left);
                    o.write(buf, 0, n);
                    left -= n;
                }
                o.flush();
                if (c.getInputStream().read() != 1) {
                    throw new UserError("the sink did not acknowledge");
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                sink.join(10_000);
                return bytes / secs / 1e6;
            }
        }
    }

    /** Nanoseconds from connect() to a usable connection (TLS: handshake done), sorted. */
    @SuppressWarnings("try") // a connection is only opened and closed; the listener is closed early to end the acceptor
    private long[] setups(SSLContext serverCtx, SSLContext clientCtx) throws Exception {
        long[] times = new long[handshakes];
        try (ServerSocket ss = listen(serverCtx)) {
            ss.setSoTimeout(30_000);
            Thread acceptor = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < handshakes + 20; i++) {
                    try (Socket s = ss.accept()) {
                        if (s instanceof SSLSocket ssl) {
                            ssl.startHandshake();
                        }
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            for (int i = -20; i < handshakes; i++) { // 20 unmeasured warm-up connections
                long t0 = System.nanoTime();
                try (Socket c = connect(ss.getLocalPort(), clientCtx)) {
                    long t = System.nanoTime() - t0;
                    if (i >= 0) {
                        times[i] = t;
                    }
                }
            }
            ss.close();
            acceptor.join(10_000);
        }
        Arrays.sort(times);
        return times;
    }

    private static double pct(long[] sorted, double p) {
        int idx = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, idx))] / 1e6;
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }
}
