package dev.wirelab.part1;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What Ctrl-C (or {@code kill}) does to a running command: the JVM runs {@code stop}, then waits
 * (at most a few seconds) until the command has printed its counters and closed its files, which
 * {@link #close()} says. Without it the JVM would exit halfway through the last lines.
 */
final class CtrlC implements AutoCloseable {

    private static final long GRACE_SECONDS = 5;

    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;

    private CtrlC(Runnable stop) {
        hook = new Thread(() -> {
            stop.run();
            try {
                finished.await(GRACE_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "ctrl-c");
    }

    static CtrlC onSignal(Runnable stop) {
        CtrlC c = new CtrlC(stop);
        Runtime.getRuntime().addShutdownHook(c.hook);
        return c;
    }

    /** The command has finished: the JVM may exit, or, without a signal, the hook is not needed. */
    @Override
    public void close() {
        finished.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running: it returns now that finished is counted down
        }
    }
}
