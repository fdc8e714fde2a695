package dev.wirelab.part1.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TlsRecognitionTest {

    private static final int C = 50000;
    private static final int S = 443;

    /** A raw-IP frame from {@code sport} to {@code dport} with TCP sequence {@code seq}. */
    private static CapturedFrame segment(int sport, int dport, long seq, long ack, byte[] payload, int i) {
        byte[] tcp = TestFrames.tcp(sport, dport, seq, ack, 0x18, 512, new byte[0], payload);
        ByteBuffer ip = ByteBuffer.allocate(20 + tcp.length);
        ip.put((byte) 0x45).put((byte) 0).putShort((short) (20 + tcp.length)).putInt(0x00004000)
                .put((byte) 64).put((byte) 6).putShort((short) 0).putInt(0x7f000001).putInt(0x7f000001).put(tcp);
        return new CapturedFrame(i * 1000L, ip.capacity(), ip.array());
    }

    private static byte[] record(int type, int version, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(5 + body.length);
        b.put((byte) type).putShort((short) version).putShort((short) body.length).put(body);
        return b.array();
    }

    private static byte[] handshake(int type, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(4 + body.length);
        b.put((byte) type).put((byte) 0).putShort((short) body.length).put(body);
        return b.array();
    }

    /** A Server Hello body choosing {@code version} via supported_versions, with the given random. */
    private static byte[] serverHello(byte[] random, int version) {
        ByteBuffer b = ByteBuffer.allocate(2 + 32 + 1 + 2 + 1 + 2 + 6);
        b.putShort((short) 0x0303).put(random).put((byte) 0).putShort((short) 0x1301).put((byte) 0)
                .putShort((short) 6).putShort((short) 43).putShort((short) 2).putShort((short) version);
        return b.array();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    @Test
    void aRecordSplitOverTwoSegmentsIsNamedWhereItEnds() {
        byte[] hello = record(22, 0x0301, handshake(1, new byte[300]));
        PacketList list = new PacketList(LinkType.RAW);
        PacketList.Row first = list.add(segment(C, S, 1000, 1, Arrays.copyOfRange(hello, 0, 100), 0));
        PacketList.Row second = list.add(segment(C, S, 1100, 1, Arrays.copyOfRange(hello, 100, hello.length), 1));
        assertEquals("TCP", first.protocol());
        assertTrue(first.info().endsWith("[TCP segment of a reassembled PDU]"), first.info());
        assertEquals("TLSv1", second.protocol());
        assertEquals("50000 → 443 Client Hello", second.info());
    }

    @Test
    void theServerHellosSupportedVersionsMakesTheConversationTls13() {
        PacketList list = new PacketList(LinkType.RAW);
        byte[] ch = record(22, 0x0301, handshake(1, new byte[40]));
        list.add(segment(C, S, 1, 1, ch, 0));
        byte[] random = new byte[32];
        new Random(7).nextBytes(random);
        byte[] flight = concat(record(22, 0x0303, handshake(2, serverHello(random, 0x0304))),
                record(20, 0x0303, new byte[]{1}), record(23, 0x0303, new byte[60]));
        PacketList.Row sh = list.add(segment(S, C, 1, 1 + ch.length, flight, 1));
        assertEquals("TLSv1.3", sh.protocol());
        assertEquals("443 → 50000 Server Hello, Change Cipher Spec, Application Data", sh.info());
        PacketList.Row data = list.add(segment(C, S, 1 + ch.length, 1 + flight.length, record(23, 0x0303, new byte[40]), 2));
        assertEquals("TLSv1.3", data.protocol());
        assertEquals("50000 → 443 Application Data", data.info(), "the ports tell the directions apart");
        assertEquals(3, sh.tlsRecords().size());
        assertEquals(60, sh.tlsRecords().get(2).length());
    }

    @Test
    void aHelloRetryRequestIsRecognisedByItsRandom() {
        byte[] hrr = HexFormat.of().parseHex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c");
        byte[] rec = record(22, 0x0303, handshake(2, serverHello(hrr, 0x0304)));
        TlsRecords.Record r = TlsRecords.describe(rec, 0, false);
        assertEquals("Hello Retry Request", r.name());
        assertEquals(0x0304, r.negotiatedVersion());
    }

    @Test
    void tls12HandshakeAfterChangeCipherSpecIsAnEncryptedHandshakeMessage() {
        PacketList list = new PacketList(LinkType.RAW);
        byte[] ch = record(22, 0x0301, handshake(1, new byte[40]));
        list.add(segment(C, S, 1, 1, ch, 0));
        byte[] random = new byte[32];
        list.add(segment(S, C, 1, 1 + ch.length, record(22, 0x0303, concat(handshake(2, serverHello(random, 0x0303)),
                handshake(11, new byte[10]), handshake(14, new byte[0]))), 1));
        PacketList.Row fin = list.add(segment(C, S, 1 + ch.length, 100, concat(record(22, 0x0303, handshake(16, new byte[33])),
                record(20, 0x0303, new byte[]{1}), record(22, 0x0303, new byte[40])), 2));
        assertEquals("TLSv1.2", fin.protocol());
        assertEquals("50000 → 443 Client Key Exchange, Change Cipher Spec, Encrypted Handshake Message", fin.info());
        PacketList.Row alert = list.add(segment(C, S, 1 + ch.length + 5000, 100, record(21, 0x0303, new byte[]{1, 0}), 3));
        assertEquals("TCP", alert.protocol(), "a gap in the stream stops record parsing rather than guessing");
    }

    @Test
    void aPlaintextAlertIsNamedWithLevelAndDescription() {
        TlsRecords.Record r = TlsRecords.describe(record(21, 0x0303, new byte[]{2, 40}), 0, false);
        assertEquals("Alert (Level: Fatal, Description: Handshake Failure)", r.name());
    }

    @Test
    void aPlainTextConversationIsNeverCalledTls() {
        PacketList list = new PacketList(LinkType.RAW);
        PacketList.Row r = list.add(segment(C, S, 1, 1, "GET / HTTP/1.1\r\n".getBytes(), 0));
        assertEquals("TCP", r.protocol());
        assertTrue(r.tlsRecords().isEmpty());
    }

    @Test
    void garbageFramesOfEveryLinkTypeDecodeWithoutThrowing() {
        Random rnd = new Random(42);
        for (LinkType link : LinkType.values()) {
            PacketList list = new PacketList(link);
            for (int i = 0; i < 2000; i++) {
                byte[] f = new byte[rnd.nextInt(120)];
                rnd.nextBytes(f);
                if (f.length > 0 && rnd.nextBoolean()) {
                    f[Math.min(f.length - 1, link == LinkType.ETHERNET ? 14 : 0)] = 0x45;
                }
                assertNotNull(list.add(new CapturedFrame(i, f.length, f)).info());
            }
            assertEquals(2000, list.rows().size());
        }
    }

    @Test
    void aLiveListKeepsNoRowsAndForgetsOldConversations() {
        PacketList list = new PacketList(LinkType.RAW, false);
        int n = PacketList.MAX_TRACKED * 3;
        PacketList.Row last = null;
        for (int i = 0; i < n; i++) {
            last = list.add(segment(1024 + i, S, 1, 1, "x".getBytes(), i));
        }
        assertEquals(n, last.number());
        assertTrue(list.rows().isEmpty());
        assertEquals(PacketList.MAX_TRACKED, list.trackedConversations());
    }

    @Test
    void ipv6AddressesAreCompressedAsWiresharkShowsThem() {
        byte[] a = HexFormat.of().parseHex("fe800000000000000000000000000001");
        assertEquals("fe80::1", PacketDecoder.ipv6Text(a, 0));
        byte[] b = HexFormat.of().parseHex("20010db8000000010000000000000001");
        assertEquals("2001:db8:0:1::1", PacketDecoder.ipv6Text(b, 0));
        assertEquals("::", PacketDecoder.ipv6Text(new byte[16], 0));
    }
}
