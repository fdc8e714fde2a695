package dev.wirelab.part1;

import dev.wirelab.common.Cli;
import dev.wirelab.part1.net.AsyncLog;
import dev.wirelab.part1.net.InspectServer;
import dev.wirelab.part1.net.ServerLog;
import dev.wirelab.part1.tls.CertStore;
import dev.wirelab.part1.tls.KeyLog;
import dev.wirelab.part1.tls.KeyLoggingTls;
import dev.wirelab.part1.tls.ServerHandshake;
import dev.wirelab.part1.tls.TlsContexts;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "server", mixinStandardHelpOptions = true,
        description = {"The section 3.1 server: accepts many clients and prints every chunk it receives.",
                "With --tls it speaks TLS 1.3 only, with a self-signed certificate made on first start.",
                "Ctrl-C prints the counters and exits 0."})
public final class ServerCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "localhost", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080", description = "Port (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int port;

    @Option(names = "--tls", description = "Serve TLS 1.3 instead of plain TCP.")
    boolean tls;

    @Option(names = "--cert-dir", paramLabel = "DIR", description = "Where the certificate and key live (default: ~/.wirelab/tls).")
    Path certDir;

    @Option(names = "--duration", paramLabel = "SECONDS", description = "Stop after this many seconds (default: run until Ctrl-C).")
    Double duration;

    @Option(names = "--max-clients", paramLabel = "N", defaultValue = "1024",
            description = "Clients connected at once; more are closed at once and logged (default: ${DEFAULT-VALUE}).")
    int maxClients;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS", defaultValue = "120",
            description = "Close a client that sends nothing for this long (default: ${DEFAULT-VALUE}; 0 = never).")
    double idleTimeout;

    @Option(names = "--handshake-timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "With --tls: the whole TLS handshake must be done within this time (default: ${DEFAULT-VALUE}).")
    double handshakeTimeout;

    @Option(names = "--keylog", paramLabel = "FILE",
            description = {"With --tls: append each connection's TLS 1.3 secrets to FILE (NSS key log format,"
                    + " as SSLKEYLOGFILE; created 0600) so that Wireshark or 'capture --read --keylog' can decrypt"
                    + " a capture. Default: $SSLKEYLOGFILE if set. Whoever has the file can read the traffic."})
    Path keylog;

    /** Replaced by tests; the real command reads the process's environment. */
    Map<String, String> env = System.getenv();

    @Override
    public Integer call() throws Exception {
        InspectServer.Limits limits = limits();
        if (keylog != null && !tls) {
            throw new ParameterException(spec.commandLine(), "--keylog logs TLS session keys: it needs --tls");
        }
        PrintWriter out = spec.commandLine().getOut();
        ServerHandshake handshake = null;
        CertStore.Identity id = null;
        KeyLog keys = null;
        if (tls) {
            id = CertStore.loadOrCreate(certDir != null ? certDir : CertStore.defaultDir());
            Path keyFile = KeyLog.target(keylog, env);
            if (keyFile != null) {
                keys = KeyLog.open(keyFile);
                handshake = KeyLoggingTls.server(id, keys);
            } else {
                handshake = ServerHandshake.jsse(TlsContexts.server(id));
            }
        }
        CountDownLatch stop = new CountDownLatch(1);
        AsyncLog sink = new AsyncLog(out);
        ServerLog log = new ServerLog(sink);
        InspectServer server;
        try {
            server = InspectServer.startWith(host, port, handshake, log, limits);
        } catch (java.io.IOException | RuntimeException e) {
            sink.close();
            if (keys != null) {
                keys.close();
            }
            throw e;
        }
        CtrlC ctrlC = null;
        try {
            // Nothing is printed before the port is bound: whoever waits for our first line
            // (a script, the docs check) may connect as soon as it sees it.
            if (id != null) {
                out.println((id.created() ? "Created certificate " : "Using certificate ") + id.certFile());
                out.println("SHA-256 fingerprint " + id.sha256Fingerprint());
            }
            if (keys != null) {
                out.println(KeyLog.notice(keys.file()));
            }
            out.println("Listening on " + host + ":" + server.port() + (tls ? " (TLS 1.3)" : " (plain TCP)"));
            out.flush();
            ctrlC = CtrlC.onSignal(stop::countDown);
            if (duration != null) {
                stop.await((long) (duration * 1000), TimeUnit.MILLISECONDS);
            } else {
                stop.await();
            }
        } finally {
            server.close();
            log.finish();
            sink.close(); // the log's last lines come before the counters
            out.println(server.stats().line());
            out.flush();
            if (ctrlC != null) {
                ctrlC.close();
            }
            if (keys != null) {
                keys.close();
            }
        }
        return Cli.OK;
    }

    private InspectServer.Limits limits() {
        if (maxClients < 1) {
            throw new ParameterException(spec.commandLine(), "--max-clients must be at least 1, got " + maxClients);
        }
        if (!(idleTimeout >= 0)) {
            throw new ParameterException(spec.commandLine(), "--idle-timeout must be 0 (never) or more seconds");
        }
        if (!(handshakeTimeout > 0)) {
            throw new ParameterException(spec.commandLine(), "--handshake-timeout must be more than 0 seconds");
        }
        if (duration != null && !(duration > 0)) {
            throw new ParameterException(spec.commandLine(), "--duration must be more than 0 seconds");
        }
        return new InspectServer.Limits(maxClients, millis(handshakeTimeout), millis(idleTimeout));
    }

    private static Duration millis(double seconds) {
        return Duration.ofMillis(Math.round(seconds * 1000));
    }
}
