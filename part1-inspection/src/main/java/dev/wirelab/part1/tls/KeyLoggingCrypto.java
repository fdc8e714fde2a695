package dev.wirelab.part1.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.crypto.TlsCryptoUtils;
import org.bouncycastle.tls.crypto.TlsSecret;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsSecret;

/**
 * BouncyCastle's TLS crypto, unchanged except that it writes the TLS 1.3 traffic secrets of one
 * connection to a {@link KeyLog} at the moment the key schedule derives them.
 *
 * <p>Why here: the JDK's TLS never lets a secret out, and BouncyCastle's {@code SecurityParameters}
 * hands out secrets that its own {@code extract()} destroys. The key schedule, though, starts
 * every connection from {@link #hkdfInit} and derives each secret from the previous one with
 * HKDF-Extract and HKDF-Expand-Label (RFC 8446, 7.1). A secret type that keeps deriving its own
 * kind sees every label as it passes ("c hs traffic", "s ap traffic", ...), which is exactly
 * where OpenSSL's key log callback sits too; nothing else of the handshake is touched.
 */
public final class KeyLoggingCrypto extends BcTlsCrypto {

    private final KeyLog log;
    private volatile TlsContext context;

    /** One per connection: the client random of the lines comes from the connection's context. */
    public KeyLoggingCrypto(SecureRandom random, KeyLog log) {
        super(random);
        this.log = log;
    }

    /** Called by the peer's {@code init}, before the handshake starts. */
    void attach(TlsContext context) {
        this.context = context;
    }

    @Override
    public TlsSecret hkdfInit(int cryptoHashAlgorithm) {
        return new LoggingSecret(this, new byte[TlsCryptoUtils.getHashOutputSize(cryptoHashAlgorithm)]);
    }

    /**
     * The key schedule label inside an HkdfLabel structure ({@code uint16 length, opaque
     * label<7..255> = "tls13 " + label, opaque context<0..255>}), or null if {@code info} is not one.
     */
    static String scheduleLabel(byte[] info) {
        if (info.length < 3) {
            return null;
        }
        int len = info[2] & 0xFF;
        if (3 + len > info.length || len < 6) {
            return null;
        }
        String full = new String(info, 3, len, StandardCharsets.US_ASCII);
        return full.startsWith("tls13 ") ? full.substring(6) : null;
    }

    private void derived(String label, byte[] secret) {
        String nss = label == null ? null : KeyLog.LABELS.get(label);
        TlsContext ctx = context;
        if (nss == null || ctx == null) {
            return;
        }
        SecurityParameters sp = ctx.getSecurityParametersHandshake();
        if (sp == null) {
            sp = ctx.getSecurityParametersConnection();
        }
        if (sp == null || sp.getClientRandom() == null) {
            return;
        }
        try {
            log.write(nss, sp.getClientRandom(), secret);
        } catch (IOException e) {
            // BouncyCastle turns this into an internal_error alert: the connection fails visibly
            // rather than going on without the keys that were asked for.
            throw new UncheckedIOException("cannot write the key log " + log.file() + ": " + e.getMessage(), e);
        }
    }

    /** A BouncyCastle secret whose derived secrets are of this kind again, so the chain is followed. */
    private static final class LoggingSecret extends BcTlsSecret {
        private final KeyLoggingCrypto owner;

        LoggingSecret(KeyLoggingCrypto owner, byte[] data) {
            super(owner, data);
            this.owner = owner;
        }

        @Override
        public synchronized TlsSecret hkdfExtract(int cryptoHashAlgorithm, TlsSecret ikm) {
            return adopt(super.hkdfExtract(cryptoHashAlgorithm, ikm));
        }

        @Override
        public synchronized TlsSecret hkdfExpand(int cryptoHashAlgorithm, byte[] info, int length) {
            LoggingSecret out = adopt(super.hkdfExpand(cryptoHashAlgorithm, info, length));
            String label = scheduleLabel(info);
            if (label != null && KeyLog.LABELS.containsKey(label)) {
                byte[] copy = out.copy();
                try {
                    owner.derived(label, copy);
                } finally {
                    Arrays.fill(copy, (byte) 0);
                }
            }
            return out;
        }

        private LoggingSecret adopt(TlsSecret plain) {
            // extract() hands over the bytes and destroys the plain secret: no copy is left behind.
            return new LoggingSecret(owner, plain.extract());
        }

        private synchronized byte[] copy() {
            checkAlive();
            return data.clone();
        }
    }
}
