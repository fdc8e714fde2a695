package dev.wirelab.part1.capture;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Set;

/** The capture files tests read: the generated fixtures, and the real captures part 1 ships. */
public final class Fixtures {

    /** Real captures made by the demo; the demo itself shows them where it cannot capture. */
    public static final Set<String> BUNDLED = Set.of("plain-loopback.pcap", "tls13-loopback.pcap");

    private Fixtures() {
    }

    public static Path path(String name) {
        String resource = BUNDLED.contains(name) ? "/dev/wirelab/part1/captures/" + name : "/pcap/" + name;
        try {
            return Path.of(Fixtures.class.getResource(resource).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("no test capture " + resource, e);
        }
    }
}
