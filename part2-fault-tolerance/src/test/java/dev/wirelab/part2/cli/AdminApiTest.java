package dev.wirelab.part2.cli;

import dev.wirelab.part2.EchoServer;
import dev.wirelab.part2.FaultConfig;
import dev.wirelab.part2.FaultProxy;
import dev.wirelab.part2.LossMode;
import dev.wirelab.part2.TestClient;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class AdminApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private record Reply(int status, String body) {
        JsonNode json() throws Exception {
            return JSON.readTree(body);
        }
    }

    private static Reply call(AdminServer a, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.address().getPort() + path));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try (HttpClient c = HttpClient.newHttpClient()) {
            HttpResponse<String> r = c.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.body());
        }
    }

    @Test
    void putFaultsChangesThemLiveForAConnectionAlreadyOpenAndStatsCountThem() throws Exception {
        try (EchoServer server = EchoServer.builder().start();
             AdminServer admin = AdminServer.start("127.0.0.1", 0, AdminServer.of(server), line -> { });
             TestClient c = new TestClient(server.address())) {
            c.sendLine("before");
            assertEquals("before\n", c.readLine());
            Reply get = call(admin, "GET", "/faults", null);
            assertEquals(200, get.status());
            List<String> keys = new java.util.ArrayList<>();
            get.json().fieldNames().forEachRemaining(keys::add);
            assertEquals(AdminServer.KEYS, keys);
            Reply put = call(admin, "PUT", "/faults", "{\"loss\": 1.0, \"delay\": 0.01, \"burst\": 3}");
            assertEquals(200, put.status(), put.body());
            assertEquals(1.0, put.json().get("loss").asDouble());
            assertEquals(3.0, server.faults().burst());
            c.sendLine("after");
            assertEquals("Packet Loss\n", c.readLine());
            JsonNode stats = call(admin, "GET", "/stats", null).json();
            assertEquals(1, stats.get("faults").get("error").asLong());
            assertEquals(1, stats.get("faults").get("delay").asLong());
            assertEquals(2, stats.get("messages").asLong());
        }
    }

    @Test
    void aBadBodyGetsA400WithAOneLineReasonAndChangesNothing() throws Exception {
        try (EchoServer server = EchoServer.builder().faults(FaultConfig.none().withLoss(0.1)).start();
             AdminServer admin = AdminServer.start("127.0.0.1", 0, AdminServer.of(server), line -> { })) {
            for (String[] bad : new String[][]{
                    {"{\"loss\": ", "error: not JSON"},
                    {"[1, 2]", "error: expected a JSON object"},
                    {"{\"los\": 0.5}", "error: unknown key 'los'; the keys are delay, jitter"},
                    {"{\"lo\\u001b[2J\\nss\": 0.5}", "error: unknown key 'lo\\x1b[2J\\nss'; the keys are delay, jitter"},
                    {"{\"loss\": 2}", "error: loss must be a probability between 0.0 and 1.0, got 2.0"},
                    {"{\"loss\": \"half\"}", "error: loss must be a number"},
                    {"{\"loss-mode\": \"sometimes\"}", "error: loss-mode: 'sometimes' is not one of replace, drop"},
                    {"{\"corrupt\": 0.5, \"rate\": 1.5}", "error: rate must be a whole number of bytes"}}) {
                Reply r = call(admin, "PUT", "/faults", bad[0]);
                assertEquals(400, r.status(), bad[0]);
                assertTrue(r.body().startsWith(bad[1]), bad[0] + " -> " + r.body());
                assertEquals(1, r.body().strip().lines().count(), r.body());
            }
            assertEquals(FaultConfig.none().withLoss(0.1), server.faults(), "nothing changed, not even corrupt");
            assertEquals(405, call(admin, "DELETE", "/faults", null).status());
            assertEquals(404, call(admin, "GET", "/nothing", null).status());
        }
    }

    @Test
    void everyKeyGetShowsPutAcceptsAndTheFaultsCommandHasAFlagFor() throws Exception {
        FaultConfig changed = FaultConfig.none().withDelay(java.time.Duration.ofMillis(5)).withJitter(java.time.Duration.ofMillis(2))
                .withDelayDist(FaultConfig.DelayDistribution.NORMAL).withLoss(0.25).withBurst(2).withLossMode(LossMode.DROP)
                .withCorrupt(0.1).withDuplicate(0.2).withReset(0.01).withReorder(0.3).withRate(10_000).withSlice(7)
                .withStall(0.05, java.time.Duration.ofMillis(20));
        String body = JSON.writeValueAsString(AdminServer.settings(changed));
        assertEquals(changed, AdminServer.apply(FaultConfig.none(), body), "every key shown is accepted back: " + body);
        picocli.CommandLine.Model.CommandSpec faults = new picocli.CommandLine(new FaultsCommand()).getCommandSpec();
        for (String key : AdminServer.KEYS) {
            assertTrue(faults.findOption("--" + key) != null, "./lab part2 faults --" + key);
        }
    }

    @Test
    void theProxysFaultsChangeLiveToo() throws Exception {
        List<String> log = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (EchoServer server = EchoServer.builder().start();
             FaultProxy proxy = FaultProxy.builder().upstream(server.address()).direction(FaultProxy.Direction.DOWN).log(log::add).start();
             AdminServer admin = AdminServer.start("127.0.0.1", 0, AdminServer.of(proxy), line -> { });
             TestClient c = new TestClient(proxy.address())) {
            c.sendLine("before");
            assertEquals("before\n", c.readLine());
            assertEquals(200, call(admin, "PUT", "/faults", "{\"loss\": 1.0}").status());
            c.sendLine("after");
            assertEquals("Packet Loss\n", c.readLine());
            // A delay set now applies to the connection already open, too.
            assertEquals(200, call(admin, "PUT", "/faults", "{\"loss\": 0, \"delay\": 0.05}").status());
            c.sendLine("later");
            assertEquals("later\n", c.readLine());
            JsonNode faults = call(admin, "GET", "/stats", null).json().get("faults");
            assertEquals(1, faults.get("error").asLong());
            assertEquals(1, faults.get("delay").asLong());
            assertTrue(log.stream().anyMatch(l -> l.contains(" down lines unit 3: delay, leaves 0.050 s after its request arrived")), log.toString());
        }
    }

    @Test
    void theFaultsCommandShowsAndChangesOnlyTheFlagsGiven() throws Exception {
        try (EchoServer server = EchoServer.builder().faults(FaultConfig.none().withCorrupt(0.2)).start();
             AdminServer admin = AdminServer.start("127.0.0.1", 0, AdminServer.of(server), line -> { })) {
            String at = "127.0.0.1:" + admin.address().getPort();
            CommandTest.Run show = CommandTest.run("faults", "--admin", at);
            assertEquals(0, show.exit(), show.err());
            assertEquals(0.2, JSON.readTree(show.out()).get("corrupt").asDouble());
            CommandTest.Run set = CommandTest.run("faults", "--admin", at, "--loss", "0.5", "--loss-mode", "drop", "--delay", "0.2");
            assertEquals(0, set.exit(), set.err());
            assertEquals(FaultConfig.none().withCorrupt(0.2).withLoss(0.5).withLossMode(LossMode.DROP)
                    .withDelay(java.time.Duration.ofMillis(200)), server.faults());
            CommandTest.Run bad = CommandTest.run("faults", "--admin", at, "--loss", "7");
            assertEquals(2, bad.exit());
            assertEquals("error: loss must be a probability between 0.0 and 1.0, got 7.0", bad.err().strip());
            CommandTest.Run stats = CommandTest.run("faults", "--admin", at, "--stats");
            assertEquals(0, JSON.readTree(stats.out()).get("connections").asLong());
            assertEquals(2, CommandTest.run("faults", "--admin", at, "--seed", "3").exit());
        }
        AdminServer gone;
        try (EchoServer s = EchoServer.builder().start();
             AdminServer a = AdminServer.start("127.0.0.1", 0, AdminServer.of(s), line -> { })) {
            gone = a;
        }
        CommandTest.Run dead = CommandTest.run("faults", "--admin", "127.0.0.1:" + gone.address().getPort());
        assertEquals(1, dead.exit());
        assertTrue(dead.err().startsWith("error: nothing answers on 127.0.0.1:"), dead.err());
    }

    @Test
    void theFaultsCommandPointedAtTheEchoPortSaysItIsNotTheAdminApi() throws Exception {
        try (EchoServer server = EchoServer.builder().faults(FaultConfig.none().withLoss(1.0)).start()) {
            String at = "127.0.0.1:" + server.address().getPort();
            CommandTest.Run wrong = CommandTest.run("faults", "--admin", at);
            assertEquals(1, wrong.exit());
            assertEquals("error: what answers on " + at + " is not the admin API: it answered \"Packet Loss\" to an HTTP request"
                    + " (the echo port?); give --admin the port the server printed after 'admin API on'", wrong.err().strip());
        }
    }
}
