package dev.wirelab.part2.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wirelab.common.UserError;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code part2 faults}: shows or changes the faults of a running echo server or proxy (its {@code --admin} API). */
@Command(name = "faults", mixinStandardHelpOptions = true,
        description = {"Shows or changes, live, the faults of an echo server or proxy started with --admin PORT.",
                "Without fault flags it prints the current settings; with some, it changes those for the next"
                        + " replies and prints the new settings. --stats prints the counters instead."})
final class FaultsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--admin", paramLabel = "HOST:PORT", required = true,
            description = "The server's admin API, e.g. localhost:9000.")
    String admin;

    @Option(names = "--stats", description = "Print the counters (GET /stats).")
    boolean stats;

    @Mixin
    FaultOptions faults;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> changes = new LinkedHashMap<>();
        for (OptionSpec o : spec.commandLine().getParseResult().matchedOptions()) {
            String key = o.longestName().substring(2);
            if (AdminServer.KEYS.contains(key)) {
                Object v = o.getValue();
                changes.put(key, v instanceof Enum<?> e ? e.name().toLowerCase(Locale.ROOT) : v);
            } else if (o.longestName().equals("--seed") || o.longestName().startsWith("--script")) {
                throw new ParameterException(spec.commandLine(), o.longestName() + " cannot be changed while running: restart the server with it");
            }
        }
        if (stats && !changes.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--stats only reads: give it no fault flags");
        }
        String base = "http://" + hostPort() + (stats ? "/stats" : "/faults");
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base)).timeout(Duration.ofSeconds(10));
        if (!changes.isEmpty()) {
            req.PUT(HttpRequest.BodyPublishers.ofString(new ObjectMapper().writeValueAsString(changes)))
                    .header("Content-Type", "application/json");
        }
        HttpResponse<String> r;
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            r = client.send(req.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new UserError("nothing answers on " + admin + ": is the server running with --admin " + port() + "?");
        } catch (IOException e) {
            String why = String.valueOf(e.getMessage());
            if (why.startsWith("Invalid status line")) {
                // Something answered, but not in HTTP: most often the echo port, given by mistake.
                String said = why.replaceFirst("^Invalid status line: ?", "").replaceAll("^\"|\"$", "");
                throw new UserError("what answers on " + admin + " is not the admin API: it answered \""
                        + dev.wirelab.common.Bytes.escape(said.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                        + "\" to an HTTP request (the echo port?); give --admin the port the server printed after 'admin API on'");
            }
            throw new UserError("the admin API on " + admin + " failed: " + why);
        }
        if (r.statusCode() == 400) {
            throw new UserError(r.body().strip().replaceFirst("^error: ", ""), CommandLine.ExitCode.USAGE);
        }
        if (r.statusCode() != 200) {
            throw new UserError("the admin API answered " + r.statusCode() + ": " + r.body().strip());
        }
        spec.commandLine().getOut().print(r.body());
        spec.commandLine().getOut().flush();
        return CommandLine.ExitCode.OK;
    }

    private String hostPort() {
        int colon = admin.lastIndexOf(':');
        if (colon <= 0 || colon == admin.length() - 1 || port() < 1) {
            throw new ParameterException(spec.commandLine(), "--admin must be HOST:PORT, e.g. localhost:9000, not '" + admin + "'");
        }
        return admin;
    }

    private int port() {
        try {
            int p = Integer.parseInt(admin.substring(admin.lastIndexOf(':') + 1));
            return p <= 65535 ? p : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
