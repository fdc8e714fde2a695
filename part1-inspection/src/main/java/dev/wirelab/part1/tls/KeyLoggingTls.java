package dev.wirelab.part1.tls;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Hashtable;
import java.util.Vector;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateEntry;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.DefaultTlsServer;
import org.bouncycastle.tls.HashAlgorithm;
import org.bouncycastle.tls.NameType;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.ServerName;
import org.bouncycastle.tls.SignatureAlgorithm;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsClientContext;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsFatalAlertReceived;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.TlsServerContext;
import org.bouncycastle.tls.TlsServerProtocol;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.impl.bc.BcDefaultTlsCredentialedSigner;

/**
 * TLS 1.3 with BouncyCastle's TLS API, used only when the session keys are to be logged
 * ({@code --keylog}, {@code SSLKEYLOGFILE}): the JDK's TLS cannot give them out. It keeps what
 * the JDK path guarantees: TLS 1.3 and its three AEAD suites only, the server's certificate must
 * be the one pinned (checked by the JDK's own PKIX trust manager, with nothing else trusted), the
 * host name must match it, and the caller's deadline bounds the handshake.
 */
public final class KeyLoggingTls {

    /** The TLS 1.3 cipher suites, as the JDK offers them. */
    static final int[] SUITES = {CipherSuite.TLS_AES_256_GCM_SHA384, CipherSuite.TLS_AES_128_GCM_SHA256,
            CipherSuite.TLS_CHACHA20_POLY1305_SHA256};
    private static final SecureRandom RANDOM = new SecureRandom();

    private KeyLoggingTls() {
    }

    /** The server side: presents {@code id}, logs each connection's secrets to {@code log}. */
    public static ServerHandshake server(CertStore.Identity id, KeyLog log) {
        byte[] der;
        AsymmetricKeyParameter key;
        try {
            der = id.certificate().getEncoded();
            key = PrivateKeyFactory.createKey(id.key().getEncoded());
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot use the server key with BouncyCastle's TLS", e);
        }
        return raw -> {
            KeyLoggingCrypto crypto = new KeyLoggingCrypto(RANDOM, log);
            TlsServerProtocol protocol = new TlsServerProtocol(ProtocolSocket.rawInput(raw), ProtocolSocket.rawOutput(raw));
            protocol.accept(new DefaultTlsServer(crypto) {
                @Override
                public void init(TlsServerContext context) {
                    super.init(context);
                    crypto.attach(context);
                }

                @Override
                protected ProtocolVersion[] getSupportedVersions() {
                    return ProtocolVersion.TLSv13.only();
                }

                @Override
                protected int[] getSupportedCipherSuites() {
                    return SUITES.clone();
                }

                @Override
                public TlsCredentials getCredentials() throws IOException {
                    Certificate chain = new Certificate(TlsUtils.EMPTY_BYTES, new CertificateEntry[]{
                            new CertificateEntry(crypto.createCertificate(der), new Hashtable<Integer, byte[]>())});
                    return new BcDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), crypto, key, chain,
                            SignatureAndHashAlgorithm.getInstance(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa));
                }
            });
            return ProtocolSocket.of(raw, protocol);
        };
    }

    /**
     * The client side over the connected {@code raw}: trusts exactly {@code trusted}, checks that
     * it names {@code expectedHost}, sends SNI for a DNS name, and logs the secrets to {@code log}.
     * A failed handshake is an SSLException whose message says why in a student's terms
     * ({@code trustSource} names the trusted file there).
     */
    public static Socket client(Socket raw, String expectedHost, X509Certificate trusted, String trustSource,
                                KeyLog log) throws IOException {
        X509TrustManager pinned = pinnedTrustManager(trusted);
        KeyLoggingCrypto crypto = new KeyLoggingCrypto(RANDOM, log);
        String[] refusal = new String[1];
        TlsClientProtocol protocol = new TlsClientProtocol(ProtocolSocket.rawInput(raw), ProtocolSocket.rawOutput(raw));
        try {
            protocol.connect(new DefaultTlsClient(crypto) {
                @Override
                public void init(TlsClientContext context) {
                    super.init(context);
                    crypto.attach(context);
                }

                @Override
                protected ProtocolVersion[] getSupportedVersions() {
                    return ProtocolVersion.TLSv13.only();
                }

                @Override
                protected int[] getSupportedCipherSuites() {
                    return SUITES.clone();
                }

                @Override
                protected Vector<ServerName> getSNIServerNames() {
                    if (HostnameCheck.isIpLiteral(expectedHost)) {
                        return null;
                    }
                    Vector<ServerName> names = new Vector<>();
                    names.add(new ServerName(NameType.host_name, expectedHost.getBytes(StandardCharsets.US_ASCII)));
                    return names;
                }

                @Override
                public TlsAuthentication getAuthentication() {
                    return new TlsAuthentication() {
                        @Override
                        public void notifyServerCertificate(TlsServerCertificate server) throws IOException {
                            refusal[0] = check(server.getCertificate(), pinned, expectedHost, trustSource);
                            if (refusal[0] != null) {
                                throw new TlsFatalAlert(AlertDescription.bad_certificate, refusal[0]);
                            }
                        }

                        @Override
                        public TlsCredentials getClientCredentials(org.bouncycastle.tls.CertificateRequest request) {
                            return null;
                        }
                    };
                }
            });
        } catch (IOException e) {
            throw new SSLException(refusal[0] != null ? refusal[0] : explain(e), e);
        }
        return ProtocolSocket.of(raw, protocol);
    }

    /** Why the certificate is refused (null: it is the pinned one and names the host). */
    static String check(Certificate chain, X509TrustManager pinned, String host, String trustSource) throws IOException {
        if (chain == null || chain.isEmpty()) {
            return "TLS handshake failed: the server sent no certificate";
        }
        X509Certificate[] certs;
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            certs = new X509Certificate[chain.getLength()];
            for (int i = 0; i < certs.length; i++) {
                certs[i] = (X509Certificate) cf.generateCertificate(
                        new ByteArrayInputStream(chain.getCertificateAt(i).getEncoded()));
            }
        } catch (CertificateException e) {
            return "TLS handshake failed: the server's certificate cannot be read (" + e.getMessage() + ")";
        }
        try {
            // TLS 1.3 has no key exchange type; "UNKNOWN" is what the JDK passes for it too.
            pinned.checkServerTrusted(certs, "UNKNOWN");
        } catch (CertificateException e) {
            return "TLS handshake failed: the server's certificate is not the one trusted in " + trustSource
                    + " (wrong --trust file, or the server made a new certificate)";
        }
        if (!HostnameCheck.matches(certs[0], host)) {
            return "TLS handshake failed: the server's certificate does not name host '" + host + "'";
        }
        return null;
    }

    static X509TrustManager pinnedTrustManager(X509Certificate trusted) {
        for (TrustManager tm : TlsContexts.pinnedTrust(trusted).getTrustManagers()) {
            if (tm instanceof X509TrustManager x) {
                return x;
            }
        }
        throw new IllegalStateException("the JDK offers no X.509 trust manager");
    }

    /** The BouncyCastle failure in the words the JDK path uses for the same cause. */
    static String explain(IOException e) {
        if (e instanceof InterruptedIOException) {
            return TlsContexts.NOT_TLS;
        }
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            // Closed without a TLS alert (BouncyCastle reports a handshake_failure caused by it):
            // a TLS server that refuses says why; a plain server cannot.
            if (c instanceof EOFException || c instanceof java.net.SocketException
                    || c instanceof org.bouncycastle.tls.TlsNoCloseNotifyException) {
                return TlsContexts.NOT_TLS;
            }
        }
        if (e instanceof TlsFatalAlert a && !(e instanceof TlsFatalAlertReceived)
                && a.getAlertDescription() == AlertDescription.handshake_failure && a.getCause() == null
                && String.valueOf(a.getMessage()).equals(AlertDescription.getText(AlertDescription.handshake_failure))) {
            return TlsContexts.NOT_TLS; // what BouncyCastle raises when the peer closes mid-handshake
        }
        if (e instanceof TlsFatalAlertReceived r) {
            short alert = r.getAlertDescription();
            if (alert == AlertDescription.protocol_version) {
                return "TLS handshake failed: the server does not speak TLS 1.3 (" + AlertDescription.getText(alert) + ")";
            }
            return "TLS handshake failed: the server sent the alert " + AlertDescription.getText(alert);
        }
        if (e instanceof TlsFatalAlert a && a.getAlertDescription() == AlertDescription.unexpected_message
                || String.valueOf(e.getMessage()).contains("record_overflow")) {
            return "the server did not answer the TLS handshake with TLS: is it running without --tls?";
        }
        return "TLS handshake failed: " + e.getMessage();
    }
}
