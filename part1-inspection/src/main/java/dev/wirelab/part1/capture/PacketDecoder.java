package dev.wirelab.part1.capture;

import java.util.ArrayList;
import java.util.List;

/**
 * Decodes link, IP and TCP/UDP headers straight from frame bytes. Every read is bounds-checked:
 * a truncated or hostile frame decodes as far as it goes and never throws.
 */
public final class PacketDecoder {

    /** TCP option kinds, kept in the order they appear because Wireshark lists them that way. */
    public static final int OPT_MSS = 2;
    public static final int OPT_WS = 3;
    public static final int OPT_SACK_PERM = 4;
    public static final int OPT_SACK = 5;
    public static final int OPT_TS = 8;

    public record Tcp(int srcPort, int dstPort, long seq, long ack, int flags, int window,
                      int payloadOffset, int payloadLength, List<Integer> optionOrder,
                      int mss, int windowShift, long tsval, long tsecr) {
        public static final int FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10, URG = 0x20,
                ECE = 0x40, CWR = 0x80;

        public boolean has(int flag) {
            return (flags & flag) != 0;
        }
    }

    public record Udp(int srcPort, int dstPort, int payloadLength) {
    }

    /**
     * What a frame holds: {@code network} is "IPv4", "IPv6", an ether type name, or null when
     * nothing past the link header could be read. Offsets are into the frame's bytes.
     */
    public record Decoded(String network, String src, String dst, int ipProtocol, Tcp tcp, Udp udp) {
        static Decoded unknown(String what) {
            return new Decoded(what, null, null, -1, null, null);
        }
    }

    private PacketDecoder() {
    }

    public static Decoded decode(LinkType link, byte[] f) {
        if (link == null) {
            return Decoded.unknown(null);
        }
        return switch (link) {
            case ETHERNET -> ethernet(f);
            case NULL -> {
                if (f.length < 4) {
                    yield Decoded.unknown(null);
                }
                // Host byte order of the machine that captured: accept either.
                int le = (f[0] & 0xFF) | (f[1] & 0xFF) << 8 | (f[2] & 0xFF) << 16 | (f[3] & 0xFF) << 24;
                int be = u32i(f, 0);
                int family = (le & 0xFFFF0000) == 0 ? le : be;
                yield byFamily(family, f, 4);
            }
            case LOOP -> f.length < 4 ? Decoded.unknown(null) : byFamily(u32i(f, 0), f, 4);
            case LINUX_SLL -> f.length < 16 ? Decoded.unknown(null) : byEtherType(u16(f, 14), f, 16);
            case LINUX_SLL2 -> f.length < 20 ? Decoded.unknown(null) : byEtherType(u16(f, 0), f, 20);
            case RAW -> byVersion(f, 0);
            case IPV4 -> ipv4(f, 0);
            case IPV6 -> ipv6(f, 0);
        };
    }

    /** Where the IP header starts in a frame of this link type, or -1. */
    private static Decoded ethernet(byte[] f) {
        if (f.length < 14) {
            return Decoded.unknown(null);
        }
        int type = u16(f, 12);
        int off = 14;
        for (int tags = 0; (type == 0x8100 || type == 0x88a8) && tags < 2 && f.length >= off + 4; tags++) {
            type = u16(f, off + 2);
            off += 4;
        }
        return byEtherType(type, f, off);
    }

    private static Decoded byEtherType(int type, byte[] f, int off) {
        return switch (type) {
            case 0x0800 -> ipv4(f, off);
            case 0x86DD -> ipv6(f, off);
            case 0x0806 -> Decoded.unknown("ARP");
            default -> Decoded.unknown(String.format("0x%04x", type));
        };
    }

    private static Decoded byFamily(int family, byte[] f, int off) {
        return switch (family) {
            case 2 -> ipv4(f, off);
            case 10, 24, 28, 30 -> ipv6(f, off); // Linux, NetBSD/OpenBSD, FreeBSD, macOS
            default -> Decoded.unknown("family " + family);
        };
    }

    private static Decoded byVersion(byte[] f, int off) {
        if (f.length <= off) {
            return Decoded.unknown(null);
        }
        return switch ((f[off] & 0xF0) >> 4) {
            case 4 -> ipv4(f, off);
            case 6 -> ipv6(f, off);
            default -> Decoded.unknown(null);
        };
    }

    private static Decoded ipv4(byte[] f, int off) {
        if (f.length < off + 20 || (f[off] & 0xF0) != 0x40) {
            return Decoded.unknown("IPv4");
        }
        int ihl = (f[off] & 0x0F) * 4;
        int total = u16(f, off + 2);
        String src = (f[off + 12] & 0xFF) + "." + (f[off + 13] & 0xFF) + "." + (f[off + 14] & 0xFF) + "." + (f[off + 15] & 0xFF);
        String dst = (f[off + 16] & 0xFF) + "." + (f[off + 17] & 0xFF) + "." + (f[off + 18] & 0xFF) + "." + (f[off + 19] & 0xFF);
        int proto = f[off + 9] & 0xFF;
        int fragOffset = u16(f, off + 6) & 0x1FFF;
        // Ethernet pads short frames; the IP total length says where the datagram really ends.
        int end = Math.min(f.length, total >= ihl ? off + total : f.length);
        if (ihl < 20 || fragOffset != 0) {
            return new Decoded("IPv4", src, dst, proto, null, null);
        }
        return transport("IPv4", src, dst, proto, f, off + ihl, end);
    }

    private static Decoded ipv6(byte[] f, int off) {
        if (f.length < off + 40 || (f[off] & 0xF0) != 0x60) {
            return Decoded.unknown("IPv6");
        }
        int payloadLen = u16(f, off + 4);
        int next = f[off + 6] & 0xFF;
        String src = ipv6Text(f, off + 8);
        String dst = ipv6Text(f, off + 24);
        int end = Math.min(f.length, off + 40 + payloadLen);
        int p = off + 40;
        // Skip extension headers; a bounded number, so a looping chain cannot hang us.
        for (int i = 0; i < 8 && (next == 0 || next == 43 || next == 60 || next == 44); i++) {
            if (p + 8 > end) {
                return new Decoded("IPv6", src, dst, next, null, null);
            }
            if (next == 44) {
                if ((u16(f, p + 2) & 0xFFF8) != 0) {
                    return new Decoded("IPv6", src, dst, f[p] & 0xFF, null, null);
                }
                next = f[p] & 0xFF;
                p += 8;
            } else {
                next = f[p] & 0xFF;
                p += ((f[p + 1] & 0xFF) + 1) * 8;
            }
        }
        return transport("IPv6", src, dst, next, f, p, end);
    }

    private static Decoded transport(String net, String src, String dst, int proto, byte[] f, int off, int end) {
        if (proto == 6 && end - off >= 20) {
            int dataOff = ((f[off + 12] & 0xF0) >> 4) * 4;
            if (dataOff < 20 || off + dataOff > end) {
                return new Decoded(net, src, dst, proto, null, null);
            }
            List<Integer> order = new ArrayList<>();
            int mss = -1;
            int ws = -1;
            long tsval = -1;
            long tsecr = -1;
            int p = off + 20;
            int optEnd = off + dataOff;
            while (p < optEnd) {
                int kind = f[p] & 0xFF;
                if (kind == 0) {
                    break;
                }
                if (kind == 1) {
                    p++;
                    continue;
                }
                if (p + 1 >= optEnd) {
                    break;
                }
                int len = f[p + 1] & 0xFF;
                if (len < 2 || p + len > optEnd) {
                    break;
                }
                switch (kind) {
                    case OPT_MSS -> mss = len == 4 ? u16(f, p + 2) : -1;
                    case OPT_WS -> ws = len == 3 ? f[p + 2] & 0xFF : -1;
                    case OPT_TS -> {
                        if (len == 10) {
                            tsval = u32(f, p + 2);
                            tsecr = u32(f, p + 6);
                        }
                    }
                    default -> {
                    }
                }
                order.add(kind);
                p += len;
            }
            Tcp tcp = new Tcp(u16(f, off), u16(f, off + 2), u32(f, off + 4), u32(f, off + 8),
                    f[off + 13] & 0xFF, u16(f, off + 14), off + dataOff, end - off - dataOff,
                    List.copyOf(order), mss, ws, tsval, tsecr);
            return new Decoded(net, src, dst, proto, tcp, null);
        }
        if (proto == 17 && end - off >= 8) {
            return new Decoded(net, src, dst, proto, null, new Udp(u16(f, off), u16(f, off + 2), end - off - 8));
        }
        return new Decoded(net, src, dst, proto, null, null);
    }

    /** RFC 5952 text, as Wireshark shows IPv6 addresses: {@code ::1}, {@code fe80::1}. */
    static String ipv6Text(byte[] f, int off) {
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = u16(f, off + 2 * i);
        }
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen && j - i >= 2) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }

    static int u16(byte[] f, int off) {
        return (f[off] & 0xFF) << 8 | (f[off + 1] & 0xFF);
    }

    static long u32(byte[] f, int off) {
        return u32i(f, off) & 0xFFFFFFFFL;
    }

    private static int u32i(byte[] f, int off) {
        return (f[off] & 0xFF) << 24 | (f[off + 1] & 0xFF) << 16 | (f[off + 2] & 0xFF) << 8 | (f[off + 3] & 0xFF);
    }
}
