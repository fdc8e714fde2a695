package dev.wirelab.grader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wirelab.common.UserError;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CommandTemplateTest {

    private static final Set<String> KNOWN = Set.of("host", "port");

    @Test
    void placeholdersAreReplacedAndTheShellsOwnVariablesAreLeftAlone() {
        CommandTemplate t = CommandTemplate.parse("--client", "python3 c.py {host} {port} ${HOME}", KNOWN, Set.of("port"));
        assertEquals("python3 c.py 127.0.0.1 4242 ${HOME}", t.expand(Map.of("host", "127.0.0.1", "port", "4242")));
    }

    @Test
    void aValueCanNeverBecomeShellSyntax() {
        CommandTemplate t = CommandTemplate.parse("--client", "run {host}", KNOWN, Set.of());
        assertEquals("run 'a b; rm -rf x'\\''s'", t.expand(Map.of("host", "a b; rm -rf x's")));
        assertEquals("''", CommandTemplate.quote(""));
    }

    @Test
    void aMissingRequiredPlaceholderSaysWhatToAdd() {
        UserError e = assertThrows(UserError.class, () -> CommandTemplate.parse("--client", "java Client", KNOWN, Set.of("host", "port")));
        assertTrue(e.getMessage().contains("must contain {host} and {port}"), e.getMessage());
        assertEquals(2, e.exitCode());
    }

    @Test
    void aFixedPortOrHostInTheCommandIsWhatTheSuggestionReplaces() {
        Set<String> part2 = Set.of("port", "delay", "loss", "corrupt");
        UserError server = assertThrows(UserError.class,
                () -> CommandTemplate.parse("--server", "python3 echo.py 8080 {delay} {loss} {corrupt}", part2, Set.of("port")));
        assertTrue(server.getMessage().endsWith("e.g. --server 'python3 echo.py {port} {delay} {loss} {corrupt}'"), server.getMessage());
        UserError client = assertThrows(UserError.class,
                () -> CommandTemplate.parse("--client", "java Client.java localhost:8080 --retries 3", KNOWN, Set.of("host", "port")));
        assertTrue(client.getMessage().endsWith("e.g. --client 'java Client.java {host}:{port} --retries 3'"), client.getMessage());
        UserError nothingFixed = assertThrows(UserError.class,
                () -> CommandTemplate.parse("--client", "./client --port=x", KNOWN, Set.of("port")));
        assertTrue(nothingFixed.getMessage().endsWith("e.g. --client './client --port=x {port}'"), nothingFixed.getMessage());
    }

    @Test
    void blankAndMultiLineCommandsAreRefused() {
        assertThrows(UserError.class, () -> CommandTemplate.parse("--client", "  ", KNOWN, Set.of()));
        assertThrows(UserError.class, () -> CommandTemplate.parse("--client", "a {port}\nb", KNOWN, Set.of()));
    }
}
