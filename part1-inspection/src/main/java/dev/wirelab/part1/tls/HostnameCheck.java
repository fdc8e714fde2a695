package dev.wirelab.part1.tls;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * The host name check HTTPS clients make (RFC 6125, as the JDK's "HTTPS" endpoint identification
 * does), for the BouncyCastle client, which leaves it to the application: a DNS name must match a
 * subjectAltName dNSName (a leading {@code *.} matches exactly one label), an IP address must
 * equal a subjectAltName iPAddress. The subject's CN is not looked at.
 */
public final class HostnameCheck {

    private static final int DNS = 2;
    private static final int IP = 7;

    private HostnameCheck() {
    }

    /** True when {@code host} is an IPv4 or IPv6 literal, as the JDK decides for SNI too. */
    public static boolean isIpLiteral(String host) {
        return !host.isEmpty() && (Character.isDigit(host.charAt(0)) || host.contains(":"));
    }

    public static boolean matches(X509Certificate cert, String host) {
        Collection<List<?>> names;
        try {
            names = cert.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return false;
        }
        if (names == null || host.isEmpty()) {
            return false;
        }
        boolean ip = isIpLiteral(host);
        InetAddress wanted = null;
        if (ip) {
            try {
                wanted = InetAddress.getByName(host.startsWith("[") ? host.substring(1, host.length() - 1) : host);
            } catch (UnknownHostException e) {
                return false;
            }
        }
        String dns = host.toLowerCase(Locale.ROOT);
        if (dns.endsWith(".")) {
            dns = dns.substring(0, dns.length() - 1);
        }
        for (List<?> n : names) {
            int type = (Integer) n.get(0);
            String value = String.valueOf(n.get(1));
            if (ip && type == IP) {
                try {
                    if (InetAddress.getByName(value).equals(wanted)) {
                        return true;
                    }
                } catch (UnknownHostException ignored) {
                    // a malformed entry matches nothing
                }
            } else if (!ip && type == DNS && dnsMatches(value.toLowerCase(Locale.ROOT), dns)) {
                return true;
            }
        }
        return false;
    }

    static boolean dnsMatches(String pattern, String host) {
        if (pattern.startsWith("*.")) {
            int dot = host.indexOf('.');
            return dot > 0 && host.substring(dot).equals(pattern.substring(1)) && pattern.indexOf('.', 2) > 0;
        }
        return pattern.equals(host);
    }
}
