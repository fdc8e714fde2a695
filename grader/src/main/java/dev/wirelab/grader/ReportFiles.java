package dev.wirelab.grader;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wirelab.common.UserError;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * The report files: {@code --json} (everything), {@code --gradescope} (Gradescope's
 * {@code results.json}) and {@code --junit} (JUnit XML, which CI systems show as test results).
 */
public final class ReportFiles {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ReportFiles() {
    }

    /** Every result with all that was kept. */
    public static ObjectNode json(Run run) {
        ObjectNode root = JSON.createObjectNode();
        root.put("grader", "wirelab");
        root.put("part", run.part());
        root.put("command", run.command());
        root.put("seed", run.seed());
        root.put("time_scale", run.timeScale());
        root.put("passed", run.passed());
        root.put("total", run.results().size());
        root.put("score", run.score());
        root.put("max_score", run.maxScore());
        root.put("elapsed_ms", run.elapsed().toMillis());
        ArrayNode scenarios = root.putArray("scenarios");
        for (Result r : run.results()) {
            ObjectNode s = scenarios.addObject();
            s.put("name", r.name());
            s.put("description", r.description());
            s.put("passed", r.passed());
            s.put("points", r.points());
            s.put("elapsed_ms", r.elapsed().toMillis());
            s.put("limit_ms", r.limit().toMillis());
            if (r.problem() == null) {
                s.putNull("problem");
            } else {
                s.put("problem", r.problem());
            }
            strings(s.putArray("ladder"), r.ladder());
            strings(s.putArray("notes"), r.notes());
            if (r.program() == null) {
                s.putNull("program");
            } else {
                ObjectNode p = s.putObject("program");
                p.put("command", r.program().command());
                if (r.program().exitCode() == null) {
                    p.putNull("exit_code");
                } else {
                    p.put("exit_code", r.program().exitCode());
                }
                p.put("timed_out", r.program().timedOut());
                strings(p.putArray("stdout"), r.program().stdout());
                strings(p.putArray("stderr"), r.program().stderr());
            }
        }
        return root;
    }

    /**
     * Gradescope's autograder results: a total {@code score} and one test per scenario with its
     * {@code name}, {@code score}, {@code max_score}, {@code status} and {@code output}.
     */
    public static ObjectNode gradescope(Run run) {
        ObjectNode root = JSON.createObjectNode();
        root.put("score", run.score());
        root.put("execution_time", Math.round(run.elapsed().toMillis() / 1000.0)); // wall time, as Gradescope means it
        root.put("output", run.tally() + " (wirelab grade " + run.part()
                + ", seed " + run.seed() + ")");
        root.put("visibility", "visible");
        root.put("stdout_visibility", "visible");
        ArrayNode tests = root.putArray("tests");
        for (Result r : run.results()) {
            ObjectNode t = tests.addObject();
            t.put("name", r.name());
            t.put("score", r.score());
            t.put("max_score", r.points());
            t.put("status", r.passed() ? "passed" : "failed");
            t.put("output", explain(r));
            t.put("visibility", "visible");
        }
        return root;
    }

    /** The failure as plain text: what the terminal report shows under FAIL. */
    static String explain(Result r) {
        StringBuilder b = new StringBuilder(r.description());
        b.append('\n');
        if (r.passed()) {
            b.append("PASS in ").append(Durations.elapsed(r.elapsed())).append(" (limit ").append(Durations.limit(r.limit())).append(")\n");
        } else {
            b.append("FAIL: ").append(r.problem()).append('\n');
            if (!r.ladder().isEmpty()) {
                b.append("last events before it:\n");
                r.ladder().forEach(l -> b.append(l).append('\n'));
            }
            if (r.program() != null && !r.program().stderr().isEmpty()) {
                List<String> err = r.program().stderr();
                b.append("your program's stderr:\n");
                err.subList(Math.max(0, err.size() - 20), err.size()).forEach(l -> b.append("| ").append(l).append('\n'));
            }
        }
        r.notes().forEach(n -> b.append("note: ").append(n).append('\n'));
        return b.toString();
    }

    public static void writeJson(Path file, ObjectNode node) {
        try {
            createParent(file);
            JSON.writeValue(file.toFile(), node);
        } catch (IOException e) {
            throw new UserError("cannot write " + file + ": " + e.getMessage());
        }
    }

    /** One {@code <testsuite>}, a {@code <testcase>} per scenario, {@code <failure>} for each that failed. */
    public static void writeJunit(Path file, Run run) {
        try {
            createParent(file);
            try (OutputStream os = Files.newOutputStream(file)) {
                XMLStreamWriter x = XMLOutputFactory.newFactory().createXMLStreamWriter(os, "UTF-8");
                x.writeStartDocument("UTF-8", "1.0");
                x.writeCharacters("\n");
                x.writeStartElement("testsuite");
                x.writeAttribute("name", "wirelab grade " + run.part());
                x.writeAttribute("tests", Integer.toString(run.results().size()));
                x.writeAttribute("failures", Integer.toString(run.results().size() - run.passed()));
                x.writeAttribute("errors", "0");
                x.writeAttribute("skipped", "0");
                x.writeAttribute("time", seconds(run.results().stream().mapToLong(r -> r.elapsed().toMillis()).sum()));
                x.writeCharacters("\n");
                x.writeStartElement("properties");
                property(x, "command", run.command());
                property(x, "seed", Long.toString(run.seed()));
                x.writeEndElement();
                x.writeCharacters("\n");
                for (Result r : run.results()) {
                    x.writeStartElement("testcase");
                    x.writeAttribute("classname", "wirelab." + run.part());
                    x.writeAttribute("name", r.name());
                    x.writeAttribute("time", seconds(r.elapsed().toMillis()));
                    if (!r.passed()) {
                        x.writeStartElement("failure");
                        x.writeAttribute("message", xml(r.problem()));
                        x.writeAttribute("type", "ScenarioFailed");
                        x.writeCharacters(xml(explain(r)));
                        x.writeEndElement();
                    }
                    if (r.program() != null && !r.program().stdout().isEmpty()) {
                        x.writeStartElement("system-out");
                        x.writeCharacters(xml(String.join("\n", r.program().stdout())));
                        x.writeEndElement();
                    }
                    if (r.program() != null && !r.program().stderr().isEmpty()) {
                        x.writeStartElement("system-err");
                        x.writeCharacters(xml(String.join("\n", r.program().stderr())));
                        x.writeEndElement();
                    }
                    x.writeEndElement();
                    x.writeCharacters("\n");
                }
                x.writeEndElement();
                x.writeCharacters("\n");
                x.writeEndDocument();
                x.close();
            }
        } catch (IOException | XMLStreamException e) {
            throw new UserError("cannot write " + file + ": " + e.getMessage());
        }
    }

    private static void property(XMLStreamWriter x, String name, String value) throws XMLStreamException {
        x.writeEmptyElement("property");
        x.writeAttribute("name", name);
        x.writeAttribute("value", xml(value));
    }

    /** XML 1.0 cannot carry most control characters, even escaped; they become U+FFFD. */
    static String xml(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> b.appendCodePoint(c < 0x20 && c != '\t' && c != '\n' && c != '\r'
                || c == 0xFFFE || c == 0xFFFF ? 0xFFFD : c));
        return b.toString();
    }

    private static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.3f", millis / 1000.0);
    }

    private static void strings(ArrayNode a, List<String> lines) {
        lines.forEach(a::add);
    }

    private static void createParent(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
    }
}
