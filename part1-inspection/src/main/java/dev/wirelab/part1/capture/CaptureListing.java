package dev.wirelab.part1.capture;

import dev.wirelab.common.HexDump;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the capture command does, without its command line: lists frames as Wireshark's packet
 * list (with each frame's hex dump if asked), from a file or live, and saves them to a pcap file
 * if asked. Rows go to {@code out}; what the capture says about itself (its first line, a hint,
 * the closing count) goes to {@code err}, as tcpdump does.
 */
public final class CaptureListing {

    /**
     * {@code count}: stop after this many frames (null: no limit); {@code duration}: a live
     * capture stops after this long (null: at {@link #stop()}); {@code write}: also save the
     * frames there (null: no file); {@code quiet}: count, do not list; {@code hex}: a dump under
     * each row; {@code port}: a file's frames to or from this port only (0: all);
     * {@code quietHint}: a live capture that has seen no frame for this long says what to check
     * (null: never); {@code follow}: each TCP stream's payload instead of the packet list
     * ({@link TcpFollow}); {@code seqGraph}: a file's wirelab exchange drawn there as a PNG
     * (null: none).
     */
    public record Options(Integer count, Duration duration, Path write, boolean quiet, boolean hex, int port,
                          Duration quietHint, boolean follow, Path seqGraph) {

        public Options(Integer count, Duration duration, Path write, boolean quiet, boolean hex, int port,
                       Duration quietHint) {
            this(count, duration, write, quiet, hex, port, quietHint, false, null);
        }
    }

    /** Opens the pcap file frames are saved to; tests swap in one that fails. */
    interface WriterOpener {
        PcapFile.Writer open(Path file, int linkTypeCode) throws IOException;
    }

    private static final long FLUSH_MILLIS = 100;

    private final Options options;
    private final PrintWriter out;
    private final PrintWriter err;
    private final WriterOpener opener;
    private final CountDownLatch done = new CountDownLatch(1);
    private TlsDecryptor decryptor;

    public CaptureListing(Options options, PrintWriter out, PrintWriter err) {
        this(options, out, err, PcapFile.Writer::new);
    }

    CaptureListing(Options options, PrintWriter out, PrintWriter err, WriterOpener opener) {
        this.options = options;
        this.out = out;
        this.err = err;
        this.opener = opener;
    }

    /**
     * Shows, under each row whose TLS records the key log opens, what they carry (call before
     * listing; {@link TlsDecryptor#summary()} tells afterwards how it went).
     */
    public void decryptWith(TlsDecryptor d) {
        this.decryptor = d;
    }

    /** Ends a live listing early (Ctrl-C): what was captured is still listed, counted and saved. */
    public void stop() {
        done.countDown();
    }

    /** Lists a capture read from a file; {@code name} names it in messages. Returns the frames listed. */
    public int listFile(PcapFile.Capture cap, String name) throws IOException {
        LinkType link = cap.linkType();
        if (link == null) {
            throw new IOException(name + " has link type " + cap.linkTypeCode() + ", which this tool does not decode"
                    + " (supported: Ethernet, BSD loopback, Linux cooked SLL/SLL2, raw IP)");
        }
        PacketList list = new PacketList(link);
        TcpFollow follow = options.follow() ? new TcpFollow(link) : null;
        SeqGraph.Builder graph = options.seqGraph() != null ? new SeqGraph.Builder() : null;
        if (follow == null && !options.quiet()) {
            out.println(PacketList.header());
        }
        int shown = 0;
        try (PcapFile.Writer writer = options.write() != null ? opener.open(options.write(), link.code()) : null) {
            for (CapturedFrame f : cap.frames()) {
                if (!matchesPort(link, f)) {
                    continue;
                }
                PacketList.Row row = list.add(f);
                if (follow != null) {
                    follow.add(f).forEach(this::print);
                } else if (!options.quiet()) {
                    print(row);
                }
                if (graph != null) {
                    graph.add(row);
                }
                if (writer != null) {
                    writer.write(f);
                }
                if (options.count() != null && ++shown >= options.count()) {
                    break;
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        if (follow != null) {
            follow.finish().forEach(this::print);
        }
        out.flush();
        if (graph != null) {
            SeqGraph g = graph.build();
            SeqGraphChart.write(g, options.seqGraph());
            err.println("Sequence graph of " + g.summary() + " written to " + options.seqGraph());
            err.flush();
        }
        return shown;
    }

    private boolean matchesPort(LinkType link, CapturedFrame f) {
        int port = options.port();
        if (port == 0) {
            return true;
        }
        PacketDecoder.Decoded d = PacketDecoder.decode(link, f.data());
        if (d.tcp() != null) {
            return d.tcp().srcPort() == port || d.tcp().dstPort() == port;
        }
        return d.udp() != null && (d.udp().srcPort() == port || d.udp().dstPort() == port);
    }

    /**
     * Lists frames as {@code source} captures them, until the count, the duration or
     * {@link #stop()}; {@code filter} is the BPF filter the source was opened with (null: none),
     * for the messages. Returns the frames listed.
     */
    public int listLive(FrameSource source, String filter) throws IOException {
        LinkType link = source.linkType();
        if (link == null) {
            throw new IOException(source.interfaceName() + " has link type " + source.linkTypeCode()
                    + ", which this tool does not decode; capture on the loopback interface or another Ethernet one");
        }
        Integer count = options.count();
        PacketList list = new PacketList(link, false);
        TcpFollow follow = options.follow() ? new TcpFollow(link) : null;
        AtomicInteger seen = new AtomicInteger();
        LiveCapture.Stats stats;
        try (PcapFile.Writer writer = options.write() != null ? opener.open(options.write(), link.code()) : null) {
            // The source is open and filtered, so the kernel already queues every matching packet:
            // whoever waits for this first line may send traffic right after it.
            err.println("Capturing on " + source.interfaceName() + " (" + link.description() + ")"
                    + (filter != null ? ", filter \"" + filter + "\"" : "") + "; stop with Ctrl-C"
                    + (count != null ? " or after " + count + " packets" : "")
                    + (options.duration() != null ? " or after " + seconds(options.duration()) + " s" : ""));
            err.flush();
            if (!options.quiet() && follow == null) {
                out.println(PacketList.header());
                out.flush();
            }
            source.start(f -> {
                int n = seen.incrementAndGet();
                if (count != null && n > count) {
                    return;
                }
                if (!options.quiet()) {
                    synchronized (out) {
                        if (follow != null) {
                            follow.add(f).forEach(this::print);
                        } else {
                            print(list.add(f));
                        }
                    }
                }
                if (writer != null) {
                    try {
                        writer.write(f);
                    } catch (UncheckedIOException e) {
                        done.countDown(); // the source reports it when it stops
                        throw e;
                    }
                }
                if (count != null && n >= count) {
                    done.countDown();
                }
            });
            Thread flusher = Thread.ofVirtual().start(() -> flushUntilDone(writer));
            awaitEnd(seen, source.interfaceName(), filter);
            done.countDown();
            try {
                stats = source.stop();
            } finally {
                try {
                    flusher.join(1_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                synchronized (out) {
                    if (follow != null) {
                        follow.finish().forEach(this::print);
                    }
                    out.flush();
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        // The file is closed now, so the count line may say it is written.
        int shown = count == null ? seen.get() : Math.min(seen.get(), count);
        err.println(shown + " packets captured" + (stats.kernelDropped() >= 0 ? ", " + stats.kernelDropped()
                + " dropped by the kernel" : "") + (options.write() != null ? "; written to " + options.write() : ""));
        err.flush();
        return shown;
    }

    /** Waits for the count, the duration or stop(); says once what to check if nothing comes. */
    private void awaitEnd(AtomicInteger seen, String iface, String filter) {
        long start = System.nanoTime();
        long end = options.duration() == null ? Long.MAX_VALUE : start + options.duration().toNanos();
        try {
            Duration hint = options.quietHint();
            if (hint != null && start + hint.toNanos() < end) {
                if (!done.await(hint.toNanos(), TimeUnit.NANOSECONDS) && seen.get() == 0) {
                    err.println(quietHint(hint, iface, filter));
                    err.flush();
                }
            }
            if (end == Long.MAX_VALUE) {
                done.await();
            } else {
                done.await(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The usual causes of an empty capture, for a student who started it and is waiting. */
    static String quietHint(Duration after, String iface, String filter) {
        if (filter == null) {
            return "No packet on " + iface + " in " + seconds(after) + " s: is anything sending there? Still capturing.";
        }
        return "No packet on " + iface + " matching \"" + filter + "\" in " + seconds(after) + " s: is the server"
                + " running (did it print \"Listening on ...\"?), and is the client sending to that port? Still capturing.";
    }

    // Flushing per packet would cost a write() each; a tenth of a second is still "live".
    private void flushUntilDone(PcapFile.Writer writer) {
        while (done.getCount() > 0) {
            try {
                done.await(FLUSH_MILLIS, TimeUnit.MILLISECONDS);
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
                    return; // the next write fails too, and the listing reports that
                }
            }
        }
    }

    private void print(TcpFollow.Stream stream) {
        out.print(TcpFollow.format(stream, options.hex()));
        out.println();
    }

    private void print(PacketList.Row row) {
        out.println(PacketList.format(row));
        if (options.hex()) {
            out.print(HexDump.format(row.frame().data()));
            out.println();
        }
        if (decryptor != null) {
            for (TlsDecryptor.Decrypted d : decryptor.add(row)) {
                out.println(DECRYPTED_INDENT + "Decrypted " + d.summary());
            }
        }
    }

    /** Decrypted records sit under their row, indented past the frame number. */
    static final String DECRYPTED_INDENT = "        ";

    /** 5 for five seconds, 0.5 for half a second. */
    static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? Long.toString(ms / 1000) : Double.toString(ms / 1000.0);
    }
}
