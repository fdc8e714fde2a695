package dev.wirelab.grader;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A student's program, run through {@code sh -c} in a process group of its own, so that the
 * grader can stop it together with everything it started (a shell, a JVM, a server it forked):
 * one signal to the group. Its stdout and stderr are captured, bounded ({@link OutputCapture}).
 *
 * <p>On Linux the group comes from util-linux's {@code setsid}; where that is missing (macOS),
 * from perl's {@code setpgrp}; and where neither is, the grader falls back to stopping the
 * program's descendants one by one, which misses a daemon that detached itself.
 */
public final class StudentProgram implements AutoCloseable {

    /** The programs still running, stopped if the grader itself is stopped (Ctrl-C). */
    private static final Set<StudentProgram> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (StudentProgram p : RUNNING) {
                p.killGroup();
            }
        }, "grader-stop-programs"));
    }

    private static final List<String> GROUP_WRAPPER = groupWrapper();

    /**
     * How one run of the program ended.
     *
     * @param exitCode its exit code; -1 when the grader killed it
     * @param timedOut true when it ran past its time limit and was killed
     * @param elapsed  from start to exit (or kill)
     * @param endedAt  System.nanoTime when it exited (or was killed)
     */
    public record Ended(int exitCode, boolean timedOut, Duration elapsed, long endedAt, OutputCapture stdout, OutputCapture stderr) {
        /** "exited with code 1", "was killed after the 10 s time limit". */
        public String describe(Duration limit) {
            return timedOut ? "was still running at the " + Durations.limit(limit) + " time limit and was killed"
                    : "exited with code " + code();
        }

        /** The exit code, with what the shell means by 126 and 127: "127 (no such command)". */
        public String code() {
            return exitCode + switch (exitCode) {
                case 127 -> " (the shell found no such command)";
                case 126 -> " (the shell could not run it: not executable?)";
                default -> "";
            };
        }
    }

    private final String command;
    private final Process process;
    private final long started = System.nanoTime();
    /** Completes with System.nanoTime when the process was seen to exit. */
    private final CompletableFuture<Long> exitedAt;
    private final OutputCapture stdout;
    private final OutputCapture stderr;

    private StudentProgram(String command, Process process) {
        this.command = command;
        this.process = process;
        this.stdout = OutputCapture.of(process.getInputStream(), "student-stdout-" + process.pid());
        this.stderr = OutputCapture.of(process.getErrorStream(), "student-stderr-" + process.pid());
        // A server that died is asked about later: its exit is reported when it happened, not
        // when the grader noticed.
        this.exitedAt = process.onExit().thenApply(p -> System.nanoTime());
        RUNNING.add(this);
    }

    /**
     * Starts {@code sh -c shellCommand} in {@code dir}.
     *
     * @throws IOException when even {@code sh} cannot be started
     */
    public static StudentProgram start(String shellCommand, Path dir) throws IOException {
        List<String> argv = new ArrayList<>(GROUP_WRAPPER);
        argv.add("sh");
        argv.add("-c");
        argv.add(shellCommand);
        ProcessBuilder pb = new ProcessBuilder(argv).directory(dir.toFile());
        // Python buffers a pipe's output; unbuffered, what it printed before it hung is kept.
        pb.environment().put("PYTHONUNBUFFERED", "1");
        return new StudentProgram(shellCommand, pb.start());
    }

    public String command() {
        return command;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** True when the program ends within {@code wait} (at once, if it already has). */
    public boolean exitsWithin(Duration wait) throws InterruptedException {
        return process.waitFor(wait.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Writes each message and a newline to the program's stdin, then closes it, in a thread of its
     * own: a program that does not read its stdin must not block the grader.
     */
    public void feedLines(List<byte[]> lines) {
        OutputStream in = process.getOutputStream();
        Thread.ofVirtual().name("student-stdin-" + process.pid()).start(() -> {
            try (in) {
                for (byte[] line : lines) {
                    in.write(line);
                    in.write('\n');
                }
            } catch (IOException ignored) {
                // it exited, or closed stdin itself: what it read is what it got
            }
        });
    }

    /** Closes stdin without writing anything (a server reads none). */
    public void closeStdin() {
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    /**
     * Waits for the program to end; past {@code limit} (counted from its start) it is killed with
     * its whole process group.
     */
    public Ended await(Duration limit) throws InterruptedException {
        long left = limit.toNanos() - (System.nanoTime() - started);
        // A program that already exited did so within its limit, however late it is asked.
        boolean exited = !process.isAlive() || (left > 0 && process.waitFor(left, TimeUnit.NANOSECONDS));
        long end = exited ? exitTime() : System.nanoTime();
        if (!exited && process.isAlive()) {
            killGroup();
            process.waitFor(2, TimeUnit.SECONDS);
        } else {
            // The program is done; anything it left running in its group goes too.
            killGroup();
        }
        stdout.await(1000);
        stderr.await(500);
        RUNNING.remove(this);
        int code = exited ? process.exitValue() : -1;
        return new Ended(code, !exited, Duration.ofNanos(end - started), end, stdout, stderr);
    }

    /** When the process exited, as soon as the JDK has seen it (it just has). */
    private long exitTime() throws InterruptedException {
        try {
            return exitedAt.get(1, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return System.nanoTime(); // not for an exited process; the time it was noticed will do
        }
    }

    /** A server: ask its group to stop (SIGTERM), and kill it after {@code grace}. */
    public Ended stop(Duration grace) throws InterruptedException {
        if (process.isAlive()) {
            signalGroup("TERM");
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                killGroup();
                process.waitFor(2, TimeUnit.SECONDS);
            }
        }
        killGroup();
        long end = System.nanoTime();
        stdout.await(1000);
        stderr.await(500);
        RUNNING.remove(this);
        return new Ended(process.isAlive() ? -1 : process.exitValue(), false, Duration.ofNanos(end - started), end, stdout, stderr);
    }

    public OutputCapture stdout() {
        return stdout;
    }

    public OutputCapture stderr() {
        return stderr;
    }

    @Override
    public void close() {
        killGroup();
        RUNNING.remove(this);
    }

    private void killGroup() {
        // Descendants first, as seen now: covers a platform without process groups.
        List<ProcessHandle> tree = process.descendants().toList();
        signalGroup("KILL");
        for (ProcessHandle h : tree) {
            h.destroyForcibly();
        }
        process.destroyForcibly();
    }

    private void signalGroup(String signal) {
        if (GROUP_WRAPPER.isEmpty()) {
            if (signal.equals("TERM")) {
                process.descendants().forEach(ProcessHandle::destroy);
                process.destroy();
            }
            return;
        }
        try {
            // The group's id is the program's pid: setsid/setpgrp made it the group's leader.
            Process kill = new ProcessBuilder("kill", "-s", signal, "--", "-" + process.pid())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            kill.waitFor(2, TimeUnit.SECONDS);
        } catch (IOException e) {
            // no kill(1): the descendants are stopped one by one by the caller
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static List<String> groupWrapper() {
        String setsid = onPath("setsid");
        if (setsid != null) {
            return List.of(setsid);
        }
        String perl = onPath("perl");
        if (perl != null) {
            return List.of(perl, "-e", "setpgrp(0, 0) or die \"setpgrp: $!\\n\"; exec @ARGV or die \"exec: $!\\n\"");
        }
        return List.of();
    }

    private static String onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, tool);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }
}
