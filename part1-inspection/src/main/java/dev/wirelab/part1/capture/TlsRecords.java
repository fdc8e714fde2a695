package dev.wirelab.part1.capture;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** TLS record-layer parsing and Wireshark's names for records and handshake messages. */
public final class TlsRecords {

    public static final int CHANGE_CIPHER_SPEC = 20;
    public static final int ALERT = 21;
    public static final int HANDSHAKE = 22;
    public static final int APPLICATION_DATA = 23;
    public static final int HEARTBEAT = 24;
    public static final int HEADER = 5;
    /** 2^14 plaintext + 2048 expansion, the RFC 8446/5246 ceiling on a record's length. */
    public static final int MAX_RECORD_BODY = 16_384 + 2_048;
    private static final byte[] HRR_RANDOM = HexFormat.of()
            .parseHex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c");

    /**
     * One record: outer content type, legacy version, body length, Wireshark's name(s) for it,
     * for a Server Hello the negotiated version (0 otherwise), and the record's bytes, header
     * included (what a key log decrypts; null where a record is made without them).
     */
    public record Record(int contentType, int version, int length, String name, int negotiatedVersion, byte[] bytes) {
        public Record(int contentType, int version, int length, String name, int negotiatedVersion) {
            this(contentType, version, length, name, negotiatedVersion, null);
        }

        Record withBytes(byte[] b) {
            return new Record(contentType, version, length, name, negotiatedVersion, b);
        }
    }

    private TlsRecords() {
    }

    /** True when the bytes start like a TLS handshake record, as a conversation's first bytes would. */
    public static boolean looksLikeTls(byte[] b, int off, int len) {
        return len >= 3 && (b[off] & 0xFF) == HANDSHAKE && b[off + 1] == 3 && (b[off + 2] & 0xFF) <= 4;
    }

    /** A plausible record header: known type, version 3.x, bounded length. */
    public static boolean validHeader(byte[] b, int off) {
        int type = b[off] & 0xFF;
        int len = PacketDecoder.u16(b, off + 3);
        return type >= CHANGE_CIPHER_SPEC && type <= HEARTBEAT && b[off + 1] == 3 && (b[off + 2] & 0xFF) <= 4
                && len <= MAX_RECORD_BODY;
    }

    /**
     * Names one complete record at {@code off}. {@code encrypted} says whether this direction
     * already switched to encryption in TLS 1.2 and older (after its Change Cipher Spec).
     */
    public static Record describe(byte[] b, int off, boolean encrypted) {
        int len = PacketDecoder.u16(b, off + 3);
        return name(b, off, encrypted).withBytes(java.util.Arrays.copyOfRange(b, off, off + HEADER + len));
    }

    private static Record name(byte[] b, int off, boolean encrypted) {
        int type = b[off] & 0xFF;
        int version = PacketDecoder.u16(b, off + 1);
        int len = PacketDecoder.u16(b, off + 3);
        int body = off + HEADER;
        return switch (type) {
            case CHANGE_CIPHER_SPEC -> new Record(type, version, len, "Change Cipher Spec", 0);
            case ALERT -> new Record(type, version, len, !encrypted && len == 2
                    ? "Alert (Level: " + alertLevel(b[body] & 0xFF) + ", Description: " + alertDescription(b[body + 1] & 0xFF) + ")"
                    : "Encrypted Alert", 0);
            case HANDSHAKE -> encrypted
                    ? new Record(type, version, len, "Encrypted Handshake Message", 0)
                    : handshake(b, body, len, version);
            case APPLICATION_DATA -> new Record(type, version, len, "Application Data", 0);
            default -> new Record(type, version, len, "Heartbeat", 0);
        };
    }

    private static Record handshake(byte[] b, int body, int len, int version) {
        List<String> names = new ArrayList<>();
        int negotiated = 0;
        int p = body;
        int end = body + len;
        while (p + 4 <= end) {
            int msgType = b[p] & 0xFF;
            int msgLen = (b[p + 1] & 0xFF) << 16 | PacketDecoder.u16(b, p + 2);
            String name = handshakeName(msgType);
            if (msgType == 2 && p + 4 + msgLen <= end) {
                if (msgLen >= 34 && java.util.Arrays.equals(b, p + 6, p + 38, HRR_RANDOM, 0, 32)) {
                    name = "Hello Retry Request";
                }
                negotiated = serverHelloVersion(b, p + 4, msgLen);
            }
            names.add(name);
            p += 4 + msgLen;
        }
        if (names.isEmpty()) {
            names.add("Encrypted Handshake Message");
        }
        return new Record(HANDSHAKE, version, len, String.join(", ", names), negotiated);
    }

    /** The version a Server Hello picks: supported_versions when present, else its legacy field. */
    static int serverHelloVersion(byte[] b, int off, int len) {
        int end = off + len;
        if (len < 38) {
            return 0;
        }
        int legacy = PacketDecoder.u16(b, off);
        int p = off + 34;
        int sidLen = b[p] & 0xFF;
        p += 1 + sidLen + 2 + 1; // session id, cipher suite, compression
        if (p + 2 > end) {
            return legacy;
        }
        int extEnd = Math.min(end, p + 2 + PacketDecoder.u16(b, p));
        p += 2;
        while (p + 4 <= extEnd) {
            int extType = PacketDecoder.u16(b, p);
            int extLen = PacketDecoder.u16(b, p + 2);
            if (extType == 43 && extLen == 2 && p + 6 <= extEnd) {
                return PacketDecoder.u16(b, p + 4);
            }
            p += 4 + extLen;
        }
        return legacy;
    }

    /**
     * The server name (SNI) a Client Hello record asks for, in the clear for every observer, or
     * null when it sends none; {@code rec} is the whole record, header included.
     */
    public static String serverName(byte[] rec) {
        if (rec.length < HEADER + 4 + 38 || (rec[0] & 0xFF) != HANDSHAKE || (rec[HEADER] & 0xFF) != 1) {
            return null;
        }
        int p = HEADER + 4 + 34;
        p += 1 + (rec[p] & 0xFF); // session id
        if (p + 2 > rec.length) {
            return null;
        }
        p += 2 + PacketDecoder.u16(rec, p); // cipher suites
        if (p + 1 > rec.length) {
            return null;
        }
        p += 1 + (rec[p] & 0xFF); // compression methods
        if (p + 2 > rec.length) {
            return null;
        }
        int end = Math.min(rec.length, p + 2 + PacketDecoder.u16(rec, p));
        p += 2;
        while (p + 4 <= end) {
            int type = PacketDecoder.u16(rec, p);
            int len = PacketDecoder.u16(rec, p + 2);
            // server_name: list length (2), name type 0 = host_name (1), name length (2), name
            if (type == 0 && len >= 5 && p + 4 + len <= end && rec[p + 6] == 0) {
                int nameLen = PacketDecoder.u16(rec, p + 7);
                if (9 + nameLen <= 4 + len) {
                    return new String(rec, p + 9, nameLen, java.nio.charset.StandardCharsets.US_ASCII);
                }
            }
            p += 4 + len;
        }
        return null;
    }

    public static String handshakeName(int t) {
        return switch (t) {
            case 0 -> "Hello Request";
            case 1 -> "Client Hello";
            case 2 -> "Server Hello";
            case 4 -> "New Session Ticket";
            case 5 -> "End of Early Data";
            case 8 -> "Encrypted Extensions";
            case 11 -> "Certificate";
            case 12 -> "Server Key Exchange";
            case 13 -> "Certificate Request";
            case 14 -> "Server Hello Done";
            case 15 -> "Certificate Verify";
            case 16 -> "Client Key Exchange";
            case 20 -> "Finished";
            case 24 -> "Key Update";
            default -> "Encrypted Handshake Message";
        };
    }

    /** Wireshark's protocol column for a version: TLSv1, TLSv1.1, TLSv1.2, TLSv1.3, SSLv3. */
    public static String versionName(int v) {
        return switch (v) {
            case 0x0300 -> "SSLv3";
            case 0x0301 -> "TLSv1";
            case 0x0302 -> "TLSv1.1";
            case 0x0303 -> "TLSv1.2";
            case 0x0304 -> "TLSv1.3";
            default -> "TLS";
        };
    }

    static String alertLevel(int l) {
        return l == 1 ? "Warning" : l == 2 ? "Fatal" : "Unknown (" + l + ")";
    }

    static String alertDescription(int d) {
        return switch (d) {
            case 0 -> "Close Notify";
            case 10 -> "Unexpected Message";
            case 20 -> "Bad Record MAC";
            case 40 -> "Handshake Failure";
            case 42 -> "Bad Certificate";
            case 46 -> "Certificate Unknown";
            case 48 -> "Unknown CA";
            case 50 -> "Decode Error";
            case 70 -> "Protocol Version";
            case 80 -> "Internal Error";
            case 109 -> "Missing Extension";
            case 112 -> "Unrecognized Name";
            default -> "Unknown (" + d + ")";
        };
    }
}
