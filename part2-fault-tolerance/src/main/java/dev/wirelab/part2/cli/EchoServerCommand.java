package dev.wirelab.part2.cli;

import dev.wirelab.common.FrameCodec;
import dev.wirelab.common.UserError;
import dev.wirelab.part2.EchoServer;
import dev.wirelab.part2.EchoServerStats;
import dev.wirelab.part2.FaultConfig;
import dev.wirelab.part2.FaultScript;
import dev.wirelab.part2.server.Limits;
import dev.wirelab.part2.server.Log;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;

/** {@code part2 echo-server}: the report's echo server with faults, until Ctrl-C. */
@Command(name = "echo-server", mixinStandardHelpOptions = true,
        description = {"The report's echo server (section 3.2), injecting faults into its replies.",
                "Line mode for nc (each line is echoed); frame mode (wire format v1) on the same port.",
                "Ctrl-C prints the counters and exits 0."},
        footer = {"", EchoServerStats.HELP})
final class EchoServerCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    FaultOptions faults;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "localhost", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080", description = "Port to listen on, 0 for any free port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--max-frame", paramLabel = "BYTES", defaultValue = "" + FrameCodec.DEFAULT_MAX_PAYLOAD,
            description = "Longest line or frame payload accepted; a longer one closes that connection (default: ${DEFAULT-VALUE}).")
    int maxFrame;

    @Mixin
    LogOptions logging;

    @Mixin
    AdminOptions admin;

    @Option(names = "--max-connections", paramLabel = "N",
            description = "Connections served at once; more are closed at once, logged once a second (default: what the"
                    + " file descriptor limit leaves room for, at most 10000).")
    Integer maxConnections;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS", defaultValue = "300",
            description = "Close a connection that sends nothing for this long, 0 for never (default: ${DEFAULT-VALUE}).")
    double idleTimeout;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        FaultConfig config = faults.config();
        FaultScript script = faults.script();
        long seed = faults.seed();
        if (!Limits.isListenPort(port)) {
            throw new ParameterException(spec.commandLine(), "--port must be 0..65535, got " + port);
        }
        if (!Limits.isMaxFrame(maxFrame)) {
            throw new ParameterException(spec.commandLine(), "--max-frame must be 1..16777216 bytes, got " + maxFrame);
        }
        Duration idle = timeout(spec, "--idle-timeout", idleTimeout);
        if (maxConnections != null && (maxConnections < 1 || maxConnections > 1_000_000)) {
            throw new ParameterException(spec.commandLine(), "--max-connections must be 1..1000000, got " + maxConnections);
        }
        Log log = logging.open(out);
        EchoServer.Builder b = EchoServer.builder().host(host).port(port).faults(config).script(script).seed(seed).maxFrame(maxFrame)
                .idleTimeout(idle).log(log == null ? null : log.sink());
        if (maxConnections != null) {
            b.maxConnections(maxConnections);
        }
        EchoServer server;
        try {
            server = b.start();
        } catch (BindException e) {
            if (!isLocal(host)) {
                throw new UserError("cannot listen on " + host + ": that address is not one of this machine's;"
                        + " use --host localhost, 0.0.0.0 or an address of a local interface");
            }
            throw new UserError("cannot listen on " + host + ":" + port + " (" + e.getMessage()
                    + "): is another server running there? Stop it or pick another --port");
        } catch (UnknownHostException e) {
            throw new UserError("unknown host '" + host + "'", CommandLine.ExitCode.USAGE);
        }
        AdminServer adminServer = startAdmin(admin, AdminServer.of(server), server, log);
        out.println("echo server listening on " + server.address().getAddress().getHostAddress() + ":" + server.port()
                + ", faults: " + config.describe() + FaultOptions.describe(script) + ", seed " + seed
                + AdminOptions.describe(adminServer));
        out.println("line mode for nc, frame mode for wire-format clients; Ctrl-C prints the counters and stops");
        return untilCtrlC(out, log, adminServer, server, () -> server.stats().describe(), "echo-server-shutdown");
    }

    /** Starts the admin API if asked for; closes {@code served} if that fails. */
    static AdminServer startAdmin(AdminOptions admin, AdminServer.Target target, AutoCloseable served, Log log)
            throws Exception {
        try {
            return admin.start(target, log == null ? line -> { } : log.sink());
        } catch (RuntimeException e) {
            served.close();
            throw e;
        }
    }

    /**
     * Serves until Ctrl-C, which is how the server and the proxy are meant to end: then it stops
     * the admin API and {@code served}, empties the log, prints the counters and exits 0 (not
     * the JVM's 130 for SIGINT).
     */
    static int untilCtrlC(PrintWriter out, Log log, AdminServer adminServer, AutoCloseable served,
                          Supplier<String> counters, String threadName) throws InterruptedException {
        out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (adminServer != null) {
                adminServer.close();
            }
            try {
                served.close();
            } catch (Exception ignored) {
                // stopping anyway
            }
            closeLog(log, out);
            out.println();
            out.println("stopped: " + counters.get());
            out.flush();
            Runtime.getRuntime().halt(CommandLine.ExitCode.OK);
        }, threadName));
        new CountDownLatch(1).await();
        return CommandLine.ExitCode.OK;
    }

    /** Writes what the log still holds (a stuck output gets a second), and says if lines were dropped. */
    static void closeLog(Log log, PrintWriter out) {
        if (log != null) {
            log.close(Duration.ofSeconds(1));
            if (log.dropped() > 0) {
                out.println("log: " + log.dropped() + " lines were dropped because the output could not keep up");
            }
        }
    }

    /** A timeout option in seconds: 0 for never, else at least a millisecond and at most a day. */
    static Duration timeout(CommandSpec spec, String name, double seconds) {
        if (!(seconds >= 0) || seconds > 86_400) {
            throw new ParameterException(spec.commandLine(), name + " must be 0..86400 seconds, got " + seconds);
        }
        if (seconds > 0 && seconds < 0.001) {
            // Rounded to whole milliseconds this would be 0, which means "never": the opposite.
            throw new ParameterException(spec.commandLine(), name + " must be 0 (never) or at least 0.001 seconds, got " + seconds);
        }
        return Duration.ofMillis(Math.round(seconds * 1000));
    }

    /** Whether {@code host} is an address this machine can listen on (any-address, loopback or an interface's). */
    static boolean isLocal(String host) {
        try {
            InetAddress a = InetAddress.getByName(host);
            return a.isAnyLocalAddress() || a.isLoopbackAddress() || NetworkInterface.getByInetAddress(a) != null;
        } catch (IOException | RuntimeException e) {
            return true; // cannot tell: keep the general message
        }
    }
}
