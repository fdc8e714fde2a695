package dev.wirelab.grader;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wirelab.common.Cli;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/** Runs {@code lab ...} in this JVM as a user would type it, and reads back what it wrote. */
final class GraderCli {

    /** What one run printed and returned, with its {@code --json} report when one was asked for. */
    record Outcome(int exitCode, String out, String err, JsonNode json) {
        /** The names of the scenarios that failed. */
        TreeSet<String> failed() {
            TreeSet<String> names = new TreeSet<>();
            json.get("scenarios").forEach(s -> {
                if (!s.get("passed").asBoolean()) {
                    names.add(s.get("name").asText());
                }
            });
            return names;
        }

        /** Each failed scenario's sentence. */
        Map<String, String> problems() {
            Map<String, String> p = new TreeMap<>();
            json.get("scenarios").forEach(s -> {
                if (!s.get("passed").asBoolean()) {
                    p.put(s.get("name").asText(), s.get("problem").asText());
                }
            });
            return p;
        }

        int scenarios() {
            return json.get("scenarios").size();
        }

        /** Everything, for an assertion's message. */
        String transcript() {
            return out + err;
        }
    }

    static final ObjectMapper JSON = new ObjectMapper();

    private GraderCli() {
    }

    /** Runs the command; with {@code json}, adds {@code --json FILE} and parses it. */
    static Outcome run(Path json, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of(args));
        if (json != null) {
            all.add("--json");
            all.add(json.toString());
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Cli.commandLine(new Lab());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(all.toArray(String[]::new));
        JsonNode node = json != null && Files.exists(json) ? JSON.readTree(json.toFile()) : null;
        return new Outcome(code, out.toString(), err.toString(), node);
    }

    /** A file of this module's test resources, as a path for a shell command. */
    static String resource(String name) {
        try {
            return Path.of(GraderCli.class.getResource("/" + name).toURI()).toString();
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("no test resource " + name, e);
        }
    }

    /** True when {@code python3} runs here; the tests that need it skip without it. */
    static boolean hasPython() {
        try {
            Process p = new ProcessBuilder("python3", "-c", "import sys; sys.exit(0 if sys.version_info >= (3, 8) else 1)")
                    .redirectErrorStream(true).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
