package dev.wirelab.part2.server;

import java.nio.channels.SelectionKey;

/**
 * What an {@link EventLoop} serves: one echo-server connection, or one proxied pair (a client and
 * its upstream, two sockets on the same loop). Called on the loop's thread only.
 */
public interface Served {

    /** One of its keys is ready. */
    void onReady(SelectionKey key);

    /** Serving it threw (a bug, or an Error such as OutOfMemoryError): it ends, the loop goes on. */
    void internalError(Throwable e);

    /** The loop's periodic sweep: idle and similar timeouts. */
    void sweep(long now);

    /** The loop or the server is stopping. */
    void abort();
}
