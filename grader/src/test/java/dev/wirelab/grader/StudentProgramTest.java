package dev.wirelab.grader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class StudentProgramTest {

    @TempDir
    Path dir;

    @Test
    void aHungProgramIsKilledWithEverythingItStartedAtItsLimit() throws Exception {
        // The shell starts a child that would outlive it; the group kill takes both.
        try (StudentProgram p = StudentProgram.start("sleep 300 & echo child $!; wait", dir)) {
            // The kill must find the child started: on a loaded machine the shell can take longer
            // than the limit to get there, so wait for its line (no event to wait on: polled, bounded).
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (p.stdout().lines().isEmpty() && System.nanoTime() - until < 0) {
                Thread.sleep(10);
            }
            assertEquals(1, p.stdout().lines().size(), "the shell never started its child");
            StudentProgram.Ended e = p.await(Duration.ofMillis(700));
            assertTrue(e.timedOut());
            assertEquals(-1, e.exitCode());
            long child = Long.parseLong(e.stdout().lines().get(0).replace("child ", ""));
            Optional<ProcessHandle> h = ProcessHandle.of(child);
            if (h.isPresent()) {
                // onExit completes once the child is gone; it must be gone at once, not in 300 s.
                h.get().onExit().get(5, TimeUnit.SECONDS);
            }
            assertTrue(e.describe(Duration.ofSeconds(10)).contains("10 s time limit and was killed"));
        }
    }

    @Test
    void aProgramThatExitedLongAgoIsReportedWithItsOwnExitCodeAndTime() throws Exception {
        try (StudentProgram p = StudentProgram.start("exit 3", dir)) {
            ProcessHandle.of(p.pid()).ifPresent(h -> h.onExit().join());
            Thread.sleep(300); // a gap between its exit and the question, which the exit time must not include
            long asked = System.nanoTime();
            // Asked after its limit has passed: it exited within it, so it was not killed.
            StudentProgram.Ended e = p.await(Duration.ZERO);
            assertEquals(3, e.exitCode());
            assertTrue(!e.timedOut());
            assertTrue(e.describe(Duration.ofSeconds(1)).equals("exited with code 3"), e.describe(Duration.ofSeconds(1)));
            assertTrue(e.endedAt() < asked, "the exit was dated when it was asked about, not when it happened");
        }
    }

    @Test
    void itsStdinGetsOneMessagePerLineThenEnds() throws Exception {
        try (StudentProgram p = StudentProgram.start("cat", dir)) {
            p.feedLines(List.of("one".getBytes(), "two".getBytes()));
            StudentProgram.Ended e = p.await(Duration.ofSeconds(10));
            assertEquals(0, e.exitCode());
            assertEquals(List.of("one", "two"), e.stdout().lines());
        }
    }

    @Test
    void endlessOutputIsKeptAsItsHeadAndTailOnly() throws Exception {
        try (StudentProgram p = StudentProgram.start("echo first; head -c 3000000 /dev/zero | tr '\\0' x; echo; echo last", dir)) {
            StudentProgram.Ended e = p.await(Duration.ofSeconds(20));
            List<String> lines = e.stdout().lines();
            assertEquals("first", lines.get(0));
            assertEquals("last", lines.get(lines.size() - 1));
            assertTrue(lines.stream().anyMatch(l -> l.contains("bytes left out")), lines.toString());
            assertTrue(e.stdout().totalBytes() > 3_000_000);
        }
    }
}
