package dev.wirelab.part2;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * Which DATA sequence numbers each client already delivered, so a retransmission is acknowledged
 * again but handed to the handler once, also across reconnects. Bounded: per client a watermark
 * (every seq at or below it was delivered) plus at most {@link #MAX_GAPS_PER_CLIENT} numbers above
 * it, and at most {@link #MAX_CLIENTS} clients, the least recently seen forgotten first.
 */
final class DeliveryLedger {

    static final int MAX_CLIENTS = 10_000;
    static final int MAX_GAPS_PER_CLIENT = 4_096;

    private static final class Client {
        long watermark;
        final TreeSet<Long> above = new TreeSet<>();

        synchronized boolean mark(long seq) {
            if (seq <= watermark || above.contains(seq)) {
                return false;
            }
            above.add(seq);
            while (above.remove(watermark + 1)) {
                watermark++;
            }
            if (above.size() > MAX_GAPS_PER_CLIENT) {
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

    private final Map<String, Client> clients = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Client> eldest) {
            return size() > MAX_CLIENTS;
        }
    };

    /** Records that {@code clientId} delivered {@code seq}; true the first time, false for a duplicate. */
    boolean markDelivered(String clientId, long seq) {
        Client c;
        synchronized (clients) {
            c = clients.computeIfAbsent(clientId, id -> new Client());
        }
        return c.mark(seq);
    }
}
