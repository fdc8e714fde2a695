package dev.wirelab.docs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one console block's commands the way a student would type them, in a network namespace
 * of its own (so the ports the page names, e.g. 8080, are free, and nothing reaches past
 * loopback), in a scratch folder that sees the project's files, with {@code ./lab partN} running
 * the jars the build just made.
 */
final class BlockRunner implements AutoCloseable {

    static final Duration COMMAND_LIMIT = Duration.ofSeconds(120);
    static final Duration BACKGROUND_START_LIMIT = Duration.ofSeconds(20);
    static final Duration BACKGROUND_STOP_LIMIT = Duration.ofSeconds(10);

    private final Path root;
    private final Path work;
    private final Process namespace;
    private final List<Running> background = new ArrayList<>();

    record Running(ConsoleBlock.Step step, Process process, Path output) {
    }

    BlockRunner(Path root) throws IOException, InterruptedException {
        this.root = root;
        this.work = Files.createTempDirectory("wirelab-docs");
        try (var entries = Files.list(root)) {
            for (Path p : entries.toList()) {
                String name = p.getFileName().toString();
                if (!name.equals("lab") && !name.startsWith(".")) {
                    Files.createSymbolicLink(work.resolve(name), p);
                }
            }
        }
        writeLabShim();
        // The namespace lives as long as this process; every command joins it with nsenter.
        namespace = new ProcessBuilder("unshare", "--net", "sleep", "900").redirectErrorStream(true).start();
        awaitOwnNamespace();
        Process up = new ProcessBuilder("nsenter", "-t", Long.toString(namespace.pid()), "-n", "ip", "link", "set", "lo", "up")
                .redirectErrorStream(true).start();
        String upOut = new String(up.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!up.waitFor(10, TimeUnit.SECONDS) || up.exitValue() != 0) {
            throw new IOException("could not bring up loopback in the docs namespace: " + upOut);
        }
    }

    /**
     * unshare creates the namespace and then execs sleep; until it has, /proc/PID/ns/net is still
     * ours, and "ip link set lo up" there would act on the host. Wait (bounded) until it differs.
     */
    private void awaitOwnNamespace() throws IOException, InterruptedException {
        Path own = Files.readSymbolicLink(Path.of("/proc/self/ns/net"));
        Path theirs = Path.of("/proc", Long.toString(namespace.pid()), "ns", "net");
        Instant deadline = Instant.now().plusSeconds(10);
        while (true) {
            try {
                if (!Files.readSymbolicLink(theirs).equals(own)) {
                    return;
                }
            } catch (IOException notYet) {
                // the process is still starting
            }
            if (!namespace.isAlive() || Instant.now().isAfter(deadline)) {
                throw new IOException("unshare --net did not create a network namespace: "
                        + new String(namespace.getInputStream().readNBytes(4096), StandardCharsets.UTF_8));
            }
            namespace.waitFor(10, TimeUnit.MILLISECONDS); // returns early if it dies
        }
    }

    /** {@code ./lab partN ARGS} runs that part's jar directly: no build from inside a build. */
    private void writeLabShim() throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String shim = """
                #!/bin/sh
                part=$1; shift
                case "$part" in
                  part1) m=part1-inspection ;;
                  part2) m=part2-fault-tolerance ;;
                  part3) m=part3-resilient-client ;;
                  grade|exercise) m=grader; set -- "$part" "$@" ;;
                  java-home) echo "%2$s"; exit 0 ;;
                  *) echo "docs check: './lab $part' is not run by the docs check" >&2; exit 97 ;;
                esac
                exec "%1$s" -jar "%3$s/$m/target/$m.jar" "$@"
                """.formatted(java, System.getProperty("java.home"), root);
        Path lab = work.resolve("lab");
        Files.writeString(lab, shim);
        Files.setPosixFilePermissions(lab, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path bin = Files.createDirectories(work.resolve(".bin"));
        // Pages may say "sudo ./lab ..." for capture; the check already runs as root.
        Files.writeString(bin.resolve("sudo"), "#!/bin/sh\nexec \"$@\"\n");
        Files.setPosixFilePermissions(bin.resolve("sudo"), PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private ProcessBuilder shell(String command) {
        ProcessBuilder pb = new ProcessBuilder("nsenter", "-t", Long.toString(namespace.pid()), "-n",
                "setsid", "bash", "-c", command).directory(work.toFile()).redirectErrorStream(true);
        pb.environment().put("PATH", work.resolve(".bin") + ":" + System.getenv("PATH"));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("COLUMNS", "100");
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        return pb;
    }

    /** Runs a foreground command to its end and returns what it printed (stdout and stderr). */
    String run(ConsoleBlock.Step step) throws IOException, InterruptedException {
        Path out = Files.createTempFile(work, "out", ".txt");
        Process p = shell(step.command()).redirectOutput(out.toFile()).start();
        if (!p.waitFor(COMMAND_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
            kill(p);
            throw new AssertionError("'" + step.command() + "' did not finish within " + COMMAND_LIMIT.toSeconds()
                    + " s; output so far:\n" + Files.readString(out));
        }
        return Files.readString(out);
    }

    /** Starts a background command and returns once it has printed its first line (a server listening). */
    void start(ConsoleBlock.Step step) throws IOException, InterruptedException {
        Path out = Files.createTempFile(work, "bg", ".txt");
        Process p = shell(step.command()).redirectOutput(out.toFile()).start();
        background.add(new Running(step, p, out));
        Instant deadline = Instant.now().plus(BACKGROUND_START_LIMIT);
        while (Files.size(out) == 0 || !Files.readString(out).contains("\n")) {
            if (!p.isAlive()) {
                throw new AssertionError("background command '" + step.command() + "' exited with "
                        + p.exitValue() + ":\n" + Files.readString(out));
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("background command '" + step.command() + "' printed nothing within "
                        + BACKGROUND_START_LIMIT.toSeconds() + " s");
            }
            p.waitFor(50, TimeUnit.MILLISECONDS); // returns early if it dies
        }
    }

    /**
     * Stops the background commands as Ctrl-C would (SIGINT, so they print their counters) and
     * returns what each printed.
     */
    List<String> stopBackground() throws IOException, InterruptedException {
        List<String> outputs = new ArrayList<>();
        for (Running r : background) {
            signal(r.process(), "INT");
            if (!r.process().waitFor(BACKGROUND_STOP_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
                kill(r.process());
            }
            outputs.add(Files.readString(r.output()));
        }
        return outputs;
    }

    List<Running> background() {
        return background;
    }

    private static void signal(Process p, String sig) throws IOException, InterruptedException {
        // setsid made the shell a process-group leader: signal the whole group, as a terminal does.
        new ProcessBuilder("kill", "-s", sig, "--", "-" + p.pid()).start().waitFor(5, TimeUnit.SECONDS);
    }

    private static void kill(Process p) throws IOException, InterruptedException {
        signal(p, "KILL");
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    @Override
    public void close() throws IOException {
        try {
            for (Running r : background) {
                if (r.process().isAlive()) {
                    kill(r.process());
                }
            }
            namespace.destroyForcibly();
            namespace.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // still remove the scratch folder
        }
        try (var files = Files.walk(work)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
