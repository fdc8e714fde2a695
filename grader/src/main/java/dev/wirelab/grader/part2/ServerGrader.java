package dev.wirelab.grader.part2;

import dev.wirelab.common.Cli;
import dev.wirelab.grader.CommandTemplate;
import dev.wirelab.grader.Durations;
import dev.wirelab.grader.Grading;
import dev.wirelab.grader.Ladder;
import dev.wirelab.grader.Result;
import dev.wirelab.grader.StudentProgram;
import dev.wirelab.part3.TraceEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Grades a student's echo server: for each scenario, starts it with the scenario's settings,
 * plays the client, checks the replies, and stops it with its whole process group.
 */
public final class ServerGrader implements Grading.Runner<ServerScenario> {

    public static final Set<String> PLACEHOLDERS = Set.of("host", "port", "delay", "loss", "corrupt");
    public static final Set<String> REQUIRED = Set.of("port");
    /** Ladder lines shown under a failure. */
    static final int LADDER_LINES = 12;
    /** How long a failed scenario waits to see whether the server exited: the usual cause of a closed connection. */
    private static final Duration EXIT_SEEN_WITHIN = Duration.ofMillis(500);

    private final CommandTemplate command;
    private final Path dir;
    private final long seed;

    public ServerGrader(CommandTemplate command, Path dir, long seed) {
        this.command = command;
        this.dir = dir;
        this.seed = seed;
    }

    @Override
    public Result run(ServerScenario s, Duration limit) throws Exception {
        long start = System.nanoTime();
        Ladder ladder = new Ladder(start);
        StudentServer server;
        try {
            // Starting gets a limit of its own: a JVM that compiles its source first (java
            // EchoServer.java) on a busy grading machine must not eat into the scenario's time.
            server = StudentServer.start(command, StudentServer.settings(s.delay(), s.loss(), s.corrupt()), dir, limit);
        } catch (StudentServer.NotListening e) {
            return Result.fail(s, e.getMessage(), List.of(), List.of(), since(start), limit, program(e.command, e.ended, true));
        }
        long listening = System.nanoTime();
        ladder.add(listening, TraceEvent.Arrow.NOTE, "listening", "your server accepts connections on port " + server.address().getPort());
        try (server) {
            // The limit came scaled by --time-scale; the delay checks' tolerance stretches with it.
            double timeScale = (double) limit.toNanos() / s.limit().toNanos();
            Exchange x = new Exchange(s, server.address(), ladder, seed, timeScale);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread probe = Thread.ofVirtual().name("probe-" + s.name()).start(() -> {
                try {
                    s.probe().run(x);
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            long left = limit.toNanos() - (System.nanoTime() - listening);
            boolean done = left > 0 && probe.join(Duration.ofNanos(left));
            String problem = null;
            if (!done) {
                x.closeAll();
                probe.interrupt();
                probe.join(Duration.ofSeconds(2));
                problem = "the scenario did not finish within its " + Durations.limit(limit) + " time limit";
            } else if (failure.get() instanceof ServerScenario.Probe.Failed f) {
                problem = f.getMessage();
            } else if (failure.get() != null) {
                problem = "talking to your server failed: " + Cli.describe(failure.get());
            }
            x.closeAll();
            // A client saw its connection close a moment before the exit behind it can be seen.
            if (problem != null ? server.hasExited(EXIT_SEEN_WITHIN) : !server.isAlive()) {
                StudentProgram.Ended ended = server.ended();
                ladder.add(ended.endedAt(), TraceEvent.Arrow.PROBLEM, "exited", "your server exited with code " + ended.code());
                // The exit leads: it is the cause of what the clients saw, whenever they saw it.
                String exited = "your server exited with code " + ended.code() + " " + Durations.elapsed(Duration.ofNanos(ended.endedAt() - start))
                        + " into this scenario; a server must keep serving, whatever its clients send or do";
                return Result.fail(s, problem == null ? exited : exited + "; the clients saw: " + problem, ladder.last(LADDER_LINES),
                        x.notes(), since(start), limit, program(server.command(), ended, true));
            }
            StudentProgram.Ended ended = server.stop();
            Result.Program p = program(server.command(), ended, false);
            if (problem != null) {
                return Result.fail(s, problem, ladder.last(LADDER_LINES), x.notes(), since(start), limit, p);
            }
            return Result.pass(s, x.notes(), since(start), limit, p);
        }
    }

    private static Result.Program program(String command, StudentProgram.Ended ended, boolean exitedByItself) {
        return Result.Program.of(command, exitedByItself ? Integer.valueOf(ended.exitCode()) : null, false, ended.stdout(), ended.stderr());
    }

    private static Duration since(long start) {
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
