package dev.wirelab.part1.capture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface;
import org.pcap4j.core.PcapStat;
import org.pcap4j.core.Pcaps;
import org.pcap4j.core.BpfProgram;

/**
 * A live libpcap capture through pcap4j. The handle is polled in non-blocking mode by one thread
 * we own: a blocking read can wait forever on Linux (TPACKET_V3 never fires its timeout when no
 * packet comes, and close() then waits on it), whereas a bounded poll always stops when asked.
 */
public final class LiveCapture implements FrameSource {

    /** Counters at the end: frames we handed on, and what libpcap says the kernel dropped. */
    public record Stats(long delivered, long kernelDropped, long interfaceDropped) {
    }

    private final PcapHandle handle;
    private final String interfaceName;
    private final LinkType linkType;
    private final int linkTypeCode;
    private final AtomicLong delivered = new AtomicLong();
    private Thread poller;
    private volatile boolean stopping;
    private volatile Exception failure;

    private LiveCapture(PcapHandle handle, String interfaceName, int linkTypeCode) {
        this.handle = handle;
        this.interfaceName = interfaceName;
        this.linkTypeCode = linkTypeCode;
        this.linkType = LinkType.fromCode(linkTypeCode);
    }

    /** The loopback interface libpcap reports (lo, lo0, NPF_Loopback), falling back to OS names. */
    public static String loopbackName() throws CaptureUnavailable {
        try {
            for (PcapNetworkInterface nif : Pcaps.findAllDevs()) {
                if (nif.isLoopBack()) {
                    return nif.getName();
                }
            }
        } catch (PcapNativeException e) {
            // fall through to the usual name
        } catch (LinkageError e) {
            throw CaptureUnavailable.noLibpcap(e);
        }
        return CaptureUnavailable.isMac() ? "lo0" : "lo";
    }

    /**
     * Opens {@code iface} (null = loopback) with a BPF filter (null or blank = everything).
     * Throws {@link CaptureUnavailable} with the fix when libpcap, permission or the interface is missing.
     */
    public static LiveCapture open(String iface, String filter, int bufferBytes) throws CaptureUnavailable {
        String name = iface == null ? loopbackName() : iface;
        PcapHandle h;
        try {
            PcapNetworkInterface nif = Pcaps.getDevByName(name);
            if (nif == null) {
                throw new CaptureUnavailable("no such interface: " + name + " (interfaces: " + interfaceNames() + ")");
            }
            h = new PcapHandle.Builder(name)
                    .snaplen(PcapFile.SNAPLEN)
                    .promiscuousMode(PcapNetworkInterface.PromiscuousMode.NONPROMISCUOUS)
                    // Not immediate mode: on Linux that switches libpcap to TPACKET_V2, whose ring has
                    // one snaplen-sized slot per packet (a 32 MiB buffer = 128 slots), and it drops
                    // under load. TPACKET_V3 packs packets into blocks handed over within the timeout.
                    .timeoutMillis(10)
                    .bufferSize(bufferBytes)
                    .immediateMode(false)
                    .build();
        } catch (PcapNativeException e) {
            String msg = String.valueOf(e.getMessage());
            if (CaptureUnavailable.isPermissionMessage(msg)) {
                throw CaptureUnavailable.noPermission(name, msg.strip());
            }
            if (msg.contains("No such device") || msg.contains("doesn't exist")) {
                throw new CaptureUnavailable("no such interface: " + name + " (interfaces: " + interfaceNames() + ")");
            }
            throw new CaptureUnavailable("cannot capture on " + name + ": " + msg.strip());
        } catch (LinkageError e) {
            throw CaptureUnavailable.noLibpcap(e);
        }
        try {
            if (filter != null && !filter.isBlank()) {
                h.setFilter(filter, BpfProgram.BpfCompileMode.OPTIMIZE);
            }
            h.setBlockingMode(PcapHandle.BlockingMode.NONBLOCKING);
            return new LiveCapture(h, name, h.getDlt().value());
        } catch (PcapNativeException | NotOpenException e) {
            h.close();
            throw new CaptureUnavailable("cannot set up the capture on " + name + ": " + e.getMessage());
        }
    }

    private static String interfaceNames() {
        try {
            List<String> names = new ArrayList<>();
            for (PcapNetworkInterface nif : Pcaps.findAllDevs()) {
                names.add(nif.getName());
            }
            return String.join(", ", names);
        } catch (PcapNativeException | LinkageError e) {
            return "unknown";
        }
    }

    @Override
    public String interfaceName() {
        return interfaceName;
    }

    @Override
    public LinkType linkType() {
        return linkType;
    }

    @Override
    public int linkTypeCode() {
        return linkTypeCode;
    }

    /** Starts delivering frames to {@code sink} on a capture thread. */
    @Override
    public synchronized void start(Consumer<CapturedFrame> sink) {
        if (poller != null) {
            throw new IllegalStateException("already started");
        }
        poller = Thread.ofPlatform().name("capture-" + interfaceName).daemon().start(() -> poll(sink));
    }

    private void poll(Consumer<CapturedFrame> sink) {
        org.pcap4j.core.RawPacketListener listener = raw -> {
            Timestamp ts = handle.getTimestamp();
            Integer orig = handle.getOriginalLength();
            long nanos = Math.floorDiv(ts.getTime(), 1000L) * 1_000_000_000L + ts.getNanos();
            sink.accept(new CapturedFrame(nanos, orig == null ? raw.length : orig, raw));
            delivered.incrementAndGet();
        };
        try {
            while (true) {
                int n = handle.dispatch(-1, listener);
                if (n <= 0) {
                    if (stopping) {
                        return; // asked to stop and nothing is left in the buffer
                    }
                    LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(500));
                }
            }
        } catch (PcapNativeException | NotOpenException e) {
            failure = new CaptureUnavailable("capture on " + interfaceName + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failure = e;
        }
    }

    @Override
    public long delivered() {
        return delivered.get();
    }

    /**
     * Stops after draining what libpcap already holds; returns the counters. Throws what stopped
     * the capture early, if anything did (libpcap failing, or the frame callback throwing, e.g. a
     * pcap file that could not be written).
     */
    @Override
    public Stats stop() throws IOException {
        Thread t;
        synchronized (this) {
            t = poller;
        }
        stopping = true;
        if (t != null) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Stats stats = new Stats(delivered.get(), -1, -1);
        try {
            PcapStat s = handle.getStats();
            stats = new Stats(delivered.get(), s.getNumPacketsDropped(), s.getNumPacketsDroppedByIf());
        } catch (PcapNativeException | NotOpenException | RuntimeException ignored) {
            // not every platform reports drops
        }
        Exception f = failure;
        failure = null;
        if (f instanceof IOException e) {
            throw e;
        }
        if (f instanceof UncheckedIOException e) {
            throw e.getCause();
        }
        if (f instanceof RuntimeException e) {
            throw e;
        }
        return stats;
    }

    @Override
    public void close() throws IOException {
        try {
            if (!stopping) {
                stop();
            }
        } finally {
            handle.close();
        }
    }

    /** Reads a capture file libpcap understands (pcapng included). */
    static PcapFile.Capture readWithLibpcap(Path file) throws IOException {
        PcapHandle h;
        try {
            h = Pcaps.openOffline(file.toString());
        } catch (PcapNativeException e) {
            throw new IOException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (LinkageError e) {
            throw new IOException("reading pcapng files needs libpcap, which was not found;"
                    + " convert the file with: editcap -F pcap " + file + " out.pcap");
        }
        try (h) {
            List<CapturedFrame> frames = new ArrayList<>();
            while (true) {
                byte[] raw;
                try {
                    raw = h.getNextRawPacketEx();
                } catch (java.io.EOFException e) {
                    break;
                } catch (java.util.concurrent.TimeoutException e) {
                    continue;
                }
                Timestamp ts = h.getTimestamp();
                Integer orig = h.getOriginalLength();
                long nanos = Math.floorDiv(ts.getTime(), 1000L) * 1_000_000_000L + ts.getNanos();
                frames.add(new CapturedFrame(nanos, orig == null ? raw.length : orig, raw));
            }
            return new PcapFile.Capture(h.getDlt().value(), frames);
        } catch (PcapNativeException | NotOpenException e) {
            throw new IOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
