package dev.wirelab.part1;

import dev.wirelab.common.Cli;
import dev.wirelab.part1.capture.CaptureListing;
import dev.wirelab.part1.capture.KeyLogFile;
import dev.wirelab.part1.capture.LiveCapture;
import dev.wirelab.part1.capture.PcapFile;
import dev.wirelab.part1.capture.TlsDecryptor;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "capture", mixinStandardHelpOptions = true,
        description = {"Captures packets (default: on the loopback interface) and lists them as Wireshark does.",
                "With --read it lists the packets of a .pcap file instead.",
                "Live capture needs root or CAP_NET_RAW+CAP_NET_ADMIN."})
public final class CaptureCommand implements Callable<Integer> {

    /** How long a live capture waits for its first packet before it says what to check. */
    static final Duration QUIET_HINT = Duration.ofSeconds(5);
    private static final int BUFFER_BYTES = 32 * 1024 * 1024;

    @Spec
    CommandSpec spec;

    @Option(names = "--interface", paramLabel = "IF", description = "Interface to capture on (default: this OS's loopback).")
    String iface;

    @Option(names = "--port", paramLabel = "PORT",
            description = "Only packets to or from this port (0 = all; default: 8080 when capturing, all with --read).")
    Integer portOption;

    @Option(names = "--count", paramLabel = "N", description = "Stop after this many packets.")
    Integer count;

    @Option(names = "--duration", paramLabel = "SECONDS", description = "Stop after this many seconds (default: until Ctrl-C or --count).")
    Double duration;

    @Option(names = "--write", paramLabel = "FILE.pcap", description = "Also save the packets to this classic .pcap file (for Wireshark, tshark -r).")
    Path write;

    @Option(names = "--read", paramLabel = "FILE.pcap", description = "List the packets of this .pcap file instead of capturing.")
    Path read;

    @Option(names = "--quiet", description = "Do not list packets, only count them (with --write: like tcpdump -w).")
    boolean quiet;

    @Option(names = "--hex", description = "Show each frame's hex + ASCII dump under its row (with --follow: each block's).")
    boolean hex;

    @Option(names = "--follow", description = {"Instead of the packet list, each TCP stream's payload in order, client and server"
            + " marked (Wireshark's Follow TCP Stream); segments reassembled by sequence number."})
    boolean follow;

    @Option(names = "--seq-graph", paramLabel = "FILE.png",
            description = "With --read: draw the wirelab frames (DATA and ACK seq over time, retransmissions and errors marked) as a PNG.")
    Path seqGraph;

    @Option(names = "--keylog", paramLabel = "FILE",
            description = "Decrypt TLS 1.3 records with the secrets in this NSS key log (written by server/client --keylog,"
                    + " SSLKEYLOGFILE) and show their content under each row, as Wireshark's tls.keylog_file does.")
    Path keylog;

    @Override
    public Integer call() throws IOException {
        int port = portOption != null ? portOption : read != null ? 0 : 8080;
        if (port < 0 || port > 65535) {
            throw new ParameterException(spec.commandLine(), "--port must be 0..65535, got " + port);
        }
        if (count != null && count < 1) {
            throw new ParameterException(spec.commandLine(), "--count must be at least 1");
        }
        if (duration != null && !(duration > 0)) {
            throw new ParameterException(spec.commandLine(), "--duration must be more than 0 seconds");
        }
        if (read != null && (iface != null || duration != null)) {
            throw new ParameterException(spec.commandLine(), "--read lists a file; --interface and --duration are for live capture");
        }
        if (seqGraph != null && read == null) {
            throw new ParameterException(spec.commandLine(), "--seq-graph draws a file's exchange: add --read FILE.pcap");
        }
        if (follow && quiet) {
            throw new ParameterException(spec.commandLine(), "--follow shows the streams and --quiet shows nothing: choose one");
        }
        Duration d = duration == null ? null : Duration.ofMillis(Math.round(duration * 1000));
        CaptureListing listing = new CaptureListing(new CaptureListing.Options(count, d, write, quiet, hex, port, QUIET_HINT,
                follow, seqGraph),
                spec.commandLine().getOut(), spec.commandLine().getErr());
        TlsDecryptor decryptor = null;
        if (keylog != null) {
            if (quiet) {
                throw new ParameterException(spec.commandLine(), "--keylog shows decrypted records: it cannot go with --quiet");
            }
            if (follow) {
                // The follow view prints the TCP payload as it was on the wire; decrypted records
                // belong under the packet list's rows.
                throw new ParameterException(spec.commandLine(), "--keylog shows decrypted records under the packet list: it cannot go with --follow");
            }
            decryptor = new TlsDecryptor(KeyLogFile.read(keylog));
            listing.decryptWith(decryptor);
        }
        if (read != null) {
            listing.listFile(PcapFile.read(read), read.toString());
            keySummary(decryptor);
            return Cli.OK;
        }
        String filter = port == 0 ? null : "port " + port;
        try (LiveCapture cap = LiveCapture.open(iface, filter, BUFFER_BYTES)) {
            CtrlC ctrlC = CtrlC.onSignal(listing::stop);
            try {
                listing.listLive(cap, filter);
            } finally {
                ctrlC.close();
            }
        }
        keySummary(decryptor);
        return Cli.OK;
    }

    private void keySummary(TlsDecryptor decryptor) {
        if (decryptor != null) {
            spec.commandLine().getErr().println(decryptor.summary());
            spec.commandLine().getErr().flush();
        }
    }
}
