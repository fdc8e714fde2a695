package dev.wirelab.part1;

import dev.wirelab.common.Cli;
import dev.wirelab.part1.net.InspectServer;
import dev.wirelab.part1.net.ServerLog;
import dev.wirelab.part1.tls.CertStore;
import dev.wirelab.part1.tls.TlsContexts;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "server", mixinStandardHelpOptions = true,
        description = {"The section 3.1 server: accepts many clients and prints every chunk it receives.",
                "With --tls it speaks TLS 1.3 only, with a self-signed certificate made on first start."})
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

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        javax.net.ssl.SSLContext ctx = null;
        CertStore.Identity id = null;
        if (tls) {
            id = CertStore.loadOrCreate(certDir != null ? certDir : CertStore.defaultDir());
            ctx = TlsContexts.server(id);
        }
        CountDownLatch stop = new CountDownLatch(1);
        try (InspectServer server = InspectServer.start(host, port, ctx, new ServerLog(out))) {
            // Nothing is printed before the port is bound: whoever waits for our first line
            // (a script, the docs check) may connect as soon as it sees it.
            if (id != null) {
                out.println((id.created() ? "Created certificate " : "Using certificate ") + id.certFile());
                out.println("SHA-256 fingerprint " + id.sha256Fingerprint());
            }
            out.println("Listening on " + host + ":" + server.port() + (tls ? " (TLS 1.3)" : " (plain TCP)"));
            out.flush();
            Thread hook = new Thread(stop::countDown);
            Runtime.getRuntime().addShutdownHook(hook);
            if (duration != null) {
                stop.await((long) (duration * 1000), TimeUnit.MILLISECONDS);
            } else {
                stop.await();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // already shutting down
            }
        }
        return Cli.OK;
    }
}
