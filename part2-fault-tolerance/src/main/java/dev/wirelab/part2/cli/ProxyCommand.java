package dev.wirelab.part2.cli;

import dev.wirelab.common.FrameCodec;
import dev.wirelab.common.UserError;
import dev.wirelab.part2.FaultConfig;
import dev.wirelab.part2.FaultProxy;
import dev.wirelab.part2.FaultProxyStats;
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

import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code part2 proxy}: a fault-injecting TCP proxy in front of any server, until Ctrl-C. */
@Command(name = "proxy", mixinStandardHelpOptions = true,
        description = {"A TCP proxy that injects faults between a client and any server (as toxiproxy does).",
                "Faults apply to whole frames or lines (raw chunks for other data) in the chosen direction.",
                "Ctrl-C prints the counters and exits 0."},
        footer = {"", FaultProxyStats.HELP})
final class ProxyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    FaultOptions faults;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "localhost", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--listen", paramLabel = "PORT", required = true, description = "Port clients connect to.")
    int listen;

    @Option(names = "--upstream", paramLabel = "HOST:PORT", required = true, description = "The server behind the proxy, e.g. localhost:8080.")
    String upstream;

    @Option(names = "--direction", paramLabel = "DIR", defaultValue = "both", converter = DirectionConverter.class,
            description = "up: faults on client-to-server bytes; down: server-to-client; both (default: both).")
    FaultProxy.Direction direction;

    @Mixin
    LogOptions logging;

    @Mixin
    AdminOptions admin;

    @Option(names = "--max-connections", paramLabel = "N",
            description = "Clients served at once; more are closed at once, logged once a second (default: what the"
                    + " file descriptor limit leaves room for, at most 10000; each client also holds an upstream).")
    Integer maxConnections;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS", defaultValue = "300",
            description = "Close a pair when neither side sent anything for this long, 0 for never (default: ${DEFAULT-VALUE}).")
    double idleTimeout;

    @Option(names = "--half-close-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "Close a pair this long after one side ended its stream, 0 for never (default: ${DEFAULT-VALUE}).")
    double halfCloseTimeout;

    static final class DirectionConverter implements CommandLine.ITypeConverter<FaultProxy.Direction> {
        @Override
        public FaultProxy.Direction convert(String value) {
            return FaultOptions.lowerCaseEnum(FaultProxy.Direction.class, value);
        }
    }

    @Option(names = "--max-frame", paramLabel = "BYTES", defaultValue = "" + FrameCodec.DEFAULT_MAX_PAYLOAD,
            description = "Largest line or frame payload treated as one unit (default: ${DEFAULT-VALUE}).")
    int maxFrame;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        FaultConfig config = faults.config();
        FaultScript script = faults.script();
        long seed = faults.seed();
        FaultProxy.Direction dir = direction;
        InetSocketAddress up = parseUpstream(upstream);
        if (!Limits.isListenPort(listen)) {
            throw new ParameterException(spec.commandLine(), "--listen must be a port 0..65535, got " + listen);
        }
        if (!Limits.isMaxFrame(maxFrame)) {
            throw new ParameterException(spec.commandLine(), "--max-frame must be 1..16777216 bytes, got " + maxFrame);
        }
        if (maxConnections != null && (maxConnections < 1 || maxConnections > 1_000_000)) {
            throw new ParameterException(spec.commandLine(), "--max-connections must be 1..1000000, got " + maxConnections);
        }
        Duration idle = EchoServerCommand.timeout(spec, "--idle-timeout", idleTimeout);
        Duration halfClose = EchoServerCommand.timeout(spec, "--half-close-timeout", halfCloseTimeout);
        Log log = logging.open(out);
        FaultProxy.Builder b = FaultProxy.builder().host(host).port(listen).upstream(up).faults(config).script(script).direction(dir)
                .seed(seed).maxFrame(maxFrame).idleTimeout(idle).halfCloseTimeout(halfClose)
                .log(log == null ? line -> { } : log.sink());
        if (maxConnections != null) {
            b.maxConnections(maxConnections);
        }
        FaultProxy proxy;
        try {
            proxy = b.start();
        } catch (BindException e) {
            if (!EchoServerCommand.isLocal(host)) {
                throw new UserError("cannot listen on " + host + ": that address is not one of this machine's;"
                        + " use --host localhost, 0.0.0.0 or an address of a local interface");
            }
            throw new UserError("cannot listen on " + host + ":" + listen + " (" + e.getMessage()
                    + "): is something else running there? Pick another --listen port");
        } catch (UnknownHostException e) {
            throw new UserError("unknown host '" + host + "'", CommandLine.ExitCode.USAGE);
        } catch (FaultScript.ScriptException e) {
            throw new UserError(e.getMessage(), CommandLine.ExitCode.USAGE); // a rule this proxy cannot apply: its line says which
        }
        AdminServer adminServer = EchoServerCommand.startAdmin(admin, AdminServer.of(proxy), proxy, log);
        out.println("proxy listening on " + proxy.address().getAddress().getHostAddress() + ":" + proxy.port()
                + " -> " + upstream + ", direction " + dir.name().toLowerCase(Locale.ROOT)
                + ", faults: " + config.describe() + FaultOptions.describe(script) + ", seed " + seed
                + AdminOptions.describe(adminServer));
        out.println("Ctrl-C prints the counters and stops");
        return EchoServerCommand.untilCtrlC(out, log, adminServer, proxy, () -> proxy.stats().describe(), "proxy-shutdown");
    }

    private InetSocketAddress parseUpstream(String s) {
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new ParameterException(spec.commandLine(), "--upstream must be HOST:PORT, e.g. localhost:8080, not '" + s + "'");
        }
        String h = s.substring(0, colon);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        int p;
        try {
            p = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            p = -1;
        }
        if (p < 1 || p > 65535) {
            throw new ParameterException(spec.commandLine(), "--upstream port must be 1..65535 in '" + s + "'");
        }
        InetSocketAddress a = new InetSocketAddress(h, p);
        if (a.isUnresolved()) {
            throw new UserError("unknown upstream host '" + h + "'", CommandLine.ExitCode.USAGE);
        }
        return a;
    }
}
