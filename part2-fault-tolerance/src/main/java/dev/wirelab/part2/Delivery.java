package dev.wirelab.part2;

/**
 * A DATA message handed to the server's handler: once per (clientId, seq), across reconnects.
 *
 * @param clientId the id from the connection's HELLO, or the remote {@code ip:port} without one
 * @param seq      the DATA frame's sequence number
 * @param payload  the message bytes
 */
public record Delivery(String clientId, long seq, byte[] payload) {
    public Delivery {
        payload = payload.clone();
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }
}
