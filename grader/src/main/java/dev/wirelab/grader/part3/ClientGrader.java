package dev.wirelab.grader.part3;

import dev.wirelab.grader.CommandTemplate;
import dev.wirelab.grader.Grading;
import dev.wirelab.grader.Ladder;
import dev.wirelab.grader.Result;
import dev.wirelab.grader.StudentProgram;
import dev.wirelab.part2.EchoServer;
import dev.wirelab.part2.FaultScript;
import dev.wirelab.part3.TraceEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Grades a student's client: for each scenario, starts the project's echo server with the
 * scenario's faults on a port of its own, runs the client against it with the messages on its
 * stdin, and checks at the server what was delivered.
 */
public final class ClientGrader implements Grading.Runner<ClientScenario> {

    public static final Set<String> PLACEHOLDERS = Set.of("host", "port");
    public static final Set<String> REQUIRED = Set.of("port");
    /** Ladder lines shown under a failure. */
    static final int LADDER_LINES = 14;
    /** How long the server may take to read what an exited client wrote last. */
    static final Duration DRAIN = Duration.ofMillis(500);
    static final String HOST = "127.0.0.1";

    private final CommandTemplate command;
    private final Path dir;
    private final long seed;

    public ClientGrader(CommandTemplate command, Path dir, long seed) {
        this.command = command;
        this.dir = dir;
        this.seed = seed;
    }

    @Override
    public Result run(ClientScenario s, Duration limit) throws Exception {
        long start = System.nanoTime();
        Ladder ladder = new Ladder(start);
        FaultScript script = s.script() == null ? FaultScript.none() : FaultScript.parse(s.name(), s.script());
        ServerLog log = new ServerLog(ladder, script);
        List<byte[]> messages = ClientScenarios.messages(s, seed);
        StudentProgram.Ended ended;
        String expanded;
        // One event loop: the events of every connection come in the order they happened.
        try (EchoServer server = EchoServer.builder().host(HOST).port(0).faults(s.faults()).seed(seed).script(script)
                .observer(log).eventLoops(1).idleTimeout(limit.plusSeconds(5)).start()) {
            expanded = command.expand(Map.of("host", HOST, "port", Integer.toString(server.port())));
            ladder.add(TraceEvent.Arrow.NOTE, "start", "your client, with " + messages.size() + " messages on stdin: " + expanded);
            long started = System.nanoTime();
            try (StudentProgram p = StudentProgram.start(expanded, dir)) {
                p.feedLines(messages);
                ended = p.await(limit.minusNanos(started - start));
            }
            ladder.add(ended.endedAt(), ended.timedOut() ? TraceEvent.Arrow.PROBLEM : TraceEvent.Arrow.NOTE,
                    ended.timedOut() ? "killed" : "exit", ended.timedOut() ? "your client was still running at the time limit"
                            : "your client exited with code " + ended.code());
            log.awaitAllClosed(DRAIN);
        }
        Evidence evidence = new Evidence(s, messages, log, ended, limit);
        ClientChecks.Verdict v = ClientChecks.check(evidence);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        Result.Program program = Result.Program.of(expanded, ended.exitCode(), ended.timedOut(), ended.stdout(), ended.stderr());
        if (v.passed()) {
            return Result.pass(s, List.of(), took, limit, program);
        }
        return Result.fail(s, v.problem(), ladder.window(v.at(), v.after(), LADDER_LINES), List.of(), took, limit, program);
    }
}
