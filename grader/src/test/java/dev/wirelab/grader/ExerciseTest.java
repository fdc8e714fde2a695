package dev.wirelab.grader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.wirelab.grader.exercise.Starter;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The starters as written: the exact grade command they print passes the scenarios without
 * faults and fails the ones that need the TODOs (a part 3 starter waits out a late reply but gives
 * up at the first lost, refused or damaged message, so those fail fast).
 */
@Timeout(120)
class ExerciseTest {

    @TempDir
    Path tmp;

    /** Writes a starter and returns the words of the grade command it printed last, after "./lab". */
    static List<String> init(Path dir, String part, String lang) throws Exception {
        GraderCli.Outcome o = GraderCli.run(null, "exercise", "init", part, dir.toString(), "--lang", lang);
        assertEquals(0, o.exitCode(), o.transcript());
        List<String> lines = o.out().strip().lines().toList();
        String last = lines.get(lines.size() - 1);
        assertTrue(last.startsWith("./lab grade " + part + " "), last);
        // Without WIRELAB_LAB the lab is ./lab, relative: the line before names the folder to run it from.
        assertTrue(lines.get(lines.size() - 2).contains("from " + Path.of("").toAbsolutePath() + " (the folder you are in now)"),
                o.out());
        String readme = Files.readString(dir.resolve("README.md"));
        assertTrue(readme.contains(last), "the README shows the same grade command:\n" + readme);
        assertTrue(!readme.contains("{{"), readme);
        return shellWords(last.substring("./lab ".length()));
    }

    /** The words that sh makes of a command line: the printed command is parsed as a shell would. */
    static List<String> shellWords(String line) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", "for w in " + line + "; do printf '%s\\n' \"$w\"; done").start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0);
        return new String(out, StandardCharsets.UTF_8).lines().toList();
    }

    /** Grades with {@code --only}, and checks that exactly {@code expected} failed. */
    private static void assertFailed(Set<String> expected, Path json, List<String> grade, String only) throws Exception {
        List<String> args = new ArrayList<>(grade);
        args.add("--only");
        args.add(only);
        GraderCli.Outcome o = GraderCli.run(json, args.toArray(String[]::new));
        assertEquals(new TreeSet<>(expected), o.failed(), o.transcript());
    }

    @Test
    void thePythonServerStarterEchoesButHasNoFaultsYet() throws Exception {
        assumeTrue(GraderCli.hasPython(), "python3 (3.8+) is not installed");
        Path dir = tmp.resolve("my server");
        List<String> grade = init(dir, "part2", "python");
        assertTrue(Files.readString(dir.resolve("echo.py")).contains("# TODO 3:"));
        Path json = tmp.resolve("r.json");
        assertFailed(Set.of("loss-always", "corrupt-always", "loss-rate", "delay"), json, grade,
                "echo,several-clients,binary,long-line,loss-always,corrupt-always,loss-rate,delay");
    }

    @Test
    void theJavaServerStarterEchoesButHasNoFaultsYet() throws Exception {
        Path dir = tmp.resolve("java-server");
        List<String> grade = init(dir, "part2", "java");
        assertTrue(Files.readString(dir.resolve("EchoServer.java")).contains("// TODO 2:"));
        // Java's source launcher compiles at every start: two scenarios are enough to tell.
        assertFailed(Set.of("loss-always"), tmp.resolve("r.json"), grade, "echo,loss-always");
    }

    @Test
    void thePythonClientStarterDeliversWhileNothingIsLostOnlyLateAndGivesUpAtTheFirstLoss() throws Exception {
        assumeTrue(GraderCli.hasPython(), "python3 (3.8+) is not installed");
        Path dir = tmp.resolve("client");
        List<String> grade = init(dir, "part3", "python");
        assertTrue(Files.readString(dir.resolve("client.py")).contains("# TODO 1:"));
        assertFailed(Set.of("drop", "error", "ack-drop", "corrupt-length", "duplicate-ack", "reset"), tmp.resolve("r.json"), grade,
                "clean,drop,error,ack-drop,corrupt-length,duplicate-ack,reset,timing,delay-spike,reorder");
    }

    @Test
    void theJavaClientStarterDeliversOnACleanNetworkAndGivesUpAtEachFault() throws Exception {
        Path dir = tmp.resolve("java-client");
        List<String> grade = init(dir, "part3", "java");
        assertTrue(Files.readString(dir.resolve("Client.java")).contains("// TODO 4:"));
        assertFailed(Set.of("error"), tmp.resolve("r.json"), grade, "clean,error");
    }

    @Test
    void eachStarterStopsWithOneLineNotAStackTraceWhenItCannotConnectOrListenOrIsMisused() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        boolean python = GraderCli.hasPython();
        // Bound but not listening: a connection to it is refused, and no other program can take the port meanwhile.
        try (Socket refusing = new Socket(); ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            refusing.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            String closed = String.valueOf(refusing.getLocalPort());
            String busy = String.valueOf(taken.getLocalPort());
            Path c = tmp.resolve("c");
            Path s = tmp.resolve("s");
            init(c, "part3", "java");
            init(s, "part2", "java");
            assertOneLine(1, "Connection refused", c, java, "Client.java", "127.0.0.1", closed);
            assertOneLine(2, "usage: java Client.java HOST PORT", c, java, "Client.java", "127.0.0.1", "99999");
            assertOneLine(1, "cannot listen on 127.0.0.1:" + busy, s, java, "EchoServer.java", busy, "0", "0", "0");
            assertOneLine(2, "usage: java EchoServer.java PORT DELAY LOSS CORRUPT", s, java, "EchoServer.java", busy, "half", "0", "0");
            if (python) {
                Path pc = tmp.resolve("pc");
                Path ps = tmp.resolve("ps");
                init(pc, "part3", "python");
                init(ps, "part2", "python");
                assertOneLine(1, "no session with 127.0.0.1:" + closed, pc, "python3", "client.py", "127.0.0.1", closed);
                assertOneLine(2, "usage: client.py HOST PORT", pc, "python3", "client.py", "127.0.0.1", "port");
                assertOneLine(1, "cannot listen on 127.0.0.1:" + busy, ps, "python3", "echo.py", busy, "0", "0", "0");
                assertOneLine(2, "usage: echo.py PORT DELAY LOSS CORRUPT", ps, "python3", "echo.py", busy, "0", "0");
            }
        }
        assumeTrue(python, "python3 (3.8+) is not installed: only the Java starters were run");
        // What a student sees first: the python client's stderr under a lost HELLO, in the grader's report.
        GraderCli.Outcome o = GraderCli.run(tmp.resolve("r.json"), "grade", "part3", "--client",
                "python3 " + tmp.resolve("pc/client.py") + " {host} {port}", "--only", "hello-lost");
        assertEquals(Set.of("hello-lost"), o.failed(), o.transcript());
        assertTrue(o.out().contains("| !!  no session with 127.0.0.1:") && o.out().contains("HELLO answered with ERROR 0"), o.out());
        assertTrue(!o.out().contains("Traceback"), o.out());
    }

    /** Runs a starter with stdin "hi" and checks its exit code and that it said one line on stderr, naming {@code what}. */
    private static void assertOneLine(int exit, String what, Path dir, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).start();
        p.getOutputStream().write("hi\n".getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", command) + " did not stop");
        String text = new String(err, StandardCharsets.UTF_8);
        assertEquals(exit, p.exitValue(), String.join(" ", command) + ":\n" + text);
        assertEquals(1, text.lines().count(), String.join(" ", command) + ":\n" + text);
        assertTrue(text.contains(what), String.join(" ", command) + ":\n" + text);
    }

    /** Runs a command line with sh in {@code dir} and returns the lines it printed. */
    private static List<String> sh(String command, Path dir) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", command).directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), new String(out, StandardCharsets.UTF_8));
        return new String(out, StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void theGradeCommandRunsAsPrintedWithTheLabAsInvokedAndTheProgramByItsAbsolutePath() throws Exception {
        Path stu = Files.createDirectories(tmp.resolve("stu"));
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        // A stand-in for the lab script, in a folder with a space: it prints the words it was given.
        Path lab = Files.createDirectories(tmp.resolve("wire lab")).resolve("lab");
        Files.writeString(lab, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n");
        assertTrue(lab.toFile().setExecutable(true));

        Starter.Written abs = Starter.write(Starter.Part.PART3, Starter.Lang.PYTHON, Path.of("my-client"), lab.toString(), stu);
        assertEquals(null, abs.runFrom(), "an absolute lab path runs from any folder");
        Path client = stu.resolve("my-client/client.py");
        assertTrue(Files.isRegularFile(client));
        assertEquals(List.of("grade", "part3", "--client", "python3 " + client + " {host} {port}"), sh(abs.gradeCommand(), elsewhere));
        String readme = Files.readString(stu.resolve("my-client/README.md"));
        assertTrue(readme.contains("run from any folder") && readme.contains(abs.gradeCommand()), readme);

        Starter.Written rel = Starter.write(Starter.Part.PART2, Starter.Lang.PYTHON, Path.of("my-server"), "../wire lab/lab", stu);
        assertEquals(stu, rel.runFrom(), "a relative lab path runs from the folder it was typed in");
        assertEquals(List.of("grade", "part2", "--server", "python3 " + stu.resolve("my-server/echo.py") + " {port} {delay} {loss} {corrupt}"),
                sh(rel.gradeCommand(), stu));
        readme = Files.readString(stu.resolve("my-server/README.md"));
        assertTrue(readme.contains("run from `" + stu + "`") && readme.contains(rel.gradeCommand()), readme);
    }

    @Test
    void aFolderThatIsNotEmptyIsAUsageErrorAndNothingIsOverwritten() throws Exception {
        Files.writeString(tmp.resolve("client.py"), "mine");
        GraderCli.Outcome o = GraderCli.run(null, "exercise", "init", "part3", tmp.toString());
        assertEquals(2, o.exitCode(), o.transcript());
        assertTrue(o.err().contains("is not empty"), o.err());
        assertEquals("mine", Files.readString(tmp.resolve("client.py")));
        GraderCli.Outcome file = GraderCli.run(null, "exercise", "init", "part3", tmp.resolve("client.py").toString());
        assertEquals(2, file.exitCode(), file.transcript());
        assertTrue(file.err().contains("is not a folder"), file.err());
    }

    @Test
    void anUnknownPartOrLanguageIsAUsageError() throws Exception {
        assertEquals(2, GraderCli.run(null, "exercise", "init", "part1", tmp.resolve("a").toString()).exitCode());
        GraderCli.Outcome o = GraderCli.run(null, "exercise", "init", "part3", tmp.resolve("b").toString(), "--lang", "rust");
        assertEquals(2, o.exitCode());
        assertTrue(o.err().contains("--lang must be python or java"), o.err());
    }
}
