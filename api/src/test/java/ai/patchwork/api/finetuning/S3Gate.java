package ai.patchwork.api.finetuning;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy in front of an S3 server that holds every HTTP request at its headers until the test releases it: the
 * test sees each object store call a worker process makes, in order, and can kill the worker while one is in flight.
 * Requests are framed by {@code Content-Length} (the MinIO client sends one on every call); responses pass through as
 * bytes. Nothing is rewritten, so the client's signatures stay valid.
 */
final class S3Gate implements AutoCloseable {

    /** One request, held before any of it reached the server. */
    static final class Held {
        final String method;
        final String path;
        final long length;
        private final CountDownLatch released = new CountDownLatch(1);

        private Held(String method, String path, long length) {
            this.method = method;
            this.path = path;
            this.length = length;
        }

        /** Lets the request through to the server. */
        void release() {
            released.countDown();
        }

        @Override
        public String toString() {
            return method + " " + path + " (" + length + " bytes)";
        }
    }

    private final ServerSocket server;
    private final String upstreamHost;
    private final int upstreamPort;
    private final BlockingQueue<Held> held = new LinkedBlockingQueue<>();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final Set<Held> waiting = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    /** What each open connection is doing, by its number: a stuck gate shows where. */
    private final Map<Integer, String> phases = new ConcurrentSkipListMap<>();

    private volatile IOException acceptFailure;
    private volatile boolean closed;

    S3Gate(String upstreamEndpoint) {
        URI upstream = URI.create(upstreamEndpoint);
        this.upstreamHost = upstream.getHost();
        this.upstreamPort = upstream.getPort();
        try {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread.ofVirtual().name("s3-gate-accept").start(this::accept);
    }

    /** The endpoint a client uses instead of the server's. */
    String endpoint() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** The next request a client sent, held until {@link Held#release()}; empty after {@code timeout}. */
    Optional<Held> next(Duration timeout) throws InterruptedException {
        return Optional.ofNullable(held.poll(timeout.toMillis(), TimeUnit.MILLISECONDS));
    }

    /** What the gate saw, for failure messages: whether a client connected at all, and what is held. */
    String state() {
        return "the S3 gate accepted " + connections.get() + " connections and " + requests.get()
                + " requests; open connections " + phases
                + (acceptFailure == null ? "" : "; accept failed: " + acceptFailure);
    }

    /** Stops accepting, drops every connection and lets nothing more through. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        sockets.forEach(S3Gate::quietClose);
        waiting.forEach(Held::release);
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                int number = connections.incrementAndGet();
                sockets.add(client);
                Thread.ofVirtual().name("s3-gate-conn").start(() -> serve(number, client));
            } catch (IOException e) {
                if (!closed) acceptFailure = e;
                return;
            }
        }
    }

    private void serve(int number, Socket client) {
        phases.put(number, "connecting to the S3 server");
        try (client;
                Socket upstream = new Socket(upstreamHost, upstreamPort)) {
            sockets.add(upstream);
            Thread.ofVirtual().name("s3-gate-response").start(() -> copy(upstream, client));
            InputStream in = client.getInputStream();
            OutputStream out = upstream.getOutputStream();
            while (!closed) {
                phases.put(number, "reading a request");
                byte[] head = readHead(in);
                if (head == null) return;
                Held h = parse(head);
                requests.incrementAndGet();
                phases.put(number, "holding " + h);
                waiting.add(h);
                held.add(h);
                h.released.await();
                waiting.remove(h);
                if (closed) return;
                phases.put(number, "forwarding " + h);
                out.write(head);
                copyExactly(in, out, h.length);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // a connection closed (by the client, the server or close()): nothing to do
        } finally {
            phases.remove(number);
            sockets.remove(client);
        }
    }

    /** The request line and headers up to the blank line, or null at the end of the stream. */
    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) return null;
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toByteArray();
    }

    private static Held parse(byte[] head) throws IOException {
        String[] lines = new String(head, StandardCharsets.ISO_8859_1).split("\r\n");
        String[] requestLine = lines[0].split(" ");
        long length = 0;
        for (String line : lines) {
            String lower = line.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:"))
                length = Long.parseLong(line.substring(15).trim());
            if (lower.startsWith("transfer-encoding:"))
                throw new IOException("chunked requests are not framed: " + line);
        }
        return new Held(requestLine[0], requestLine[1], length);
    }

    private static void copyExactly(InputStream in, OutputStream out, long length) throws IOException {
        byte[] buffer = new byte[64 << 10];
        long left = length;
        while (left > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) throw new IOException("the client closed the connection in a request body");
            out.write(buffer, 0, n);
            left -= n;
        }
    }

    private void copy(Socket from, Socket to) {
        try {
            from.getInputStream().transferTo(to.getOutputStream());
        } catch (IOException e) {
            // one side closed
        } finally {
            quietClose(from);
            quietClose(to);
        }
    }

    private static void quietClose(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
