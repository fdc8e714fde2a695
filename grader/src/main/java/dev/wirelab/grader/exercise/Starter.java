package dev.wirelab.grader.exercise;

import dev.wirelab.common.Cli;
import dev.wirelab.common.UserError;
import dev.wirelab.grader.CommandTemplate;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * A starter project for students: the program with its plumbing done and the reliability left as
 * numbered TODOs, and a README that ends with the command that grades it.
 */
public final class Starter {

    /** Which part's program: part 2 writes a server, part 3 a client. */
    public enum Part {
        PART2("part2", "--server", "{port} {delay} {loss} {corrupt}"),
        PART3("part3", "--client", "{host} {port}");

        private final String name;
        private final String option;
        private final String placeholders;

        Part(String name, String option, String placeholders) {
            this.name = name;
            this.option = option;
            this.placeholders = placeholders;
        }

        public String label() {
            return name;
        }
    }

    /** The language of the starter; each runs from its source file with nothing to install. */
    public enum Lang {
        PYTHON, JAVA;

        String file(Part part) {
            return switch (this) {
                case PYTHON -> part == Part.PART2 ? "echo.py" : "client.py";
                case JAVA -> part == Part.PART2 ? "EchoServer.java" : "Client.java";
            };
        }

        /** How to run {@code file}: Python 3, or Java's single-file source launcher (JDK 17+). */
        String runner() {
            return this == PYTHON ? "python3" : "java";
        }
    }

    /** What was written, and the command that grades it. */
    public record Written(List<Path> files, String gradeCommand) {
    }

    private Starter() {
    }

    /**
     * Writes the starter into {@code dir}, which must not exist or be empty.
     *
     * @param shown the folder as the user typed it, for the commands printed in the README
     */
    public static Written write(Part part, Lang lang, Path dir, String shown) {
        refuseNonEmpty(dir);
        String file = lang.file(part);
        String path = shown.endsWith("/") ? shown + file : shown + "/" + file;
        String run = lang.runner() + " " + CommandTemplate.quote(path);
        String grade = "./lab grade " + part.name + " " + part.option + " " + CommandTemplate.quote(run + " " + part.placeholders);
        String readme = resource(part, "README.md")
                .replace("{{FILE}}", file)
                .replace("{{RUN}}", run)
                .replace("{{GRADE}}", grade);
        List<Path> files = new ArrayList<>();
        try {
            Files.createDirectories(dir);
            files.add(Files.writeString(dir.resolve(file), resource(part, file)));
            files.add(Files.writeString(dir.resolve("README.md"), readme));
        } catch (IOException e) {
            throw new UserError("cannot write the starter into " + dir + ": " + e.getMessage());
        }
        return new Written(files, grade);
    }

    private static void refuseNonEmpty(Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new UserError(dir + " exists and is not a folder; give a new folder for the starter", Cli.USAGE);
        }
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                if (s.findAny().isPresent()) {
                    throw new UserError(dir + " is not empty; give a new folder, so that nothing of yours is overwritten", Cli.USAGE);
                }
            } catch (IOException e) {
                throw new UserError("cannot read " + dir + ": " + e.getMessage());
            }
        }
    }

    static String resource(Part part, String name) {
        String at = "/exercise/" + part.name + "/" + name;
        try (InputStream in = Starter.class.getResourceAsStream(at)) {
            if (in == null) {
                throw new IllegalStateException("the grader's jar lacks " + at);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code part2} or {@code part3}; else a usage error. */
    static Part part(String s) {
        for (Part p : Part.values()) {
            if (p.name.equals(s.toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new UserError("PART must be part2 (an echo server) or part3 (a client), got '" + s + "'", Cli.USAGE);
    }

    /** {@code python} or {@code java}; else a usage error. */
    static Lang lang(String s) {
        for (Lang l : Lang.values()) {
            if (l.name().equalsIgnoreCase(s)) {
                return l;
            }
        }
        throw new UserError("--lang must be python or java, got '" + s + "'", Cli.USAGE);
    }
}
