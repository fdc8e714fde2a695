package dev.wirelab.part1.capture;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the frames of the fixtures by hand: the report's exchange (connect, "Hello from
 * Client.\n" from 54830 to 8080, close) as IPv4 or IPv6, wrapped in each link-layer header.
 * The data segment and its ACK are the report's two frames byte for byte: the same sequence
 * numbers, and in the TCP checksum field what a loopback capture shows there, on macOS as on
 * Linux: the sum of the pseudo-header only, because the kernel leaves the checksum to the
 * (virtual) network card and loopback never computes it. The IPv4 header checksum is 0, as in
 * the report's capture. Wireshark does not verify checksums by default; neither do we.
 */
final class TestFrames {

    static final long BASE_NANOS = 1_700_000_000_000_000_000L;
    static final byte[] HELLO = "Hello from Client.\n".getBytes(StandardCharsets.US_ASCII);
    static final int CLIENT_PORT = 54830;
    static final int SERVER_PORT = 8080;
    static final long CLIENT_ISN = 0x73148079L; // the report's data starts at 0x7314807a
    static final long SERVER_ISN = 0x2699f4b7L;

    private TestFrames() {
    }

    /** The eight IP packets of the exchange. */
    static List<byte[]> exchange(boolean ipv6) {
        long c = CLIENT_ISN;
        long s = SERVER_ISN;
        List<byte[]> p = new ArrayList<>();
        p.add(ip(ipv6, true, tcp(CLIENT_PORT, SERVER_PORT, c, 0, 0x02, 65495, syn(1000), new byte[0])));
        p.add(ip(ipv6, false, tcp(SERVER_PORT, CLIENT_PORT, s, c + 1, 0x12, 65483, syn(2000), new byte[0])));
        p.add(ip(ipv6, true, tcp(CLIENT_PORT, SERVER_PORT, c + 1, s + 1, 0x10, 6380, ts(1001, 2000), new byte[0])));
        p.add(ip(ipv6, true, tcp(CLIENT_PORT, SERVER_PORT, c + 1, s + 1, 0x18, 6380, ts(1617315918L, 3123084692L), HELLO)));
        long afterHello = c + 1 + HELLO.length;
        p.add(ip(ipv6, false, tcp(SERVER_PORT, CLIENT_PORT, s + 1, afterHello, 0x10, 6380, ts(3123626038L, 1617315918L), new byte[0])));
        p.add(ip(ipv6, true, tcp(CLIENT_PORT, SERVER_PORT, afterHello, s + 1, 0x11, 6380, ts(1617316000L, 3123626038L), new byte[0])));
        p.add(ip(ipv6, false, tcp(SERVER_PORT, CLIENT_PORT, s + 1, afterHello + 1, 0x11, 6380, ts(3123626100L, 1617316000L), new byte[0])));
        p.add(ip(ipv6, true, tcp(CLIENT_PORT, SERVER_PORT, afterHello + 1, s + 2, 0x10, 6380, ts(1617316001L, 3123626100L), new byte[0])));
        return p;
    }

    static long timeOf(int index) {
        return BASE_NANOS + index * 98_000L;
    }

    static byte[] ethernet(byte[] ip, boolean ipv6) {
        ByteBuffer b = ByteBuffer.allocate(14 + ip.length);
        b.put(new byte[12]).putShort((short) (ipv6 ? 0x86DD : 0x0800)).put(ip);
        return b.array();
    }

    /** macOS lo0: the address family in little-endian host order (2 = IPv4, 30 = IPv6). */
    static byte[] bsdNull(byte[] ip, boolean ipv6) {
        ByteBuffer b = ByteBuffer.allocate(4 + ip.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(ipv6 ? 30 : 2).put(ip);
        return b.array();
    }

    static byte[] sll(byte[] ip, boolean ipv6, boolean outgoing) {
        ByteBuffer b = ByteBuffer.allocate(16 + ip.length);
        b.putShort((short) (outgoing ? 4 : 0)).putShort((short) 772).putShort((short) 6).put(new byte[8])
                .putShort((short) (ipv6 ? 0x86DD : 0x0800)).put(ip);
        return b.array();
    }

    static byte[] sll2(byte[] ip, boolean ipv6, boolean outgoing) {
        ByteBuffer b = ByteBuffer.allocate(20 + ip.length);
        b.putShort((short) (ipv6 ? 0x86DD : 0x0800)).putShort((short) 0).putInt(1).putShort((short) 772)
                .put((byte) (outgoing ? 4 : 0)).put((byte) 6).put(new byte[8]).put(ip);
        return b.array();
    }

    static byte[] ip(boolean v6, boolean fromClient, byte[] tcp) {
        if (v6) {
            ByteBuffer b = ByteBuffer.allocate(40 + tcp.length);
            byte[] loop = new byte[16];
            loop[15] = 1;
            b.putInt(0x60000000).putShort((short) tcp.length).put((byte) 6).put((byte) 64).put(loop).put(loop).put(tcp);
            // Pseudo-header: both addresses, the TCP length as 32 bits, next header 6.
            b.putShort(40 + 16, pseudoHeaderSum(loop, loop, tcp.length));
            return b.array();
        }
        byte[] loop = {127, 0, 0, 1};
        ByteBuffer b = ByteBuffer.allocate(20 + tcp.length);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + tcp.length)).putShort((short) 0)
                .putShort((short) 0x4000).put((byte) 64).put((byte) 6).putShort((short) 0)
                .put(loop).put(loop).put(tcp);
        b.putShort(20 + 16, pseudoHeaderSum(loop, loop, tcp.length));
        return b.array();
    }

    /** The one's-complement sum of the TCP pseudo-header, not inverted: what loopback leaves in the field. */
    static short pseudoHeaderSum(byte[] src, byte[] dst, int tcpLength) {
        long sum = 6 + (tcpLength & 0xFFFF) + (tcpLength >>> 16);
        for (byte[] a : new byte[][]{src, dst}) {
            for (int i = 0; i < a.length; i += 2) {
                sum += ((a[i] & 0xFF) << 8) | (a[i + 1] & 0xFF);
            }
        }
        while (sum >>> 16 != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (short) sum;
    }

    static byte[] tcp(int sport, int dport, long seq, long ack, int flags, int win, byte[] options, byte[] payload) {
        int hl = 20 + options.length;
        ByteBuffer b = ByteBuffer.allocate(hl + payload.length);
        b.putShort((short) sport).putShort((short) dport).putInt((int) seq).putInt((int) ack)
                .put((byte) ((hl / 4) << 4)).put((byte) flags).putShort((short) win).putShort((short) 0)
                .putShort((short) 0).put(options).put(payload);
        return b.array();
    }

    /** Linux's SYN options: MSS, SACK permitted, timestamps, NOP, window scale 7. */
    private static byte[] syn(long tsval) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(new byte[]{2, 4, (byte) 0xff, (byte) 0xd7, 4, 2, 8, 10});
        o.writeBytes(ByteBuffer.allocate(8).putInt((int) tsval).putInt(0).array());
        o.writeBytes(new byte[]{1, 3, 3, 7});
        return o.toByteArray();
    }

    private static byte[] ts(long tsval, long tsecr) {
        return ByteBuffer.allocate(12).put((byte) 1).put((byte) 1).put((byte) 8).put((byte) 10)
                .putInt((int) tsval).putInt((int) tsecr).array();
    }
}
