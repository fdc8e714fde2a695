package dev.wirelab.part1.capture;

import dev.wirelab.common.Bytes;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decrypts the TLS 1.3 records of a packet list with the secrets of a key log, row by row, as
 * Wireshark does with {@code tls.keylog_file}: a conversation's Client Hello gives the client
 * random that finds its secrets, the Server Hello the cipher suite; each direction then reads its
 * records with the handshake traffic secret until its Finished, and with the application traffic
 * secret after it. Pure: rows in, plaintext out.
 */
public final class TlsDecryptor {

    /** Longest text shown for one record; the rest is counted, not printed. */
    static final int MAX_TEXT = 400;
    /** Conversations tracked at most, so a long live capture stays bounded. */
    static final int MAX_TRACKED = 4096;
    private static final int HANDSHAKE_FINISHED = 20;

    /** One record opened: in which frame, its real content type, its content, and a one-line summary. */
    public record Decrypted(int frame, int contentType, byte[] content, String summary) {
    }

    private final KeyLogFile keys;
    private final Map<String, Session> sessions = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Session> eldest) {
            return size() > MAX_TRACKED;
        }
    };
    private final List<Session> seen = new ArrayList<>();
    private int decrypted;
    private int failed;

    public TlsDecryptor(KeyLogFile keys) {
        this.keys = keys;
    }

    /** What the row's TLS records hold, decrypted (empty when none could be). */
    public List<Decrypted> add(PacketList.Row row) {
        var t = row.decoded().tcp();
        if (t == null || row.tlsRecords().isEmpty()) {
            return List.of();
        }
        String from = row.source() + "|" + t.srcPort();
        String to = row.destination() + "|" + t.dstPort();
        String key = from.compareTo(to) < 0 ? from + "|" + to : to + "|" + from;
        List<Decrypted> out = new ArrayList<>();
        for (TlsRecords.Record r : row.tlsRecords()) {
            if (r.bytes() == null) {
                continue;
            }
            Session s = sessions.get(key);
            if (r.contentType() == TlsRecords.HANDSHAKE && isHello(r, 1)) {
                s = new Session(from);
                s.clientRandom = java.util.Arrays.copyOfRange(r.bytes(), 11, 43);
                sessions.put(key, s);
                if (seen.size() < MAX_TRACKED) {
                    seen.add(s);
                }
                continue;
            }
            if (s == null) {
                continue;
            }
            if (r.contentType() == TlsRecords.HANDSHAKE && isHello(r, 2) && !from.equals(s.client)) {
                s.serverHello(r.bytes(), keys);
                continue;
            }
            if (r.contentType() != TlsRecords.APPLICATION_DATA || s.suite == 0) {
                continue;
            }
            Direction d = from.equals(s.client) ? s.toServer : s.toClient;
            Tls13RecordCipher.Plaintext p = d.open(r.bytes());
            if (p == null) {
                if (s.hasKeys()) {
                    failed++;
                }
                continue;
            }
            decrypted++;
            out.add(new Decrypted(row.number(), p.contentType(), p.content(), summary(p)));
        }
        return out;
    }

    private static boolean isHello(TlsRecords.Record r, int type) {
        byte[] b = r.bytes();
        return b.length >= 43 && (b[5] & 0xFF) == type;
    }

    /** "Application Data (19 bytes): Hello\n", "Handshake: Finished", "Alert (Level: ..., Description: ...)". */
    static String summary(Tls13RecordCipher.Plaintext p) {
        byte[] c = p.content();
        return switch (p.contentType()) {
            case TlsRecords.APPLICATION_DATA -> "Application Data (" + c.length + " bytes): "
                    + (c.length <= MAX_TEXT ? Bytes.escape(c) : Bytes.escape(c, 0, MAX_TEXT) + "... (" + (c.length - MAX_TEXT) + " more bytes)");
            case TlsRecords.HANDSHAKE -> "Handshake: " + String.join(", ", handshakeNames(c));
            case TlsRecords.ALERT -> c.length == 2
                    ? "Alert (Level: " + TlsRecords.alertLevel(c[0] & 0xFF) + ", Description: "
                    + TlsRecords.alertDescription(c[1] & 0xFF) + ")"
                    : "Alert (" + c.length + " bytes)";
            default -> "content type " + p.contentType() + " (" + c.length + " bytes)";
        };
    }

    static List<String> handshakeNames(byte[] c) {
        List<String> names = new ArrayList<>();
        int p = 0;
        while (p + 4 <= c.length) {
            names.add(TlsRecords.handshakeName(c[p] & 0xFF));
            p += 4 + ((c[p + 1] & 0xFF) << 16 | PacketDecoder.u16(c, p + 2));
        }
        if (p < c.length || names.isEmpty()) {
            names.add("(part of a message)");
        }
        return names;
    }

    /** How the key log served this capture, in one line for the end of a listing. */
    public String summary() {
        int withKeys = 0;
        List<String> missing = new ArrayList<>();
        List<String> unsupported = new ArrayList<>();
        for (Session s : seen) {
            if (s.suite == 0) {
                continue;
            }
            if (!Tls13RecordCipher.supports(s.suite) || s.version != 0x0304) {
                unsupported.add(s.version != 0x0304 ? "not TLS 1.3" : Tls13RecordCipher.suiteName(s.suite));
            } else if (s.hasKeys()) {
                withKeys++;
            } else {
                missing.add(HexFormat.of().formatHex(s.clientRandom));
            }
        }
        StringBuilder sb = new StringBuilder("TLS: decrypted ").append(decrypted).append(decrypted == 1 ? " record" : " records")
                .append(" of ").append(withKeys).append(withKeys == 1 ? " session" : " sessions")
                .append(" with the keys in ").append(keys.file() == null ? "the key log" : keys.file());
        if (!missing.isEmpty()) {
            sb.append("; no keys there for ").append(missing.size()).append(missing.size() == 1 ? " session" : " sessions")
                    .append(" (client random ").append(missing.getFirst()).append(missing.size() > 1 ? ", ..." : "").append(")");
        }
        if (!unsupported.isEmpty()) {
            sb.append("; ").append(unsupported.size()).append(" not decrypted (").append(unsupported.getFirst()).append(")");
        }
        if (failed > 0) {
            sb.append("; ").append(failed).append(" records failed to decrypt (keys of another session, or frames lost)");
        }
        return sb.toString();
    }

    /** One TLS connection: who the client is, its random, the chosen suite, and both directions. */
    private static final class Session {
        final String client;
        byte[] clientRandom;
        int suite;
        int version;
        final Direction toServer = new Direction();
        final Direction toClient = new Direction();

        Session(String client) {
            this.client = client;
        }

        boolean hasKeys() {
            return toServer.handshake != null || toServer.application != null;
        }

        void serverHello(byte[] rec, KeyLogFile keys) {
            int body = TlsRecords.HEADER + 4;
            int len = ((rec[6] & 0xFF) << 16) | PacketDecoder.u16(rec, 7);
            if (body + 35 > rec.length || java.util.Arrays.equals(rec, body + 2, body + 34, HRR, 0, 32)) {
                return; // a Hello Retry Request: the real Server Hello follows
            }
            int sid = rec[body + 34] & 0xFF;
            int p = body + 35 + sid;
            if (p + 2 > rec.length) {
                return;
            }
            suite = PacketDecoder.u16(rec, p);
            version = TlsRecords.serverHelloVersion(rec, body, Math.min(len, rec.length - body));
            if (version != 0x0304 || !Tls13RecordCipher.supports(suite)) {
                return;
            }
            Map<String, byte[]> s = keys.session(clientRandom);
            if (s == null) {
                return;
            }
            toServer.keys(suite, s.get("CLIENT_HANDSHAKE_TRAFFIC_SECRET"), s.get("CLIENT_TRAFFIC_SECRET_0"));
            toClient.keys(suite, s.get("SERVER_HANDSHAKE_TRAFFIC_SECRET"), s.get("SERVER_TRAFFIC_SECRET_0"));
        }
    }

    private static final byte[] HRR = HexFormat.of()
            .parseHex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c");

    /** One direction: the handshake keys until its Finished, the application keys after. */
    private static final class Direction {
        Tls13RecordCipher handshake;
        Tls13RecordCipher application;
        long handshakeSeq;
        long applicationSeq;
        boolean finished;

        void keys(int suite, byte[] hs, byte[] app) {
            handshake = hs == null ? null : Tls13RecordCipher.of(suite, hs);
            application = app == null ? null : Tls13RecordCipher.of(suite, app);
        }

        Tls13RecordCipher.Plaintext open(byte[] rec) {
            if (!finished && handshake != null) {
                try {
                    Tls13RecordCipher.Plaintext p = handshake.decrypt(rec, handshakeSeq);
                    handshakeSeq++;
                    if (p.contentType() == TlsRecords.HANDSHAKE && handshakeNames(p.content()).contains(
                            TlsRecords.handshakeName(HANDSHAKE_FINISHED))) {
                        finished = true;
                    }
                    return p;
                } catch (GeneralSecurityException e) {
                    // not a handshake record after all (its Finished was lost): try the application keys
                }
            }
            if (application != null) {
                try {
                    Tls13RecordCipher.Plaintext p = application.decrypt(rec, applicationSeq);
                    applicationSeq++;
                    finished = true;
                    return p;
                } catch (GeneralSecurityException e) {
                    return null;
                }
            }
            return null;
        }
    }
}
