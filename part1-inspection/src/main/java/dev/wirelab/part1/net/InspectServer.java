package dev.wirelab.part1.net;

import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * The section 3.1 server: accepts any number of clients (one virtual thread each), reports every
 * chunk it receives, and never answers. With a TLS context it speaks TLS 1.3 only.
 */
public final class InspectServer implements AutoCloseable {

    /** Same size as the report's {@code conn.recv(1024)}, so chunks look the same. */
    public static final int CHUNK = 1024;
    static final int MAX_CLIENTS = 1024;
    private static final int HANDSHAKE_TIMEOUT_MS = 10_000;

    private final ServerSocket listener;
    private final ServerEvents events;
    private final boolean tls;
    private final ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closing;

    private InspectServer(ServerSocket listener, ServerEvents events, boolean tls) {
        this.listener = listener;
        this.events = events;
        this.tls = tls;
        this.acceptor = Thread.ofPlatform().name("accept-" + listener.getLocalPort()).daemon().unstarted(this::acceptLoop);
    }

    /**
     * Binds {@code host:port} (0 = any free port) and starts accepting; {@code tls} may be null.
     * A port out of range is an IllegalArgumentException; a host that does not resolve or a port
     * that is taken, an IOException saying so.
     */
    public static InspectServer start(String host, int port, SSLContext tls, ServerEvents events) throws IOException {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        }
        ServerSocket ss;
        try {
            InetAddress addr = InetAddress.getByName(host);
            if (tls != null) {
                SSLServerSocket s = (SSLServerSocket) tls.getServerSocketFactory().createServerSocket();
                s.setEnabledProtocols(new String[]{"TLSv1.3"});
                ss = s;
            } else {
                ss = new ServerSocket();
            }
            ss.setReuseAddress(true);
            ss.bind(new InetSocketAddress(addr, port), 128);
        } catch (BindException e) {
            throw new IOException("cannot listen on " + host + ":" + port + ": " + e.getMessage()
                    + (port != 0 ? " (is another server already running? try --port 0 or another port)" : ""), e);
        } catch (SocketException e) {
            throw new IOException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        InspectServer server = new InspectServer(ss, events, tls != null);
        server.acceptor.start();
        return server;
    }

    public int port() {
        return listener.getLocalPort();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    public boolean isTls() {
        return tls;
    }

    private void acceptLoop() {
        while (!closing) {
            Socket s;
            try {
                s = listener.accept();
            } catch (IOException e) {
                if (closing) {
                    return;
                }
                continue; // e.g. a client that reset before accept: keep serving the others
            }
            if (open.size() >= MAX_CLIENTS) {
                closeQuietly(s);
                continue;
            }
            open.add(s);
            try {
                clients.submit(() -> serve(s));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                closeQuietly(s);
                return;
            }
        }
    }

    private void serve(Socket s) {
        InetSocketAddress peer = (InetSocketAddress) s.getRemoteSocketAddress();
        try (s) {
            if (s instanceof SSLSocket ssl) {
                // A client that never finishes its handshake must not hold a slot forever.
                s.setSoTimeout(HANDSHAKE_TIMEOUT_MS);
                try {
                    ssl.startHandshake();
                } catch (SocketTimeoutException e) {
                    events.failed(peer, "no TLS handshake within " + HANDSHAKE_TIMEOUT_MS / 1000 + " s");
                    return;
                } catch (SSLException e) {
                    events.failed(peer, "TLS handshake failed: " + oneLine(e));
                    return;
                }
                s.setSoTimeout(0);
            }
            events.connected(peer);
            InputStream in = s.getInputStream();
            byte[] buf = new byte[CHUNK];
            while (true) {
                int n;
                try {
                    n = in.read(buf);
                } catch (SocketException e) {
                    break; // reset by the peer counts as a disconnect, like the report's except: break
                } catch (SSLException e) {
                    events.failed(peer, "TLS error: " + oneLine(e));
                    break;
                }
                if (n < 0) {
                    break;
                }
                if (n > 0) {
                    events.received(peer, java.util.Arrays.copyOf(buf, n));
                }
            }
            events.disconnected(peer);
        } catch (IOException e) {
            if (!closing) {
                events.failed(peer, oneLine(e));
            }
        } catch (RuntimeException e) {
            events.failed(peer, "internal error: " + oneLine(e));
        } finally {
            open.remove(s);
        }
    }

    private static String oneLine(Throwable e) {
        return String.valueOf(e.getMessage()).replace('\n', ' ');
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing left to do with a socket we are dropping
        }
    }

    @Override
    public void close() {
        closing = true;
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        open.forEach(InspectServer::closeQuietly);
        clients.shutdown();
        try {
            clients.awaitTermination(5, TimeUnit.SECONDS);
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
