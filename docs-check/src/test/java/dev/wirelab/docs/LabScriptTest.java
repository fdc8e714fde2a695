package dev.wirelab.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./lab} launcher, run for real on a copy of it in a scratch project whose
 * {@code mvnw} is a script that prints what Maven would and writes Surefire reports, and whose
 * JDK is a script too: what a person sees from {@code ./lab test}, its exit code (CI depends on
 * it), the setcap trap, and building under sudo. No network, no real build.
 */
@Timeout(60)
class LabScriptTest {

    @TempDir
    Path tmp;

    Path project;
    Path jdk;

    record Run(int exit, String out, String err) {
    }

    @BeforeEach
    void scratchProject() throws IOException {
        // Others (the sudo test's user) must be able to reach the scratch project.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        project = Files.createDirectories(tmp.resolve("project"));
        Files.copy(DocsCommandsTest.projectRoot().resolve("lab"), project.resolve("lab"));
        Files.writeString(project.resolve("pom.xml"), "<project/>\n");
        jdk = fakeJdk("jdk", """
                case "$*" in
                  *-XshowSettings*) echo '    java.specification.version = 21'; echo "    java.home = $JDK"; exit 0 ;;
                esac
                echo "java ran as uid $(id -u) with: $*"
                """);
    }

    /** A JDK folder whose bin/java runs {@code body} (with JDK set to the folder). */
    private Path fakeJdk(String name, String body) throws IOException {
        Path home = Files.createDirectories(tmp.resolve(name).resolve("bin"));
        script(home.resolve("java"), "JDK=" + home.getParent() + "\n" + body);
        script(home.resolve("javac"), "exit 0\n");
        Files.writeString(home.getParent().resolve("release"), "JAVA_VERSION=\"25.0.1\"\n");
        return home.getParent();
    }

    private static void script(Path file, String body) throws IOException {
        Files.writeString(file, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** The scratch project's mvnw: records its arguments, then runs {@code body}. */
    private void mvnw(String body) throws IOException {
        script(project.resolve("mvnw"), "echo \"$*\" >> \"$(dirname \"$0\")/mvnw.calls\"\n" + body);
    }

    /** A Surefire XML report for {@code testClass}, as Surefire writes it, in {@code dir}. */
    private static Path report(Path dir, String testClass, String... testcases) throws IOException {
        StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"" + testClass + "\">\n");
        for (String testcase : testcases) {
            xml.append(testcase.replace("CLASS", testClass)).append('\n');
        }
        Files.createDirectories(dir);
        return Files.writeString(dir.resolve("TEST-" + testClass + ".xml"), xml.append("</testsuite>\n"));
    }

    /** Where the fake mvnw copies its reports from: as if this run's tests had just written them. */
    private Path thisRunsReports() {
        return tmp.resolve("reports");
    }

    private static final String PASSED = "  <testcase name=\"works\" classname=\"CLASS\" time=\"0.01\"/>";
    private static final String SKIPPED_BY_ASSUMPTION = """
              <testcase name="captures" classname="CLASS" time="0.0">
                <skipped type="org.opentest4j.TestAbortedException"><![CDATA[org.opentest4j.TestAbortedException: Assumption failed: live capture needs root and libpcap
            	at dev.wirelab.X.captures(X.java:8)
            ]]></skipped>
              </testcase>""";
    private static final String DISABLED = """
              <testcase name="later" classname="CLASS" time="0.0">
                <skipped message="docs check needs root and unshare"/>
              </testcase>""";
    private static final String FAILED = """
              <testcase name="echoes" classname="CLASS" time="0.005">
                <failure message="reply &quot;Test1&quot;&#10;was &lt;empty&gt; &amp; late" type="org.opentest4j.AssertionFailedError"><![CDATA[org.opentest4j.AssertionFailedError:
            reply "Test1"
            	at dev.wirelab.X.echoes(X.java:6)
            ]]></failure>
                <system-out><![CDATA[some output
            ]]></system-out>
              </testcase>""";
    private static final String ERRORED = """
              <testcase name="starts" classname="CLASS" time="0.04">
                <error type="java.lang.IllegalStateException"><![CDATA[java.lang.IllegalStateException: boom
            	at dev.wirelab.X.starts(X.java:7)
            ]]></error>
              </testcase>""";

    private Run lab(String... args) throws IOException, InterruptedException {
        return lab(Map.of(), List.of(), args);
    }

    private Run lab(Map<String, String> env, List<String> prefix, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(prefix);
        command.add("sh");
        command.add(project.resolve("lab").toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(project.toFile());
        pb.environment().remove("SUDO_USER");
        pb.environment().remove("MAVEN_OPTS");
        pb.environment().put("JAVA_HOME", jdk.toString());
        pb.environment().putAll(env);
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        if (!p.waitFor(45, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("./lab " + String.join(" ", args) + " did not finish within 45 s");
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private String mvnwCalls() throws IOException {
        Path calls = project.resolve("mvnw.calls");
        return Files.exists(calls) ? Files.readString(calls) : "";
    }

    @Test
    void aFailingRunShowsProgressTheFailuresWithTheirOutputTheSummaryAndExitsOne() throws Exception {
        // A report from an earlier run, of a module this run does not test: it must not count.
        Path stale = report(project.resolve("bench/target/surefire-reports"), "dev.wirelab.bench.OldTest", FAILED);
        Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minusSeconds(3600)));
        mvnw("""
                cd "$(dirname "$0")"
                echo '[INFO] Building wirelab common 1.0.0-SNAPSHOT                             [1/2]'
                echo '[INFO] --- compiler:3.14.0:compile (default-compile) @ common ---'
                mkdir -p common/target/surefire-reports
                cp ../reports/* common/target/surefire-reports/
                echo some output > common/target/surefire-reports/dev.wirelab.common.ATest-output.txt
                echo a stack trace > common/target/surefire-reports/dev.wirelab.common.ATest.txt
                echo '[ERROR] dev.wirelab.common.ATest.echoes -- Time elapsed: 0.005 s <<< FAILURE!'
                echo '[ERROR] Tests run: 5, Failures: 1, Errors: 1, Skipped: 2'
                echo '[INFO] Building wirelab docs check 1.0.0-SNAPSHOT                         [2/2]'
                echo 'docs check: 1/1 docs/part1-inspection.md:40 passed (2.6 s)'
                echo '[INFO] wirelab benchmarks ................................. SKIPPED'
                echo '[ERROR] Failed to execute goal surefire: There are test failures.'
                exit 1
                """);
        report(thisRunsReports(), "dev.wirelab.common.ATest", PASSED, SKIPPED_BY_ASSUMPTION, DISABLED, FAILED, ERRORED);

        Run run = lab("test");

        assertEquals(1, run.exit(), run.out() + run.err());
        String out = run.out();
        assertTrue(out.contains("[1/2] wirelab common\n"), out);
        assertTrue(out.contains("      FAILED dev.wirelab.common.ATest.echoes\n"), out);
        assertTrue(out.contains("      1 passed, 2 failed, 2 skipped\n"), out);
        assertTrue(out.contains("[2/2] wirelab docs check\n      docs check: 1/1 docs/part1-inspection.md:40 passed (2.6 s)\n"), out);
        assertFalse(out.contains("compiler:3.14.0"), "Maven's own lines stay in the log:\n" + out);
        assertTrue(out.contains("not run, because a module they need failed: wirelab benchmarks\n"), out);
        assertTrue(out.contains("""
                FAILED dev.wirelab.common.ATest.echoes
                       reply "Test1" was <empty> & late
                       stack trace: common/target/surefire-reports/dev.wirelab.common.ATest.txt
                       its output:  common/target/surefire-reports/dev.wirelab.common.ATest-output.txt
                """), out);
        assertTrue(out.contains("FAILED dev.wirelab.common.ATest.starts\n       boom\n"), out);
        assertTrue(out.contains("""
                1 passed, 2 failed, 2 skipped
                  1 skipped in ATest: live capture needs root and libpcap
                  1 skipped in ATest: docs check needs root and unshare
                """), out);
        assertFalse(out.contains("OldTest"), out);
        assertTrue(out.contains("lab: FAILED; Maven's full output: target/lab-test.log"), out);
        assertTrue(Files.readString(project.resolve("target/lab-test.log")).contains("compiler:3.14.0"));
        assertTrue(mvnwCalls().contains("-fae -Dmaven.test.redirectTestOutputToFile=true verify"), mvnwCalls());
    }

    @Test
    void aPassingRunEndsWithTheSummaryAndTheSkipReasonsAndExitsZero() throws Exception {
        mvnw("""
                cd "$(dirname "$0")"
                echo '[INFO] Building wirelab part 2: fault tolerance 1.0.0-SNAPSHOT'
                echo '[INFO] Building jar: /p/part2-fault-tolerance/target/part2-fault-tolerance-1.0.0-SNAPSHOT.jar'
                mkdir -p part2-fault-tolerance/target/surefire-reports
                cp ../reports/* part2-fault-tolerance/target/surefire-reports/
                echo '[WARNING] Tests run: 4, Failures: 0, Errors: 0, Skipped: 1'
                exit 0
                """);
        report(thisRunsReports(), "dev.wirelab.part2.BTest", PASSED, PASSED.replace("works", "also"), PASSED.replace("works", "too"), DISABLED);

        Run run = lab("test");

        assertEquals(0, run.exit(), run.out() + run.err());
        // One module alone (./lab test -- -pl ...): Maven numbers nothing, the progress still names it.
        assertTrue(run.out().contains("\n[1/1] wirelab part 2: fault tolerance\n      3 passed, 0 failed, 1 skipped\n"), run.out());
        assertFalse(run.out().contains("Building jar"), run.out());
        assertTrue(run.out().endsWith("3 passed, 0 failed, 1 skipped\n  1 skipped in BTest: docs check needs root and unshare\n"), run.out());
    }

    @Test
    void aBuildThatFailsBeforeAnyTestShowsMavensErrorsAndExitsOne() throws Exception {
        mvnw("""
                echo '[INFO] Building wirelab part 2: fault tolerance 1.0.0-SNAPSHOT          [3/7]'
                echo '[ERROR] COMPILATION ERROR : '
                echo '[ERROR] /src/Echo.java:[12,5] cannot find symbol'
                echo '[ERROR] -> [Help 1]'
                exit 1
                """);

        Run run = lab("test");

        assertEquals(1, run.exit(), run.out() + run.err());
        assertTrue(run.out().contains("[3/7] wirelab part 2: fault tolerance\n      compilation failed"), run.out());
        assertTrue(run.out().contains("0 passed, 0 failed, 0 skipped\n"), run.out());
        assertTrue(run.out().contains("[ERROR] /src/Echo.java:[12,5] cannot find symbol"), run.out());
        assertFalse(run.out().contains("Help 1"), run.out());
    }

    @Test
    void verboseShowsMavensOwnOutput() throws Exception {
        mvnw("echo '[INFO] --- compiler:3.14.0:compile (default-compile) @ common ---'\n");
        Run run = lab("test", "-v");
        assertEquals(0, run.exit(), run.out() + run.err());
        assertTrue(run.out().contains("[INFO] --- compiler:3.14.0:compile"), run.out());
        assertFalse(mvnwCalls().contains("redirectTestOutputToFile"), mvnwCalls());
    }

    @Test
    void testHelpIsTheLaunchersOwnAndAnUnknownOptionIsAUsageError() throws Exception {
        mvnw("exit 0\n");
        Run help = lab("test", "--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().startsWith("Usage: ./lab test [-v]"), help.out());
        assertTrue(help.out().contains("N passed, N failed, N skipped"), help.out());
        Run bad = lab("test", "--bogus");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("unknown option '--bogus' for ./lab test (see: ./lab test --help)"), bad.err());
        assertEquals("", mvnwCalls(), "Maven must not run for --help or a usage error");
    }

    @Test
    void aJavaThatCannotLoadLibjliBecauseOfSetcapIsNamedWithTheFixNotSkippedSilently() throws Exception {
        // What a java with file capabilities prints for a normal user until the ldconfig step.
        jdk = fakeJdk("capped", """
                echo "$JDK/bin/java: error while loading shared libraries: libjli.so: cannot open shared object file: No such file or directory" >&2
                exit 127
                """);
        Run home = lab("java-home");
        assertEquals(0, home.exit(), home.err());
        assertEquals(jdk + "\n", home.out(), "the recipe's next step asks ./lab java-home for this JDK's lib folder");
        assertSetcapExplained(home.err(), jdk);

        Run part = lab("part1", "--help");
        assertEquals(1, part.exit());
        assertSetcapExplained(part.err(), jdk);
    }

    private static void assertSetcapExplained(String err, Path jdk) {
        assertTrue(err.contains(jdk + "/bin/java cannot start for "), err);
        assertTrue(err.contains("libjli.so: cannot open shared object file"), err);
        assertTrue(err.contains("echo " + jdk + "/lib | sudo tee /etc/ld.so.conf.d/wirelab-java.conf && sudo ldconfig"), err);
        assertTrue(err.contains("sudo setcap -r " + jdk + "/bin/java"), err);
    }

    @Test
    void theRealSetcapTrapIsDetectedForAUserWithoutRoot() throws Exception {
        Path real = Path.of(System.getProperty("java.home"));
        assumeTrue(DocsCommandsTest.isRoot() && DocsCommandsTest.onPath("setcap") && DocsCommandsTest.onPath("runuser"),
                "needs root, setcap and runuser to give a copy of java capabilities and run it as nobody");
        Path home = Files.createDirectories(tmp.resolve("capped-real").resolve("bin"));
        Files.copy(real.resolve("bin/java"), home.resolve("java"));
        Files.createSymbolicLink(home.resolve("javac"), real.resolve("bin/javac"));
        for (String shared : List.of("lib", "conf")) {
            Files.createSymbolicLink(home.resolveSibling(shared), real.resolve(shared));
        }
        Files.copy(real.resolve("release"), home.resolveSibling("release"));
        Files.setPosixFilePermissions(home.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(project, PosixFilePermissions.fromString("rwxr-xr-x"));
        Process setcap = new ProcessBuilder("setcap", "cap_net_raw,cap_net_admin=eip", home.resolve("java").toString())
                .redirectErrorStream(true).start();
        String why = new String(setcap.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(setcap.waitFor() == 0, "this file system takes no file capabilities: " + why);
        jdk = home.getParent();

        Run run = lab(Map.of(), List.of("runuser", "-u", "nobody", "--"), "java-home");

        assertEquals(jdk + "\n", run.out(), run.err());
        assertSetcapExplained(run.err(), jdk);
        assertTrue(run.err().contains("cap_net_admin,cap_net_raw=eip"), run.err());
    }

    @Test
    void underSudoTheBuildRunsAsTheUserAndGivesBackWhatAnEarlierRootBuildLeft() throws Exception {
        assumeTrue(DocsCommandsTest.isRoot() && (DocsCommandsTest.onPath("sudo") || DocsCommandsTest.onPath("runuser")),
                "needs root and sudo or runuser to act as sudo does for the user nobody");
        mvnw("""
                cd "$(dirname "$0")"
                echo "built by uid $(id -u) with HOME=$HOME" > built-by
                for m in part1-inspection part2-fault-tolerance part3-resilient-client grader bench; do
                  mkdir -p $m/target && : > $m/target/$m.jar
                done
                """);
        // What a build as root left behind, before ./lab built as the user.
        Path leftover = Files.createDirectories(project.resolve("part2-fault-tolerance/target/classes"));
        Files.writeString(leftover.resolve("Old.class"), "");
        chown("nobody", project.resolve("lab"), project.resolve("mvnw"), project.resolve("pom.xml"), project);

        Run run = lab(Map.of("SUDO_USER", "nobody"), List.of(), "part2", "echo-server", "--help");

        assertEquals(0, run.exit(), run.out() + run.err());
        String home = new String(new ProcessBuilder("sh", "-c", "echo ~nobody").start().getInputStream().readAllBytes(),
                StandardCharsets.UTF_8).strip();
        assertEquals("built by uid 65534 with HOME=" + home + "\n", Files.readString(project.resolve("built-by")));
        assertTrue(run.err().contains("giving back to nobody what an earlier build as root left in: " + project
                + "/part2-fault-tolerance/target"), run.err());
        assertEquals("nobody", Files.getOwner(leftover.resolve("Old.class")).getName());
        assertEquals("nobody", Files.getOwner(project.resolve("part2-fault-tolerance/target/part2-fault-tolerance.jar")).getName());
        // The part itself runs as root (for capture) with the user's home, for their ~/.wirelab/tls.
        assertTrue(run.out().startsWith("java ran as uid 0 with: -Duser.home=" + home + " -jar "), run.out());
    }

    /** A mvnw that builds every jar, slowly enough for a second ./lab to arrive meanwhile. */
    private void slowBuildingMvnw() throws IOException {
        mvnw("""
                cd "$(dirname "$0")"
                sleep 2
                for m in part1-inspection part2-fault-tolerance part3-resilient-client grader bench; do
                  mkdir -p $m/target && : > $m/target/$m.jar
                done
                """);
    }

    @Test
    void aSecondLabWaitsForTheBuildAlreadyRunningInsteadOfBuildingIntoItsFolders() throws Exception {
        slowBuildingMvnw();
        Files.createDirectories(project.resolve("part2-fault-tolerance/src"));
        Files.writeString(project.resolve("part2-fault-tolerance/src/Echo.java"), "");
        ProcessBuilder first = new ProcessBuilder("sh", project.resolve("lab").toString(), "build").directory(project.toFile())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("first.txt").toFile());
        first.environment().remove("SUDO_USER");
        first.environment().put("JAVA_HOME", jdk.toString());
        Process building = first.start();
        try {
            Path pid = project.resolve("target/lab-build.lock/pid");
            for (int i = 0; i < 100 && !Files.exists(pid); i++) {
                Thread.sleep(50); // polling a file another process makes: bounded, 5 s at most
            }
            assertTrue(Files.exists(pid), "the first ./lab took no build lock");

            Run second = lab("part2", "--help");

            assertEquals(0, second.exit(), second.out() + second.err());
            assertTrue(second.err().contains("lab: another ./lab (pid " + building.pid() + ") is building or testing wirelab; waiting"),
                    second.err());
            assertTrue(second.out().startsWith("java ran as uid "), second.out());
            assertTrue(building.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, building.exitValue(), Files.readString(tmp.resolve("first.txt")));
            assertEquals(1, mvnwCalls().lines().count(), "one build, not two:\n" + mvnwCalls());
            assertFalse(Files.exists(project.resolve("target/lab-build.lock")), "the lock is left behind");
        } finally {
            building.destroyForcibly();
        }
    }

    @Test
    void theFirstBuildSaysItDownloadsALaterOneNamesTheFileThatChangedAndFreshJarsBuildNothing() throws Exception {
        mvnw("""
                cd "$(dirname "$0")"
                for m in part1-inspection part2-fault-tolerance part3-resilient-client grader bench; do
                  mkdir -p $m/target && : > $m/target/$m.jar
                done
                """);
        Path source = Files.createDirectories(project.resolve("part2-fault-tolerance/src")).resolve("Echo.java");
        Files.writeString(source, "");

        Run first = lab("part2", "--help");
        assertTrue(first.err().contains("(the first build downloads dependencies and takes a few minutes)"), first.err());

        Run fresh = lab("part2", "--help");
        assertFalse(fresh.err().contains("building"), fresh.err());

        // A source newer than the jars, as an edit makes it (the clock's resolution may be coarse).
        Files.setLastModifiedTime(source, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        Run edited = lab("part2", "--help");
        assertEquals(0, edited.exit(), edited.out() + edited.err());
        assertTrue(edited.err().contains("lab: rebuilding wirelab with " + jdk
                + " (part2-fault-tolerance/src/Echo.java changed since the last build; about a minute)..."), edited.err());
        assertFalse(edited.err().contains("first build"), edited.err());
        assertEquals(2, mvnwCalls().lines().count(), mvnwCalls());
    }

    @Test
    void aLockLeftByAKilledLabIsTakenOver() throws Exception {
        slowBuildingMvnw();
        Path lock = Files.createDirectories(project.resolve("target/lab-build.lock"));
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Files.writeString(lock.resolve("pid"), gone.pid() + "\n");

        Run run = lab("build");

        assertEquals(0, run.exit(), run.out() + run.err());
        assertFalse(run.err().contains("waiting"), run.err());
        assertEquals(1, mvnwCalls().lines().count(), mvnwCalls());
        assertFalse(Files.exists(lock));
    }

    private static void chown(String user, Path... paths) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("chown", user));
        for (Path p : paths) {
            command.add(p.toString());
        }
        assertEquals(0, new ProcessBuilder(command).inheritIO().start().waitFor());
    }
}
