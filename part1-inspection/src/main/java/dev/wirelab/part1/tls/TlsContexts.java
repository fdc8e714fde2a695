package dev.wirelab.part1.tls;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Locale;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.util.List;

/**
 * TLS 1.3 contexts: the server presents its stored identity; the client trusts exactly one
 * certificate (no system CAs, nothing trusts everything) and checks the host name against it.
 */
public final class TlsContexts {

    public static final String PROTOCOL = "TLSv1.3";
    /** What a client says when the server is not speaking TLS, the usual cause being a missing --tls. */
    public static final String NOT_TLS = "the server did not answer the TLS handshake: is it running without --tls?";
    private static final char[] IN_MEMORY = "in-memory".toCharArray();

    private TlsContexts() {
    }

    public static SSLContext server(CertStore.Identity id) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("server", id.key(), IN_MEMORY, new Certificate[]{id.certificate()});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, IN_MEMORY);
            SSLContext ctx = SSLContext.getInstance(PROTOCOL);
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot build the server TLS context", e);
        }
    }

    /** A client context whose only trust anchor is {@code trusted}. */
    public static SSLContext clientTrusting(X509Certificate trusted) {
        try {
            SSLContext ctx = SSLContext.getInstance(PROTOCOL);
            ctx.init(null, pinnedTrust(trusted).getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build the client TLS context", e);
        }
    }

    /** The JDK's PKIX trust managers with {@code trusted} as their only anchor. */
    static TrustManagerFactory pinnedTrust(X509Certificate trusted) {
        try {
            KeyStore ts = KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            ts.setCertificateEntry("pinned", trusted);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(ts);
            return tmf;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot build the pinned trust manager", e);
        }
    }

    /** TLS 1.3 only, host name checked as HTTPS clients do, SNI sent for a DNS name. */
    public static void configureClient(SSLSocket socket, String expectedHost) {
        SSLParameters p = socket.getSSLParameters();
        p.setProtocols(new String[]{PROTOCOL});
        p.setEndpointIdentificationAlgorithm("HTTPS");
        if (!expectedHost.isEmpty() && !Character.isDigit(expectedHost.charAt(0)) && !expectedHost.contains(":")) {
            p.setServerNames(List.of(new SNIHostName(expectedHost)));
        }
        socket.setSSLParameters(p);
    }

    /** One line saying why a handshake failed, in terms a student can act on. */
    public static String explain(SSLException e, String host, String trustSource) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = String.valueOf(root.getMessage());
        String lower = msg.toLowerCase(Locale.ROOT);
        String top = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        if (top.contains("remote host terminated the handshake") || lower.contains("peer shut down incorrectly")) {
            // Closed without a TLS alert: a TLS server that refuses says why; a plain server cannot.
            return NOT_TLS;
        }
        if (lower.contains("subject alternative") || lower.contains("no name matching")) {
            return "TLS handshake failed: the server's certificate does not name host '" + host + "' (" + msg + ")";
        }
        if (lower.contains("pkix") || lower.contains("certification path") || lower.contains("trust anchor")
                || lower.contains("signature does not match") || lower.contains("signature check failed")) {
            return "TLS handshake failed: the server's certificate is not the one trusted in " + trustSource
                    + " (wrong --trust file, or the server made a new certificate)";
        }
        if (lower.contains("unsupported or unrecognized ssl message") || lower.contains("plaintext")) {
            return "the server did not answer the TLS handshake with TLS: is it running without --tls?";
        }
        if (lower.contains("protocol_version") || lower.contains("protocol version")) {
            return "TLS handshake failed: the server does not speak TLS 1.3 (" + msg + ")";
        }
        return "TLS handshake failed: " + msg;
    }
}
