package dev.wirelab.part1.capture;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Decrypts the records of one direction of a TLS 1.3 connection from its traffic secret, as
 * Wireshark does with a key log: key and IV from HKDF-Expand-Label (RFC 8446, 7.3), the nonce of
 * record number {@code seq} is the IV XOR the 64-bit sequence number, the additional data is the
 * record header, and the plaintext ends with the real content type and zero padding (5.2, 5.4).
 * The JDK's own AES-GCM and ChaCha20-Poly1305.
 */
public final class Tls13RecordCipher {

    public static final int TLS_AES_128_GCM_SHA256 = 0x1301;
    public static final int TLS_AES_256_GCM_SHA384 = 0x1302;
    public static final int TLS_CHACHA20_POLY1305_SHA256 = 0x1303;
    private static final int IV_LENGTH = 12;
    private static final int TAG_LENGTH = 16;

    /** A record opened: its real content type and its content, padding removed. */
    public record Plaintext(int contentType, byte[] content) {
    }

    private final int suite;
    private final byte[] key;
    private final byte[] iv;

    private Tls13RecordCipher(int suite, byte[] key, byte[] iv) {
        this.suite = suite;
        this.key = key;
        this.iv = iv;
    }

    /** True for the suites this class decrypts (the three every TLS 1.3 stack offers). */
    public static boolean supports(int suite) {
        return suite == TLS_AES_128_GCM_SHA256 || suite == TLS_AES_256_GCM_SHA384
                || suite == TLS_CHACHA20_POLY1305_SHA256;
    }

    /** Wireshark's name for a TLS 1.3 suite. */
    public static String suiteName(int suite) {
        return switch (suite) {
            case TLS_AES_128_GCM_SHA256 -> "TLS_AES_128_GCM_SHA256";
            case TLS_AES_256_GCM_SHA384 -> "TLS_AES_256_GCM_SHA384";
            case TLS_CHACHA20_POLY1305_SHA256 -> "TLS_CHACHA20_POLY1305_SHA256";
            case 0x1304 -> "TLS_AES_128_CCM_SHA256";
            case 0x1305 -> "TLS_AES_128_CCM_8_SHA256";
            default -> String.format("0x%04x", suite);
        };
    }

    /** The record protection of {@code suite} keyed from one traffic secret. */
    public static Tls13RecordCipher of(int suite, byte[] trafficSecret) {
        if (!supports(suite)) {
            throw new IllegalArgumentException("cipher suite " + suiteName(suite) + " is not decrypted by this tool");
        }
        String hmac = hmacOf(suite);
        int keyLength = suite == TLS_AES_128_GCM_SHA256 ? 16 : 32;
        try {
            return new Tls13RecordCipher(suite,
                    hkdfExpandLabel(hmac, trafficSecret, "key", new byte[0], keyLength),
                    hkdfExpandLabel(hmac, trafficSecret, "iv", new byte[0], IV_LENGTH));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK lacks " + hmac, e);
        }
    }

    static String hmacOf(int suite) {
        return suite == TLS_AES_256_GCM_SHA384 ? "HmacSHA384" : "HmacSHA256";
    }

    /** HKDF-Expand-Label(secret, label, context, length) of RFC 8446 section 7.1. */
    static byte[] hkdfExpandLabel(String hmac, byte[] secret, String label, byte[] context, int length)
            throws GeneralSecurityException {
        byte[] full = ("tls13 " + label).getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream info = new ByteArrayOutputStream();
        info.write(length >>> 8);
        info.write(length);
        info.write(full.length);
        info.writeBytes(full);
        info.write(context.length);
        info.writeBytes(context);
        return hkdfExpand(hmac, secret, info.toByteArray(), length);
    }

    /** HKDF-Expand of RFC 5869: T(i) = HMAC(PRK, T(i-1) | info | i). */
    static byte[] hkdfExpand(String hmac, byte[] prk, byte[] info, int length) throws GeneralSecurityException {
        Mac mac = Mac.getInstance(hmac);
        mac.init(new SecretKeySpec(prk, hmac));
        byte[] out = new byte[length];
        byte[] t = new byte[0];
        int done = 0;
        for (int i = 1; done < length; i++) {
            mac.update(t);
            mac.update(info);
            mac.update((byte) i);
            t = mac.doFinal();
            int n = Math.min(t.length, length - done);
            System.arraycopy(t, 0, out, done, n);
            done += n;
        }
        return out;
    }

    /** The per-record nonce: the IV with the sequence number XORed into its last 8 bytes. */
    byte[] nonce(long seq) {
        byte[] n = iv.clone();
        for (int i = 0; i < 8; i++) {
            n[IV_LENGTH - 1 - i] ^= (byte) (seq >>> (8 * i));
        }
        return n;
    }

    /**
     * Opens record number {@code seq} ({@code record}: the 5-byte header and the body). A wrong key,
     * a wrong number or a changed byte fails the authentication tag: a GeneralSecurityException.
     */
    public Plaintext decrypt(byte[] record, long seq) throws GeneralSecurityException {
        if (record.length < TlsRecords.HEADER + TAG_LENGTH + 1) {
            throw new GeneralSecurityException("record too short to be encrypted: " + record.length + " bytes");
        }
        Cipher c;
        if (suite == TLS_CHACHA20_POLY1305_SHA256) {
            c = Cipher.getInstance("ChaCha20-Poly1305");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "ChaCha20"), new IvParameterSpec(nonce(seq)));
        } else {
            c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_LENGTH * 8, nonce(seq)));
        }
        c.updateAAD(record, 0, TlsRecords.HEADER);
        byte[] inner = c.doFinal(record, TlsRecords.HEADER, record.length - TlsRecords.HEADER);
        int end = inner.length;
        while (end > 0 && inner[end - 1] == 0) {
            end--;
        }
        if (end == 0) {
            throw new GeneralSecurityException("decrypted record has no content type (all padding)");
        }
        return new Plaintext(inner[end - 1] & 0xFF, Arrays.copyOf(inner, end - 1));
    }
}
