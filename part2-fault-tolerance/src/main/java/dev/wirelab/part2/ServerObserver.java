package dev.wirelab.part2;

/**
 * Receives what an {@link EchoServer} does, as structured {@link ServerEvent}s, so that a tool
 * (the grader, a test) can explain a run: "message 3 was delivered twice: the client sent it
 * again after its ACK had arrived".
 *
 * <p>Called on the event loop's thread that serves the connection, in the order things happened
 * on that connection (connections on different loops interleave). It must return quickly and
 * never block: hand events to a queue of your own if you do more than record them. An exception
 * it throws is logged and ignored.
 */
@FunctionalInterface
public interface ServerObserver {

    /** Observes nothing: the default. */
    ServerObserver NONE = event -> { };

    void onEvent(ServerEvent event);
}
