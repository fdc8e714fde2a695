package dev.wirelab.part2.server;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Which DATA sequence numbers each named client (HELLO id) already delivered, so a retransmission
 * is acknowledged again but handed to the handler once, also across reconnects.
 *
 * <p>Bounded in total, since peers can send as many HELLO ids as they like: per client a
 * watermark (every seq at or below it was delivered) plus at most {@link #MAX_GAPS_PER_CLIENT}
 * numbers above it, at most {@link #MAX_CLIENTS} clients and {@link #MAX_TOTAL_GAPS} numbers above
 * watermarks over all clients. Past a limit a client is forgotten (logged), and a retransmission
 * of its old numbers would then be delivered again. So that one peer cannot push everyone else
 * out, each peer address has a share (a quarter of each limit): an address over its share forgets
 * its own least recently seen client, never another address's. Only when the ledger as a whole is
 * full is the least recently seen client of all forgotten.
 *
 * <p>A client is named by its HELLO id's bytes, one char per byte (ISO-8859-1), not by the id's
 * UTF-8 text: ids that differ only in bytes that are not UTF-8 read alike as text but are two
 * clients.
 *
 * <p>Connections without HELLO are not in here: each is its own client, with a {@link Window} of
 * its own that ends with the connection, so no HELLO id can ever collide with one.
 */
public final class DeliveryLedger {

    public static final int MAX_CLIENTS = 10_000;
    public static final int MAX_GAPS_PER_CLIENT = 1_024;
    public static final int MAX_TOTAL_GAPS = 256 * 1_024;
    /** An address's share of each limit, as a divisor. */
    public static final int ADDRESS_SHARE = 4;

    /** The sequence numbers one client delivered: a watermark and the numbers above it. */
    public static class Window {
        /** How many recent seqs' arrival counts a client keeps: retransmissions are of recent ones. */
        public static final int RECENT_ARRIVALS = 32;

        long watermark;
        final TreeSet<Long> above = new TreeSet<>();
        private LinkedHashMap<Long, Integer> arrivals;

        /** Counts one more arrival of {@code seq}: 1 the first time, 2 for the first retransmission, ... */
        public int arrive(long seq) {
            if (arrivals == null) {
                arrivals = new LinkedHashMap<>(16, 0.75f, true) {
                    private static final long serialVersionUID = 1L;

                    @Override
                    protected boolean removeEldestEntry(Map.Entry<Long, Integer> eldest) {
                        return size() > RECENT_ARRIVALS;
                    }
                };
            }
            return arrivals.merge(seq, 1, Integer::sum);
        }

        /** True if {@code seq} was marked (delivered) before. */
        public boolean marked(long seq) {
            return seq <= watermark || above.contains(seq);
        }

        /** Returns true the first time {@code seq} is marked; {@code gapLimit} bounds {@link #above}. */
        public boolean mark(long seq, int gapLimit) {
            if (seq <= watermark || above.contains(seq)) {
                return false;
            }
            above.add(seq);
            while (above.remove(watermark + 1)) {
                watermark++;
            }
            if (above.size() > gapLimit) {
                // A gap this old will not be filled: the client gave up on it. Forgetting the gap
                // (not the delivered numbers) keeps memory bounded without ever delivering twice.
                watermark = above.pollFirst();
                while (above.remove(watermark + 1)) {
                    watermark++;
                }
            }
            return true;
        }
    }

    private static final class Client extends Window {
        final Share share;

        public Client(Share share) {
            this.share = share;
        }
    }

    /** What one peer address holds in the ledger. */
    private static final class Share {
        final String address;
        /** Access order: the first entry is this address's least recently seen client. */
        final LinkedHashMap<String, Client> clients = new LinkedHashMap<>(16, 0.75f, true);
        long gaps;

        public Share(String address) {
            this.address = address;
        }
    }

    private final int maxClients;
    private final int maxGapsPerClient;
    private final int maxTotalGaps;
    private final Consumer<String> log;
    /** Access order: the first entry is the least recently seen client. */
    private final Map<String, Client> clients = new LinkedHashMap<>(64, 0.75f, true);
    private final Map<String, Share> shares = new HashMap<>();
    private long totalGaps;
    private long forgotten;

    public DeliveryLedger() {
        this(line -> { });
    }

    public DeliveryLedger(Consumer<String> log) {
        this(MAX_CLIENTS, MAX_GAPS_PER_CLIENT, MAX_TOTAL_GAPS, log);
    }

    public DeliveryLedger(int maxClients, int maxGapsPerClient, int maxTotalGaps, Consumer<String> log) {
        this.maxClients = maxClients;
        this.maxGapsPerClient = maxGapsPerClient;
        this.maxTotalGaps = maxTotalGaps;
        this.log = log;
    }

    /** A window for a connection without HELLO, bounded as a named client's is. */
    public static boolean markLocal(Window w, long seq) {
        return w.mark(seq, MAX_GAPS_PER_CLIENT);
    }

    /** As {@link #markDelivered(String, String, long)} for a client of no particular address. */
    public boolean markDelivered(String clientId, long seq) {
        return markDelivered("", clientId, seq);
    }

    /**
     * Records that {@code clientId}, seen from peer {@code address}, delivered {@code seq}; true the
     * first time, false for a duplicate. A client counts against the address it was first seen from.
     */
    public boolean markDelivered(String address, String clientId, long seq) {
        // One lock for all: the work under it is a few tree operations, and the totals stay exact.
        synchronized (clients) {
            Client c = client(address, clientId);
            int before = c.above.size();
            boolean first = c.mark(seq, maxGapsPerClient);
            int grown = c.above.size() - before;
            totalGaps += grown;
            c.share.gaps += grown;
            evict(c);
            return first;
        }
    }

    /** True if {@code clientId} delivered {@code seq} before (as far as the ledger still knows); adds no client. */
    public boolean delivered(String clientId, long seq) {
        synchronized (clients) {
            Client c = clients.get(clientId);
            return c != null && c.marked(seq);
        }
    }

    /** Counts an arrival of {@code seq} from {@code clientId} (see {@link Window#arrive}); a new client counts as in {@link #markDelivered}. */
    public int arrive(String address, String clientId, long seq) {
        synchronized (clients) {
            Client c = client(address, clientId);
            int k = c.arrive(seq);
            evict(c);
            return k;
        }
    }

    private Client client(String address, String clientId) {
        Client c = clients.get(clientId);
        if (c == null) {
            Share s = shares.computeIfAbsent(address, Share::new);
            c = new Client(s);
            clients.put(clientId, c);
            s.clients.put(clientId, c);
        } else {
            c.share.clients.get(clientId); // access order within the address too
        }
        return c;
    }

    /** Numbers remembered above the watermarks, over all clients: what the memory bound is on. */
    public long gapEntries() {
        synchronized (clients) {
            return totalGaps;
        }
    }

    public int clientCount() {
        synchronized (clients) {
            return clients.size();
        }
    }

    private void evict(Client current) {
        Share share = current.share;
        Iterator<Map.Entry<String, Client>> own = share.clients.entrySet().iterator();
        while ((share.clients.size() > Math.max(1, maxClients / ADDRESS_SHARE)
                || share.gaps > Math.max(1, maxTotalGaps / ADDRESS_SHARE))
                && own.hasNext()) {
            Map.Entry<String, Client> eldest = own.next();
            if (eldest.getValue() != current) {
                own.remove();
                forget(eldest.getKey(), eldest.getValue(), "its address is over its share");
            }
        }
        Iterator<Map.Entry<String, Client>> all = clients.entrySet().iterator();
        while ((clients.size() > maxClients || totalGaps > maxTotalGaps) && all.hasNext()) {
            Map.Entry<String, Client> eldest = all.next();
            if (eldest.getValue() == current) {
                continue; // the client just seen is the most recent one; never forget it for itself
            }
            all.remove();
            eldest.getValue().share.clients.remove(eldest.getKey());
            forget(eldest.getKey(), eldest.getValue(), "the ledger is full");
        }
    }

    /** Removes {@code c} from the totals (and {@code clients}, unless an iterator did). */
    private void forget(String id, Client c, String why) {
        clients.remove(id, c);
        totalGaps -= c.above.size();
        c.share.gaps -= c.above.size();
        if (c.share.clients.isEmpty()) {
            shares.remove(c.share.address);
        }
        forgotten++;
        // Powers of two only: a peer cycling through ids must not flood the log.
        if (Long.bitCount(forgotten) == 1) {
            log.accept("delivery ledger: forgot client " + Log.shown(id.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)) + " (" + why + "; at most " + maxClients
                    + " clients, " + maxClients / ADDRESS_SHARE + " per address), " + forgotten
                    + " forgotten so far; its old retransmissions would be delivered again");
        }
    }
}
