package ai.patchwork.bench.serve;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP endpoint inside the benchmark's own process that reads a request's body to the end and answers
 * {@code 201 {"id": "sink"}}, as an upload's answer looks: the benchmark client's sending code (the multipart writer,
 * the HTTP client's request body path) runs on it before the timed uploads, so that the first of them does not run
 * that code cold in the client while the server under test waits for its bytes. The server under test sees none of
 * it.
 */
final class UploadSink implements AutoCloseable {
    /** The id the sink answers with. */
    static final String ID = "sink";

    private final HttpServer server;

    private UploadSink(HttpServer server) {
        this.server = server;
    }

    /** A sink on a free loopback port, started. */
    static UploadSink start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", UploadSink::drain);
        server.start();
        return new UploadSink(server);
    }

    int port() {
        return server.getAddress().getPort();
    }

    private static void drain(HttpExchange exchange) throws IOException {
        try (exchange;
                InputStream in = exchange.getRequestBody()) {
            in.transferTo(OutputStream.nullOutputStream());
            byte[] answer = ("{\"id\":\"" + ID + "\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(201, answer.length);
            exchange.getResponseBody().write(answer);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
