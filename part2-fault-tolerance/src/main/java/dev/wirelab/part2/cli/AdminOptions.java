package dev.wirelab.part2.cli;

import dev.wirelab.common.UserError;
import dev.wirelab.part2.server.Limits;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.util.function.Consumer;

/** {@code --admin PORT} and {@code --admin-host HOST}, shared by {@code echo-server} and {@code proxy}. */
final class AdminOptions {

    @Option(names = "--admin", paramLabel = "PORT",
            description = "Serve the live-control API on PORT: GET/PUT /faults, GET /stats (see the faults command).")
    Integer port;

    @Option(names = "--admin-host", paramLabel = "HOST", defaultValue = "127.0.0.1",
            description = "Address of the admin API; only this machine can reach the default (default: ${DEFAULT-VALUE}).")
    String host;

    boolean enabled() {
        return port != null;
    }

    /** The admin server, or null without {@code --admin}. */
    AdminServer start(AdminServer.Target target, Consumer<String> log) {
        if (port == null) {
            return null;
        }
        if (!Limits.isListenPort(port)) {
            throw new UserError("--admin must be a port 0..65535, got " + port, picocli.CommandLine.ExitCode.USAGE);
        }
        try {
            return AdminServer.start(host, port, target, log);
        } catch (IOException e) {
            throw new UserError("cannot serve the admin API on " + host + ":" + port + " (" + e.getMessage()
                    + "): pick another --admin port");
        }
    }

    /** {@code , admin on 127.0.0.1:9000} for the banner; empty without one. */
    static String describe(AdminServer a) {
        return a == null ? "" : ", admin API on " + a.address().getAddress().getHostAddress() + ":" + a.address().getPort();
    }
}
