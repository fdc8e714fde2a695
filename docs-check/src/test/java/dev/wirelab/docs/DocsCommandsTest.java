package dev.wirelab.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;

/**
 * The docs cannot rot: every {@code ```console} block in docs/ is run as written, and its output
 * must still match what the page shows (see {@link OutputMatcher} for what may differ).
 */
class DocsCommandsTest {

    static Path projectRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !(Files.isRegularFile(p.resolve("lab")) && Files.isDirectory(p.resolve("docs")))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("project root (with ./lab and docs/) not found above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    static List<ConsoleBlock> allBlocks() throws IOException {
        List<ConsoleBlock> blocks = new ArrayList<>();
        try (Stream<Path> pages = Files.list(projectRoot().resolve("docs"))) {
            // -Ddocs.page=grading.md checks one page while it is being refreshed; CI checks all.
            String only = System.getProperty("docs.page", "");
            for (Path page : pages.filter(p -> p.toString().endsWith(".md"))
                    .filter(p -> only.isEmpty() || p.getFileName().toString().equals(only)).sorted().toList()) {
                blocks.addAll(ConsoleBlock.parse("docs/" + page.getFileName(), Files.readString(page)));
            }
        }
        return blocks;
    }

    @Test
    void theDocsShowCommandsToCheck() throws IOException {
        assertFalse(allBlocks().isEmpty(), "no ```console block found in docs/");
    }

    @TestFactory
    @Timeout(900)
    Stream<DynamicTest> everyConsoleBlockInTheDocsRunsAndPrintsWhatThePageShows() throws IOException {
        List<ConsoleBlock> blocks = allBlocks();
        AtomicInteger done = new AtomicInteger();
        return blocks.stream().map(block -> DynamicTest.dynamicTest(block.page() + ":" + block.line(), () -> {
            assumeTrue(isRoot() && onPath("unshare") && onPath("nsenter"),
                    "the docs check runs the pages' commands in a private network namespace (ports as written,"
                            + " e.g. 8080), which needs root and util-linux's unshare/nsenter; CI has both");
            long started = System.nanoTime();
            String outcome = "FAILED";
            try {
                try {
                    run(block);
                } catch (AssertionError first) {
                    // Rot is deterministic and fails again; a timing fluke on a loaded machine (an
                    // extra TCP ACK in a live capture) does not. One fresh retry, and say so.
                    System.out.println("docs check: " + block.page() + ":" + block.line()
                            + " failed once, retrying in a fresh namespace: " + String.valueOf(first.getMessage()).lines().findFirst().orElse(""));
                    run(block);
                }
                outcome = "passed";
            } finally {
                // One line per block as it ends (./lab test shows these), so a long check is
                // never a minute of silence.
                System.out.printf(Locale.ROOT, "docs check: %d/%d %s:%d %s (%.1f s)%n", done.incrementAndGet(), blocks.size(),
                        block.page(), block.line(), outcome, (System.nanoTime() - started) / 1e9);
                System.out.flush();
            }
        }));
    }

    private static void run(ConsoleBlock block) throws Exception {
        // What the block really printed, step by step, kept for whoever refreshes the page: the
        // docs show output the project produced, so they are updated from here, never by hand.
        StringBuilder transcript = new StringBuilder();
        try (BlockRunner runner = new BlockRunner(projectRoot())) {
            for (ConsoleBlock.Step step : block.steps()) {
                if (step.background()) {
                    runner.start(step);
                    continue;
                }
                String out = runner.run(step);
                transcript.append("$ ").append(step.command()).append('\n').append(out);
                keep(block, transcript);
                String problem = OutputMatcher.mismatch(step.expected(), out);
                assertEquals(null, problem, () -> block.page() + ":" + block.line() + ": '$ " + step.command() + "' " + problem);
            }
            List<String> outs = runner.stopBackground();
            for (int i = 0; i < outs.size(); i++) {
                ConsoleBlock.Step step = runner.background().get(i).step();
                transcript.append("$ ").append(step.command()).append(" &   (its output once stopped)\n").append(outs.get(i));
                keep(block, transcript);
                String problem = OutputMatcher.mismatch(step.expected(), outs.get(i));
                assertEquals(null, problem, block.page() + ":" + block.line() + ": background '$ " + step.command() + " &' " + problem);
            }
        }
    }

    /** Writes the transcript to {@code target/docs-output/PAGE-LINE.txt}, replacing an older one. */
    private static void keep(ConsoleBlock block, CharSequence transcript) throws IOException {
        Path dir = Path.of("target", "docs-output");
        Files.createDirectories(dir);
        String name = Path.of(block.page()).getFileName() + "-" + block.line() + ".txt";
        Files.writeString(dir.resolve(name), transcript);
    }

    static boolean isRoot() {
        try {
            Process p = new ProcessBuilder("id", "-u").start();
            return new String(p.getInputStream().readAllBytes()).strip().equals("0");
        } catch (IOException e) {
            return false;
        }
    }

    static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
