package dev.wirelab.part1;

import dev.wirelab.common.Cli;
import dev.wirelab.common.HexDump;
import dev.wirelab.common.UserError;
import dev.wirelab.part1.capture.CapturedFrame;
import dev.wirelab.part1.capture.LinkType;
import dev.wirelab.part1.capture.LiveCapture;
import dev.wirelab.part1.capture.PacketDecoder;
import dev.wirelab.part1.capture.PacketList;
import dev.wirelab.part1.capture.PcapFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "capture", mixinStandardHelpOptions = true,
        description = {"Captures packets (default: on the loopback interface) and lists them as Wireshark does,",
                "or lists the packets of a .pcap file with --read. Live capture needs root or CAP_NET_RAW+CAP_NET_ADMIN."})
public final class CaptureCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--interface", paramLabel = "IF", description = "Interface to capture on (default: this OS's loopback).")
    String iface;

    @Option(names = "--port", paramLabel = "PORT",
            description = "Only packets to or from this port (0 = all; default: 8080 when capturing, all with --read).")
    Integer portOption;

    private int port;

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

    @Option(names = "--hex", description = "Show each frame's hex + ASCII dump under its row.")
    boolean hex;

    @Override
    public Integer call() throws IOException {
        port = portOption != null ? portOption : read != null ? 0 : 8080;
        if (port < 0 || port > 65535) {
            throw new ParameterException(spec.commandLine(), "--port must be 0..65535, got " + port);
        }
        if (count != null && count < 1) {
            throw new ParameterException(spec.commandLine(), "--count must be at least 1");
        }
        if (duration != null && !(duration > 0)) {
            throw new ParameterException(spec.commandLine(), "--duration must be more than 0 seconds");
        }
        return read != null ? offline() : live();
    }

    private int offline() throws IOException {
        if (iface != null || duration != null) {
            throw new ParameterException(spec.commandLine(), "--read lists a file; --interface and --duration are for live capture");
        }
        PrintWriter out = spec.commandLine().getOut();
        PcapFile.Capture cap = PcapFile.read(read);
        LinkType link = cap.linkType();
        if (link == null) {
            throw new UserError(read + " has link type " + cap.linkTypeCode()
                    + ", which this tool does not decode (supported: Ethernet, BSD loopback, Linux cooked SLL/SLL2, raw IP)");
        }
        PacketList list = new PacketList(link);
        out.println(PacketList.header());
        int shown = 0;
        PcapFile.Writer writer = write != null ? new PcapFile.Writer(write, link.code()) : null;
        try {
            for (CapturedFrame f : cap.frames()) {
                if (!matchesPort(link, f)) {
                    continue;
                }
                print(out, list.add(f));
                if (writer != null) {
                    writer.write(f);
                }
                if (count != null && ++shown >= count) {
                    break;
                }
            }
        } finally {
            if (writer != null) {
                writer.close();
            }
        }
        out.flush();
        return Cli.OK;
    }

    private boolean matchesPort(LinkType link, CapturedFrame f) {
        if (port == 0) {
            return true;
        }
        PacketDecoder.Decoded d = PacketDecoder.decode(link, f.data());
        if (d.tcp() != null) {
            return d.tcp().srcPort() == port || d.tcp().dstPort() == port;
        }
        return d.udp() != null && (d.udp().srcPort() == port || d.udp().dstPort() == port);
    }

    private int live() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String filter = port == 0 ? null : "port " + port;
        try (LiveCapture cap = LiveCapture.open(iface, filter, 32 * 1024 * 1024)) {
            LinkType link = cap.linkType();
            if (link == null) {
                throw new UserError(cap.interfaceName() + " has link type " + cap.linkTypeCode()
                        + ", which this tool does not decode; capture on the loopback interface or another Ethernet one");
            }
            PacketList list = new PacketList(link, false);
            PcapFile.Writer writer = write != null ? new PcapFile.Writer(write, link.code()) : null;
            CountDownLatch done = new CountDownLatch(1);
            AtomicInteger seen = new AtomicInteger();
            // The handle is open and the filter set, so the kernel already queues every matching
            // packet for us: whoever waits for this first line may send traffic right after it.
            err.println("Capturing on " + cap.interfaceName() + " (" + link.description() + ")"
                    + (filter != null ? ", filter \"" + filter + "\"" : "") + "; stop with Ctrl-C"
                    + (count != null ? " or after " + count + " packets" : "")
                    + (duration != null ? " or after " + duration + " s" : ""));
            err.flush();
            if (!quiet) {
                out.println(PacketList.header());
                out.flush();
            }
            cap.start(f -> {
                int n = seen.incrementAndGet();
                if (count != null && n > count) {
                    return;
                }
                if (!quiet) {
                    synchronized (out) {
                        print(out, list.add(f));
                    }
                }
                if (writer != null) {
                    writer.write(f);
                }
                if (count != null && n >= count) {
                    done.countDown();
                }
            });
            // Flushing per packet would cost a write() each; a tenth of a second is still "live".
            Thread flusher = Thread.ofVirtual().start(() -> {
                while (done.getCount() > 0) {
                    try {
                        done.await(100, TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        return;
                    }
                    synchronized (out) {
                        out.flush();
                    }
                    if (writer != null) {
                        try {
                            writer.flush();
                        } catch (IOException e) {
                            return; // the next write fails too, and the capture reports that
                        }
                    }
                }
            });
            CountDownLatch finished = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                done.countDown();
                try {
                    finished.await(3, TimeUnit.SECONDS);
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            });
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                if (duration != null) {
                    done.await((long) (duration * 1000), TimeUnit.MILLISECONDS);
                } else {
                    done.await();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            done.countDown();
            LiveCapture.Stats stats = cap.stop();
            try {
                flusher.join(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (out) {
                out.flush();
            }
            if (writer != null) {
                writer.close();
            }
            int shown = count == null ? seen.get() : Math.min(seen.get(), count);
            err.println(shown + " packets captured" + (stats.kernelDropped() >= 0 ? ", " + stats.kernelDropped()
                    + " dropped by the kernel" : "") + (write != null ? "; written to " + write : ""));
            err.flush();
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // the JVM is already shutting down (Ctrl-C)
            }
        }
        return Cli.OK;
    }

    private void print(PrintWriter out, PacketList.Row row) {
        out.println(PacketList.format(row));
        if (hex) {
            out.print(HexDump.format(row.frame().data()));
            out.println();
        }
    }
}
