package dev.wirelab.part2;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Which DATA sequence numbers each client already delivered, so a retransmission is acknowledged
 * again but handed to the handler once, also across reconnects. Bounded in total, not only per
 * client, since one peer can send as many HELLO ids as it likes: per client a watermark (every seq
 * at or below it was delivered) plus at most {@link #MAX_GAPS_PER_CLIENT} numbers above it, at most
 * {@link #MAX_CLIENTS} clients, and at most {@link #MAX_TOTAL_GAPS} numbers above watermarks over
 * all clients (a few tens of MB at worst). Past a limit the least recently seen client is forgotten
 * (logged): a retransmission of its old numbers would then be delivered again.
 */
final class DeliveryLedger {

    static final int MAX_CLIENTS = 10_000;
    static final int MAX_GAPS_PER_CLIENT = 1_024;
    static final int MAX_TOTAL_GAPS = 256 * 1_024;

    private static final class Client {
        long watermark;
        final TreeSet<Long> above = new TreeSet<>();

        /** Returns true the first time; {@code gapLimit} bounds {@link #above}. */
        boolean mark(long seq, int gapLimit) {
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

    private final int maxClients;
    private final int maxGapsPerClient;
    private final int maxTotalGaps;
    private final Consumer<String> log;
    /** Access order: the first entry is the least recently seen client. */
    private final Map<String, Client> clients = new LinkedHashMap<>(64, 0.75f, true);
    private long totalGaps;
    private long forgotten;

    DeliveryLedger() {
        this(line -> { });
    }

    DeliveryLedger(Consumer<String> log) {
        this(MAX_CLIENTS, MAX_GAPS_PER_CLIENT, MAX_TOTAL_GAPS, log);
    }

    DeliveryLedger(int maxClients, int maxGapsPerClient, int maxTotalGaps, Consumer<String> log) {
        this.maxClients = maxClients;
        this.maxGapsPerClient = maxGapsPerClient;
        this.maxTotalGaps = maxTotalGaps;
        this.log = log;
    }

    /** Records that {@code clientId} delivered {@code seq}; true the first time, false for a duplicate. */
    boolean markDelivered(String clientId, long seq) {
        // One lock for all: the work under it is a few tree operations, and the totals stay exact.
        synchronized (clients) {
            Client c = clients.computeIfAbsent(clientId, id -> new Client());
            int before = c.above.size();
            boolean first = c.mark(seq, maxGapsPerClient);
            totalGaps += c.above.size() - before;
            evict(c);
            return first;
        }
    }

    /** Numbers remembered above the watermarks, over all clients: what the memory bound is on. */
    long gapEntries() {
        synchronized (clients) {
            return totalGaps;
        }
    }

    int clientCount() {
        synchronized (clients) {
            return clients.size();
        }
    }

    private void evict(Client current) {
        Iterator<Map.Entry<String, Client>> it = clients.entrySet().iterator();
        while ((clients.size() > maxClients || totalGaps > maxTotalGaps) && it.hasNext()) {
            Map.Entry<String, Client> eldest = it.next();
            if (eldest.getValue() == current) {
                continue; // the client just seen is the most recent one; never forget it for itself
            }
            it.remove();
            totalGaps -= eldest.getValue().above.size();
            forgotten++;
            // Powers of two only: a peer cycling through ids must not flood the log.
            if (Long.bitCount(forgotten) == 1) {
                log.accept("delivery ledger full (" + maxClients + " clients, " + maxTotalGaps
                        + " out-of-order numbers): forgot client " + eldest.getKey() + ", " + forgotten
                        + " forgotten so far; its old retransmissions would be delivered again");
            }
        }
    }
}
