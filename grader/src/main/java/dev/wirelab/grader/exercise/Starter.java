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

    /**
     * What was written, the command that grades it, and the folder that command must be run
     * from as printed: null when it runs from any folder (the lab's path is absolute).
     */
    public record Written(List<Path> files, String gradeCommand, Path runFrom) {
    }

    private Starter() {
    }

    /**
     * Writes the starter into {@code dir}, which must not exist or be empty. The commands in the
     * README and the grade command name the program by its absolute path and the lab as the user
     * invoked it, so that they run as printed.
     *
     * @param dir the folder as the user typed it (relative to {@code cwd}), for the "wrote" lines
     * @param lab the lab's {@code lab} script as the user invoked it ({@code ./lab}, {@code ../wirelab/lab})
     * @param cwd the folder the user is in, absolute
     */
    public static Written write(Part part, Lang lang, Path dir, String lab, Path cwd) {
        Path target = cwd.resolve(dir).normalize();
        refuseNonEmpty(target);
        String file = lang.file(part);
        String run = lang.runner() + " " + CommandTemplate.quote(target.resolve(file).toString());
        String shownLab = CommandTemplate.quote(lab);
        String grade = shownLab + " grade " + part.name + " " + part.option + " "
                + CommandTemplate.quote(run + " " + part.placeholders);
        // A relative lab path (./lab) only works from where it was typed, so that folder is named.
        Path runFrom = Path.of(lab).isAbsolute() ? null : cwd;
        String where = runFrom == null ? "from any folder" : "from `" + runFrom + "`";
        String readme = resource(part, "README.md")
                .replace("{{FILE}}", file)
                .replace("{{RUN}}", run)
                .replace("{{LAB}}", shownLab)
                .replace("{{WHERE}}", where)
                .replace("{{GRADE}}", grade);
        List<Path> files = new ArrayList<>();
        try {
            Files.createDirectories(target);
            Files.writeString(target.resolve(file), resource(part, file));
            files.add(dir.resolve(file));
            Files.writeString(target.resolve("README.md"), readme);
            files.add(dir.resolve("README.md"));
        } catch (IOException e) {
            throw new UserError("cannot write the starter into " + dir + ": " + e.getMessage());
        }
        return new Written(files, grade, runFrom);
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
