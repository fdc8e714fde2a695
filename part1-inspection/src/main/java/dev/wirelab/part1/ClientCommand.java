package dev.wirelab.part1;

import dev.wirelab.common.Cli;
import dev.wirelab.part1.net.NetClient;
import dev.wirelab.part1.net.TextOutputStream;
import dev.wirelab.part1.tls.CertStore;
import dev.wirelab.part1.tls.KeyLog;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "client", mixinStandardHelpOptions = true,
        description = {"Like nc: sends stdin (or --message) to the server and prints what comes back.",
                "With --tls it trusts only the certificate in --trust and checks the host name."})
public final class ClientCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "localhost", description = "Server host (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080", description = "Server port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--tls", description = "Connect with TLS 1.3.")
    boolean tls;

    @Option(names = "--trust", paramLabel = "FILE", description = "The one certificate to trust (default: ~/.wirelab/tls/server.pem).")
    Path trust;

    @Option(names = "--message", paramLabel = "TEXT", description = "Send this line instead of reading stdin.")
    String message;

    @Option(names = "--keylog", paramLabel = "FILE",
            description = {"With --tls: append this connection's TLS 1.3 secrets to FILE (NSS key log format,"
                    + " as SSLKEYLOGFILE; created 0600). Default: $SSLKEYLOGFILE if set."
                    + " Whoever has the file can read the traffic."})
    Path keylog;

    /** Replaced by tests; the real command reads the process's stdin. */
    InputStream stdin = System.in;

    /** Replaced by tests; the real command reads the process's environment. */
    Map<String, String> env = System.getenv();

    @Override
    public Integer call() throws Exception {
        if (port < 1 || port > 65535) {
            throw new ParameterException(spec.commandLine(), "--port must be 1..65535, got " + port);
        }
        if (keylog != null && !tls) {
            throw new ParameterException(spec.commandLine(), "--keylog logs TLS session keys: it needs --tls");
        }
        Socket s;
        KeyLog keys = null;
        if (tls) {
            Path file = trust != null ? trust : CertStore.defaultDir().resolve(CertStore.CERT_FILE);
            Path keyFile = KeyLog.target(keylog, env);
            if (keyFile != null) {
                keys = KeyLog.open(keyFile);
                // The notice goes to stderr: stdout carries only what the server sent back.
                spec.commandLine().getErr().println(KeyLog.notice(keyFile));
                spec.commandLine().getErr().flush();
                try {
                    s = NetClient.connectTlsLogged(host, port, host, CertStore.readCertificate(file), file.toString(), keys);
                } catch (java.io.IOException | RuntimeException e) {
                    keys.close();
                    throw e;
                }
            } else {
                s = NetClient.connectTls(host, port, host, CertStore.readCertificate(file), file.toString());
            }
        } else {
            s = NetClient.connectPlain(host, port);
        }
        InputStream in = message != null
                ? new ByteArrayInputStream((message + "\n").getBytes(StandardCharsets.UTF_8))
                : stdin;
        OutputStream replies = new TextOutputStream(spec.commandLine().getOut());
        try {
            NetClient.relay(s, in, replies, 2_000);
        } finally {
            if (keys != null) {
                keys.close();
            }
        }
        replies.flush();
        return Cli.OK;
    }
}
