package dev.wirelab.part1.net;

import dev.wirelab.part1.tls.KeyLog;
import dev.wirelab.part1.tls.KeyLoggingTls;
import dev.wirelab.part1.tls.ProtocolSocket;
import dev.wirelab.part1.tls.TlsContexts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.security.cert.X509Certificate;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

/** Opens the client side: plain TCP, or TLS 1.3 trusting exactly one certificate. */
public final class NetClient {

    private static final int CONNECT_TIMEOUT_MS = 5_000;
    /**
     * A TLS server answers a Client Hello within milliseconds; one that says nothing for this
     * long is most likely not speaking TLS at all (the plain server never answers).
     */
    static final int HANDSHAKE_TIMEOUT_MS = 5_000;
    /** What a plain client says when the reply is a TLS record. */
    public static final String SPEAKS_TLS = "this server speaks TLS: add --tls";

    private NetClient() {
    }

    public static Socket connectPlain(String host, int port) throws IOException {
        Socket s = new Socket();
        connect(s, host, port);
        return s;
    }

    /**
     * Connects to {@code host:port} and completes a TLS 1.3 handshake, checking that the server's
     * certificate is {@code trusted} and names {@code expectedHost}. {@code trustSource} only
     * appears in error messages.
     */
    public static SSLSocket connectTls(String host, int port, String expectedHost, X509Certificate trusted,
                                       String trustSource) throws IOException {
        Socket raw = connectPlain(host, port);
        try {
            SSLContext ctx = TlsContexts.clientTrusting(trusted);
            SSLSocket ssl = (SSLSocket) ctx.getSocketFactory().createSocket(raw, expectedHost, port, true);
            TlsContexts.configureClient(ssl, expectedHost);
            ssl.setSoTimeout(HANDSHAKE_TIMEOUT_MS);
            try {
                ssl.startHandshake();
            } catch (java.net.SocketTimeoutException e) {
                ssl.close();
                throw explained(TlsContexts.NOT_TLS + " (no answer within " + HANDSHAKE_TIMEOUT_MS / 1000 + " s)", e);
            } catch (SSLException e) {
                ssl.close();
                throw explained(TlsContexts.explain(e, expectedHost, trustSource), e);
            }
            ssl.setSoTimeout(0);
            return ssl;
        } catch (SSLException e) {
            closeQuietly(raw);
            throw e;
        } catch (IOException e) {
            closeQuietly(raw);
            throw new IOException("TLS connection to " + host + ":" + port + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * {@link #connectTls} with BouncyCastle's TLS 1.3, writing the session's secrets to {@code log}
     * in the NSS key log format; same checks (pinned certificate, host name, TLS 1.3 only) and the
     * same one-line errors.
     */
    public static Socket connectTlsLogged(String host, int port, String expectedHost, X509Certificate trusted,
                                          String trustSource, KeyLog log) throws IOException {
        Socket raw = connectPlain(host, port);
        try {
            raw.setSoTimeout(HANDSHAKE_TIMEOUT_MS);
            Socket tls;
            try {
                tls = KeyLoggingTls.client(raw, expectedHost, trusted, trustSource, log);
            } catch (SSLException e) {
                String why = e.getCause() instanceof java.net.SocketTimeoutException
                        ? e.getMessage() + " (no answer within " + HANDSHAKE_TIMEOUT_MS / 1000 + " s)" : e.getMessage();
                throw explained(why, e);
            }
            raw.setSoTimeout(0);
            return tls;
        } catch (IOException e) {
            closeQuietly(raw);
            throw e;
        }
    }

    /**
     * An SSLException whose message is the whole story. The JDK's exception is kept as suppressed,
     * not as the cause: it shows in a debug stack trace but is not appended to the one-line error.
     */
    private static SSLException explained(String message, IOException jdk) {
        SSLException e = new SSLException(message);
        e.addSuppressed(jdk);
        return e;
    }

    private static void connect(Socket s, String host, int port) throws IOException {
        try {
            s.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
            s.setTcpNoDelay(true);
        } catch (UnknownHostException e) {
            closeQuietly(s);
            throw e;
        } catch (ConnectException e) {
            closeQuietly(s);
            throw new IOException("cannot connect to " + host + ":" + port + ": " + e.getMessage()
                    + " (is the server running?)", e);
        } catch (IOException e) {
            closeQuietly(s);
            throw new IOException("cannot connect to " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    /**
     * Like {@code nc}: copies {@code in} to the socket and what comes back to {@code out}, until
     * the input ends and the server closes (or {@code drainMillis} passes after the input ended),
     * or until the server closes first. On a plain connection, a reply that starts with a TLS
     * record header means the server speaks TLS: that is an IOException saying to add --tls, and
     * the record is not printed (it would only be a few bytes of garbage).
     */
    public static void relay(Socket s, InputStream in, OutputStream out, long drainMillis) throws IOException {
        boolean plain = !(s instanceof SSLSocket || s instanceof ProtocolSocket);
        CountDownLatch serverDone = new CountDownLatch(1);
        CountDownLatch inputDone = new CountDownLatch(1);
        AtomicBoolean tlsReply = new AtomicBoolean();
        AtomicReference<IOException> sendFailure = new AtomicReference<>();
        Thread.ofVirtual().start(() -> {
            try {
                copyReplies(s.getInputStream(), out, plain, tlsReply);
            } catch (IOException ignored) {
                // the socket closed under us: the relay is over
            } finally {
                serverDone.countDown();
                inputDone.countDown(); // a server that has gone (or speaks TLS) needs no more input
            }
        });
        // The input is copied on a thread of its own: a terminal's stdin cannot be interrupted, and
        // a server that has closed must end the relay without waiting for the next line typed.
        Thread.ofVirtual().start(() -> {
            try {
                OutputStream sout = s.getOutputStream();
                byte[] buf = new byte[8192];
                int n;
                while ((n = in.read(buf)) > 0 && serverDone.getCount() > 0) {
                    sout.write(buf, 0, n);
                    sout.flush();
                }
                // Half-close says "no more data" (TLS 1.3 sends close_notify) and lets replies still arrive.
                s.shutdownOutput();
            } catch (IOException e) {
                sendFailure.set(e);
            } catch (UnsupportedOperationException e) {
                closeQuietly(s);
            } finally {
                inputDone.countDown();
            }
        });
        try {
            inputDone.await();
            serverDone.await(drainMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            s.close();
        }
        if (tlsReply.get()) {
            throw new IOException(SPEAKS_TLS + " (its reply to plain text was a TLS record)");
        }
        IOException failed = sendFailure.get();
        if (failed != null && serverDone.getCount() > 0) {
            throw failed; // the server closing explains a failed send; anything else is an error
        }
    }

    private static void copyReplies(InputStream sin, OutputStream out, boolean plain, AtomicBoolean tlsReply)
            throws IOException {
        byte[] buf = new byte[8192];
        byte[] head = new byte[3];
        int headLen = plain ? 0 : head.length; // only a plain connection's first bytes are checked
        int n;
        while ((n = sin.read(buf)) > 0) {
            int off = 0;
            if (headLen < head.length) {
                int take = Math.min(head.length - headLen, n);
                System.arraycopy(buf, 0, head, headLen, take);
                headLen += take;
                off = take;
                if (headLen < head.length) {
                    continue;
                }
                if (looksLikeTlsRecord(head)) {
                    tlsReply.set(true);
                    return;
                }
                write(out, head, 0, head.length);
            }
            write(out, buf, off, n - off);
        }
        if (headLen < head.length) {
            write(out, head, 0, headLen); // a reply of one or two bytes is still shown
        }
    }

    private static void write(OutputStream out, byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return;
        }
        synchronized (out) {
            out.write(b, off, len);
            out.flush();
        }
    }

    /**
     * A TLS record header: content type 20-24 (change_cipher_spec, alert, handshake,
     * application_data, heartbeat), then major version 3 and a minor version 0-4. Text never
     * starts that way: the first byte is a control character.
     */
    public static boolean looksLikeTlsRecord(byte[] b) {
        return b.length >= 3 && (b[0] & 0xFF) >= 20 && (b[0] & 0xFF) <= 24 && b[1] == 3 && (b[2] & 0xFF) <= 4;
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // best effort
        }
    }
}
