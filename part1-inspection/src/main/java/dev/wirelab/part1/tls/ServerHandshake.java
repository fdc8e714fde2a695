package dev.wirelab.part1.tls;

import java.io.IOException;
import java.net.Socket;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * How a server turns an accepted plain socket into a TLS 1.3 one: with the JDK's TLS (the
 * default), or with BouncyCastle's when the session keys are to be logged. The caller owns the
 * deadline: it closes {@code raw} when the handshake takes too long, which ends either kind.
 */
@FunctionalInterface
public interface ServerHandshake {

    /** Runs the server side of the handshake over {@code raw}; the returned socket reads plaintext. */
    Socket accept(Socket raw) throws IOException;

    /** The JDK's TLS 1.3, from a server context ({@link TlsContexts#server}). */
    static ServerHandshake jsse(SSLContext ctx) {
        return raw -> {
            SSLSocket ssl = (SSLSocket) ctx.getSocketFactory().createSocket(raw, null, raw.getPort(), true);
            ssl.setUseClientMode(false);
            ssl.setEnabledProtocols(new String[]{TlsContexts.PROTOCOL});
            ssl.startHandshake();
            return ssl;
        };
    }
}
