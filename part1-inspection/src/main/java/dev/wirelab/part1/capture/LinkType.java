package dev.wirelab.part1.capture;

/** The link-layer header types this tool decodes, with their pcap LINKTYPE numbers. */
public enum LinkType {
    /** BSD loopback: 4-byte address family in the capturing host's byte order (macOS {@code lo0}). */
    NULL(0, "BSD loopback"),
    ETHERNET(1, "Ethernet"),
    /** Raw IP, no link header (LINKTYPE_RAW; DLT_RAW is 12 or 14 on some systems). */
    RAW(101, "Raw IP"),
    /** OpenBSD loopback: like NULL but the family is in network byte order. */
    LOOP(108, "OpenBSD loopback"),
    LINUX_SLL(113, "Linux cooked v1"),
    LINUX_SLL2(276, "Linux cooked v2"),
    IPV4(228, "Raw IPv4"),
    IPV6(229, "Raw IPv6");

    private final int code;
    private final String description;

    LinkType(int code, String description) {
        this.code = code;
        this.description = description;
    }

    /** The LINKTYPE number written in pcap files. */
    public int code() {
        return code;
    }

    public String description() {
        return description;
    }

    /** Maps a LINKTYPE or a platform DLT number; null when this tool cannot decode it. */
    public static LinkType fromCode(int code) {
        return switch (code) {
            case 0 -> NULL;
            case 1 -> ETHERNET;
            case 12, 14, 101 -> RAW;
            case 108 -> LOOP;
            case 113 -> LINUX_SLL;
            case 276 -> LINUX_SLL2;
            case 228 -> IPV4;
            case 229 -> IPV6;
            default -> null;
        };
    }
}
