package dev.wirelab.part1.tls;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The server's self-signed certificate and key, kept in a folder ({@code server.pem},
 * {@code server-key.pem}) so that a client can be told to trust exactly that certificate. Made
 * once with BouncyCastle and reused, so the fingerprint a student writes down stays valid.
 */
public final class CertStore {

    public static final String CERT_FILE = "server.pem";
    public static final String KEY_FILE = "server-key.pem";
    private static final Duration VALIDITY = Duration.ofDays(825);

    /** A loaded certificate with its key; {@code created} tells whether this start made them. */
    public record Identity(X509Certificate certificate, PrivateKey key, Path certFile, boolean created) {
        public String sha256Fingerprint() {
            return fingerprint(certificate);
        }
    }

    private CertStore() {
    }

    /** Per-user default folder, {@code ~/.wirelab/tls}. */
    public static Path defaultDir() {
        return Path.of(System.getProperty("user.home"), ".wirelab", "tls");
    }

    /**
     * Loads the identity in {@code dir}, making a new one when it is missing, broken or expired.
     * A key file that other users may read or write is refused, as ssh refuses one: the key
     * proves who the server is, and it is not replaced silently either (see {@link #checkPrivate}).
     */
    @SuppressWarnings("try") // the lock is held for the try block's duration, never used by name
    public static Identity loadOrCreate(Path dir) throws IOException {
        checkPrivate(dir.resolve(KEY_FILE));
        try {
            Files.createDirectories(dir);
            // Two servers starting at once must not each write half of a pair.
            try (FileChannel ch = FileChannel.open(dir.resolve(".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = ch.lock()) {
                Identity existing = tryLoad(dir);
                if (existing != null) {
                    return existing;
                }
                return create(dir);
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new IOException("cannot create the TLS certificate in " + dir + ": " + why(e), e);
        }
    }

    /**
     * Refuses an existing key file that anyone but its owner may read or write (POSIX systems).
     * A key others could read lets them pose as this server, so a new pair is not made silently
     * over it either: the user decides (chmod, or delete the folder for a new certificate that
     * clients must then trust anew).
     */
    static void checkPrivate(Path keyFile) throws IOException {
        if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix") || !Files.isRegularFile(keyFile)) {
            return;
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(keyFile);
        Set<PosixFilePermission> others = EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE,
                PosixFilePermission.OTHERS_EXECUTE);
        others.retainAll(perms);
        if (!others.isEmpty()) {
            throw new IOException("the private key " + keyFile + " is open to other users (permissions "
                    + PosixFilePermissions.toString(perms) + "): anyone who can read it can pose as this server,"
                    + " so it is not used; fix it with: chmod 600 " + keyFile
                    + " (or delete " + keyFile.getParent() + " to make a new key and certificate)");
        }
    }

    /** What went wrong, in words: a file-system exception's message is often only the path. */
    static String why(Exception e) {
        if (e instanceof java.nio.file.AccessDeniedException a) {
            return "permission denied (" + a.getFile() + ")";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason() + " (" + f.getFile() + ")";
        }
        if (e instanceof java.nio.file.FileSystemException f) {
            return e.getClass().getSimpleName().replace("Exception", "") + " (" + f.getFile() + ")";
        }
        return String.valueOf(e.getMessage());
    }

    /** Reads a PEM certificate, e.g. the one a client is told to trust. */
    public static X509Certificate readCertificate(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException("no certificate at " + file
                    + " (start the TLS server once to create it, or pass --trust FILE)", e);
        } catch (IOException | GeneralSecurityException e) {
            throw new IOException("cannot read a PEM certificate from " + file + ": " + e.getMessage(), e);
        }
    }

    /** SHA-256 of the DER certificate as {@code AB:CD:...}, as {@code openssl x509 -fingerprint} prints it. */
    public static String fingerprint(X509Certificate cert) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(d);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Identity tryLoad(Path dir) throws IOException {
        Path certFile = dir.resolve(CERT_FILE);
        Path keyFile = dir.resolve(KEY_FILE);
        if (!Files.isRegularFile(certFile) || !Files.isRegularFile(keyFile)) {
            return null;
        }
        try {
            X509Certificate cert = readCertificate(certFile);
            PrivateKey key;
            try (Reader r = Files.newBufferedReader(keyFile); PEMParser p = new PEMParser(r)) {
                Object o = p.readObject();
                if (!(o instanceof PrivateKeyInfo pki)) {
                    return null;
                }
                key = new JcaPEMKeyConverter().getPrivateKey(pki);
            }
            cert.checkValidity(Date.from(Instant.now().plus(Duration.ofDays(1))));
            if (!keyMatches(cert, key)) {
                return null;
            }
            return new Identity(cert, key, certFile, false);
        } catch (GeneralSecurityException | IOException e) {
            return null; // unreadable, expired or mismatched: make a fresh pair
        }
    }

    private static boolean keyMatches(X509Certificate cert, PrivateKey key) throws GeneralSecurityException {
        byte[] probe = "wirelab key check".getBytes(StandardCharsets.US_ASCII);
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(key);
        s.update(probe);
        byte[] sig = s.sign();
        Signature v = Signature.getInstance("SHA256withECDSA");
        v.initVerify(cert.getPublicKey());
        v.update(probe);
        return v.verify(sig);
    }

    private static Identity create(Path dir) throws IOException, GeneralSecurityException {
        KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
        kpg.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair kp = kpg.generateKeyPair();
        X500Name name = new X500Name("CN=localhost, O=wirelab lab server");
        Instant now = Instant.now();
        var builder = new JcaX509v3CertificateBuilder(name, new BigInteger(64, new SecureRandom()).abs(),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), name, kp.getPublic());
        try {
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[]{
                    new GeneralName(GeneralName.dNSName, "localhost"),
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                    new GeneralName(GeneralName.iPAddress, "::1")}));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate());
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(builder.build(signer));
            Path keyFile = dir.resolve(KEY_FILE);
            Path certFile = dir.resolve(CERT_FILE);
            writeOwnerOnly(keyFile, pem(new JcaPKCS8Generator(kp.getPrivate(), null)));
            writeAtomically(certFile, pem(cert), false);
            return new Identity(cert, kp.getPrivate(), certFile, true);
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException(e.getMessage(), e);
        }
    }

    private static String pem(Object o) throws IOException {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            w.writeObject(o instanceof JcaPKCS8Generator g ? g.generate() : o);
        }
        return sw.toString();
    }

    private static void writeOwnerOnly(Path file, String text) throws IOException {
        writeAtomically(file, text, true);
    }

    private static void writeAtomically(Path file, String text, boolean ownerOnly) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        if (ownerOnly && posix) {
            // Created with 0600 from the start, so the key is never readable by others, not even briefly.
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
            Files.createFile(tmp);
            if (ownerOnly) {
                var f = tmp.toFile();
                f.setReadable(false, false);
                f.setWritable(false, false);
                f.setReadable(true, true);
                f.setWritable(true, true);
            }
        }
        Files.writeString(tmp, text, StandardCharsets.US_ASCII);
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
