package dev.wirelab.part1;

import dev.wirelab.common.Cli;
import dev.wirelab.part1.tls.CertStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Section 3.1 in one command: the same secret sent over plain TCP and over TLS 1.3 on loopback.",
                "Both exchanges are captured, and the verdict shows where the secret can be read on the wire.",
                "Where capture is not possible (no root, no libpcap), it shows two real captures bundled with wirelab."})
public final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--secret", paramLabel = "TEXT", defaultValue = Demo.DEFAULT_SECRET, description = "Text to send (default: a fake login line).")
    String secret;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "wirelab-captures", description = "Folder for plain.pcap and tls.pcap (default: ./${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--cert-dir", paramLabel = "DIR", description = "Certificate folder of the TLS server (default: ~/.wirelab/tls).")
    Path certDir;

    @Override
    public Integer call() throws Exception {
        if (secret.isEmpty() || secret.contains("\n")) {
            throw new ParameterException(spec.commandLine(), "--secret must be one non-empty line");
        }
        PrintWriter o = spec.commandLine().getOut();
        Demo.Result r = new Demo(secret, out, certDir != null ? certDir : CertStore.defaultDir()).run();
        Demo.print(r, o);
        o.flush();
        // A capture that contradicts the lesson (secret in the TLS one, or lost from the plain one) is a failure.
        return Demo.asExpected(r) ? Cli.OK : Cli.FAILED;
    }
}
